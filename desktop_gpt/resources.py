"""Where the read-only files shipped with the app live (styles, icons, built-in apps, prompt templates)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    """``resources/`` of a source checkout or editable install, of a frozen build, or of an installed wheel."""
    candidates = [
        Path(__file__).resolve().parent.parent / "resources",
        Path(getattr(sys, "_MEIPASS", "")) / "resources",
        Path(sys.prefix) / "share" / "desktop-gpt" / "resources",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("The app's resources folder is missing; reinstall Desktop GPT.")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
