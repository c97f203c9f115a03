"""The window starts without the Hub client: huggingface_hub and its HTTP stack are imported only when the Store or
the model manager first talks to the Hub (store/hf.py), and the client's logging set-up still applies then."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("huggingface_hub", "httpx", "httpx2", "httpcore", "httpcore2", "numpy", "openai", "starlette", "uvicorn")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_window_imports_no_hub_client_http_stack_or_numpy():
    assert _imported_after("import desktop_gpt.ui.app, desktop_gpt.ui.context, desktop_gpt.ui.main_window") == set()


def test_the_hub_client_is_imported_on_first_use():
    code = "from desktop_gpt.store.hub import check_repo_id\ncheck_repo_id('owner/name')"
    assert "huggingface_hub" in _imported_after(code)


def test_a_setting_made_through_the_lazy_module_reaches_the_client(monkeypatch):
    import huggingface_hub.constants

    from desktop_gpt.store import hf
    from desktop_gpt.store.hub import _prepare_client

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", False)
    _prepare_client(5.0)  # the app promises no telemetry: the client reads this constant on every call
    assert huggingface_hub.constants.HF_HUB_DISABLE_TELEMETRY is True
    assert "HF_HUB_DISABLE_TELEMETRY" not in vars(hf.constants)  # not left on the stand-in
