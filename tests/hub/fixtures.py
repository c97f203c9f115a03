"""Fixtures for tests that use the local Hub; a test folder's conftest.py imports the ones it needs."""

from __future__ import annotations

import os
import time
import types
from pathlib import Path

import pytest

from tests.hub.fakehub import FakeHub

USER = "alice"
TOKEN = "hf_AliceTestToken0123456789abcdefghij"  # shaped like a real token, so log redaction applies to it
OTHER_USER = "bob"
OTHER_TOKEN = "hf_BobTestToken0123456789abcdefghijk"


@pytest.fixture
def hf_isolated(monkeypatch):
    """Point huggingface_hub's cache and token paths at this test's HF_HOME.

    The root conftest sets HF_HOME per test, but huggingface_hub computed these paths when it was first imported.
    """
    from huggingface_hub import constants

    home = Path(os.environ["HF_HOME"])
    for name, value in {
        "HF_HOME": home,
        "HF_HUB_CACHE": home / "hub",
        "HUGGINGFACE_HUB_CACHE": home / "hub",
        "HF_ASSETS_CACHE": home / "assets",
        "HF_XET_CACHE": home / "xet",
        "HF_TOKEN_PATH": home / "token",
        "HF_STORED_TOKENS_PATH": home / "stored_tokens",
    }.items():
        monkeypatch.setattr(constants, name, str(value), raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return home


@pytest.fixture
def fast_retries(monkeypatch):
    """The client still retries a failing call (5 times on 5xx, 429, timeouts, refused connections), but without
    its 1-2-4-8-8 s back-off: otherwise every "server down" test waits ~23 s. Only the waiting is faked."""
    from huggingface_hub.utils import _http

    clock = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("__")})
    clock.sleep = lambda seconds: time.sleep(min(seconds, 0.01))
    monkeypatch.setattr(_http, "time", clock)


@pytest.fixture
def hub(hf_isolated, fast_retries, monkeypatch):
    """A started, empty FakeHub for this test, with HF_ENDPOINT pointing at it.

    ``TOKEN`` belongs to ``USER`` and ``OTHER_TOKEN`` to ``OTHER_USER``; no token is saved for the app.
    """
    server = FakeHub({TOKEN: USER, OTHER_TOKEN: OTHER_USER}).start()
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()
    assert not server.server_errors, "FakeHub failed on a request:\n" + "\n".join(server.server_errors)


@pytest.fixture
def hub_config(hub):
    """A HubConfig for the app's default settings, so aimed at ``hub`` through HF_ENDPOINT."""
    from desktop_gpt.settings import Settings
    from desktop_gpt.store.hub import HubConfig

    return HubConfig.resolve(Settings())
