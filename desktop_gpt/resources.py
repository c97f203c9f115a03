"""The read-only files shipped inside the package (styles, icons, built-in apps, prompt templates, the model list).

They live in ``desktop_gpt/resources/`` and are found through ``importlib.resources``, so a source checkout, an
editable install, an installed wheel and a frozen (PyInstaller) build all find them the same way.
"""

from __future__ import annotations

import atexit
import contextlib
from functools import lru_cache
from importlib import resources as _importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

_PACKAGE = "desktop_gpt"
_FOLDER = "resources"


def resources_root() -> Traversable:
    """The package's ``resources`` folder as importlib.resources sees it (a real folder in every install we make)."""
    return _importlib_resources.files(_PACKAGE) / _FOLDER


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    """The ``resources`` folder as a real path on disk (extracted once if the package were inside a zip)."""
    root = resources_root()
    if isinstance(root, Path):
        path = root
    else:  # pragma: no cover - only for a package imported from a zip; our installs never do that
        stack = contextlib.ExitStack()
        atexit.register(stack.close)
        path = Path(stack.enter_context(_importlib_resources.as_file(root)))
    if not path.is_dir():
        raise FileNotFoundError("The app's resources folder is missing; reinstall Desktop GPT.")
    return path


def resource(*parts: str) -> Path:
    """A file or folder under the package's resources, e.g. ``resource("apps")`` or ``resource("styles", "app.qss")``."""
    return resources_dir().joinpath(*parts)
