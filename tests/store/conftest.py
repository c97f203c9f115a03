"""The Store tests run the real huggingface_hub client against the local Hub (tests/hub)."""

import time
import types

import pytest

from tests.hub.fixtures import fast_retries, hf_isolated, hub, hub_config  # noqa: F401


@pytest.fixture(autouse=True)
def fast_download_retries(monkeypatch):
    """Like ``fast_retries`` for the 1 s pause hf_hub_download takes before re-fetching a cut body: only the
    waiting is removed, every retry still happens."""
    from huggingface_hub import file_download

    clock = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("__")})
    clock.sleep = lambda seconds: time.sleep(min(seconds, 0.01))
    monkeypatch.setattr(file_download, "time", clock)
