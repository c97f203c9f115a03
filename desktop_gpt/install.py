"""How this copy of Desktop GPT was installed: hints such as "make install-cuda" only make sense in a source
checkout, never in a packaged app."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def is_source_install() -> bool:
    """True when running from a source checkout (an editable install: the package sits next to the project's
    pyproject.toml and Makefile), False in a frozen bundle, a .deb or a wheel."""
    if getattr(sys, "frozen", False):
        return False
    root = Path(__file__).resolve().parent.parent
    return (root / "pyproject.toml").is_file() and (root / "Makefile").is_file()
