"""Local Hub fixtures (defined in tests/hub/fixtures.py so other test folders can import them too)."""

from tests.hub.fixtures import fast_retries, hf_isolated, hub, hub_config  # noqa: F401
