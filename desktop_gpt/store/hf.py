"""huggingface_hub, imported the first time it is used rather than at start-up.

The Hub client and its HTTP stack (httpx, httpcore, anyio, tqdm, yaml…) were about a quarter of the window's import
time, and the window needs none of it until the Store or the model manager talks to the Hub. The imports are plain
``import`` statements inside functions, so PyInstaller still finds them.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from desktop_gpt import log


class _Lazy:
    """A module that is imported on its first attribute access."""

    def __init__(self, load: Callable[[], ModuleType]) -> None:
        self._load = load

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._load(), name)  # huggingface_hub imports its parts (and sets up its logger) lazily
        log.hub_client_imported()  # the CLI's "retry notices go to the log file, not stderr" (cheap; idempotent)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:  # e.g. constants.HF_HUB_DISABLE_TELEMETRY = True must reach the module the client reads
            setattr(self._load(), name, value)


def _hub() -> ModuleType:
    import huggingface_hub

    return huggingface_hub


def _utils() -> ModuleType:
    import huggingface_hub.utils

    return huggingface_hub.utils


def _errors() -> ModuleType:
    import huggingface_hub.errors

    return huggingface_hub.errors


def _hf_api() -> ModuleType:
    import huggingface_hub.hf_api

    return huggingface_hub.hf_api


def _constants() -> ModuleType:
    import huggingface_hub.constants

    return huggingface_hub.constants


hub = _Lazy(_hub)
utils = _Lazy(_utils)
errors = _Lazy(_errors)
hf_api = _Lazy(_hf_api)
constants = _Lazy(_constants)


def http() -> ModuleType:
    """The HTTP library huggingface_hub itself uses (httpx2 on 2.x, httpx on 1.x; one name since 1.30)."""
    try:
        from huggingface_hub.utils import httpx as module
    except ImportError:  # pragma: no cover - huggingface_hub 1.18–1.29
        import httpx as module  # type: ignore[no-redef]
    return module
