"""The Store tests run the real huggingface_hub client against the local Hub (tests/hub)."""

from tests.hub.fixtures import fast_retries, hf_isolated, hub, hub_config  # noqa: F401
