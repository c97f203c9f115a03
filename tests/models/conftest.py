"""Model-manager tests: the local Hub fixtures, small real GGUF files, and fast retry settings."""

from __future__ import annotations

import pytest

from tests.hub.fixtures import fast_retries, hf_isolated, hub, hub_config  # noqa: F401
from tests.models.helpers import FAST, add_split_repo, add_tiny_repo


@pytest.fixture
def models_dir(app_home):
    from desktop_gpt.paths import app_paths

    return app_paths().ensure().models


@pytest.fixture
def tiny_repo(hub):
    """acme/tiny-GGUF: two quantizations of a small (valid) GGUF and a README."""
    return add_tiny_repo(hub)


@pytest.fixture
def split_repo(hub):
    """acme/split-GGUF: one model in three parts (each a valid GGUF) plus a single-file one."""
    return add_split_repo(hub)


@pytest.fixture
def fast():
    """Download options for tests: a stall is noticed after 1 s, retries wait 10–50 ms."""
    return dict(FAST)
