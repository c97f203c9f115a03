"""Model repositories: the id the Hub answers with must be the one asked for, and a file name that is a path
(``..``, ``\\``, ``:``) is never offered, since both become paths under the models folder."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import HubProtocolError
from desktop_gpt.models.catalog import repo_files
from tests.models.helpers import gguf_bytes


def test_a_repo_answering_with_another_id_is_refused(hub, hub_config):
    hub.add_repo("acme/tiny-GGUF", {"tiny-Q4_K_M.gguf": gguf_bytes("tiny", 100)}, extra={"id": "../.."})
    with pytest.raises(HubProtocolError, match="does not use it"):
        repo_files(hub_config, "acme/tiny-GGUF")


def test_file_names_that_leave_the_models_folder_are_not_offered(hub, hub_config):
    good = gguf_bytes("tiny", 100)
    hub.add_repo("acme/tiny-GGUF", {"tiny-Q4_K_M.gguf": good, "../../../escape-Q8_0.gguf": good,
                                    "sub\\..\\x-Q5_K_M.gguf": good, "Q6_K/ok-Q6_K.gguf": good})
    names = {part.path for model in repo_files(hub_config, "acme/tiny-GGUF").files for part in model.parts}
    assert names == {"tiny-Q4_K_M.gguf", "Q6_K/ok-Q6_K.gguf"}


def test_inside_refuses_paths_out_of_the_folder(tmp_path):
    from desktop_gpt.errors import UnsafePathError
    from desktop_gpt.paths import inside

    root = tmp_path / "models"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (root / "link").symlink_to(tmp_path / "elsewhere")
    assert inside(root, root / "a" / "b.gguf") == (root / "a" / "b.gguf").resolve()
    for bad in (root / ".." / "x.gguf", root, root / "link" / "x.gguf", tmp_path / "x"):
        with pytest.raises(UnsafePathError, match="did not touch it"):
            inside(root, bad)
