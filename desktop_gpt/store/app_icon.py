"""An app's icon: a PNG or SVG file inside the app's folder, at most 256 KB, that really is that image."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from xml.etree import ElementTree

from desktop_gpt.errors import AppFormatError

MAX_ICON_BYTES = 256 * 1024
ICON_SUFFIXES = (".png", ".svg")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CONTROL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # Unicode categories no name or path may contain
_SVG_NS = "{http://www.w3.org/2000/svg}"
_CONTROL = CONTROL_CATEGORIES


def check_icon_path(path: Any) -> str:
    """The icon path if it stays inside the app's folder and names a PNG or SVG; else AppFormatError("icon")."""
    if not isinstance(path, str):
        raise AppFormatError(f"The app's icon must be a file name such as \"icon.png\", not {_kind(path)}.",
                             field="icon")
    shown = _shown(path)
    inside = ("The app's icon must be a file inside the app's folder, such as \"icon.png\" or \"assets/icon.svg\"; "
              f"{shown} ")
    if not path or len(path) > 200:
        raise AppFormatError(inside + "is not.", field="icon")
    if "\\" in path:
        raise AppFormatError(inside + "uses backslashes; use / between folders.", field="icon")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or path.startswith("~"):
        raise AppFormatError(inside + "is an absolute path.", field="icon")
    if ":" in path or any(unicodedata.category(ch) in _CONTROL for ch in path):
        raise AppFormatError(inside + "has characters a file name may not have.", field="icon")
    parts = path.split("/")
    if ".." in parts:
        raise AppFormatError(inside + "leaves the app's folder.", field="icon")
    if any(part in ("", ".") or part != part.strip() for part in parts):
        raise AppFormatError(inside + "is not a plain relative path.", field="icon")
    if not path.lower().endswith(ICON_SUFFIXES):
        raise AppFormatError(f"The app's icon must be a PNG or SVG file; {shown} is neither.", field="icon")
    return path


def check_icon(name: str, data: bytes) -> str:
    """Check the icon's bytes: at most 256 KB, really a PNG or an SVG as its name says. Returns "png" or "svg"."""
    check_icon_path(name)
    if len(data) > MAX_ICON_BYTES:
        raise AppFormatError(f"The app's icon {_shown(name)} is too big ({len(data) / 1024:.0f} KB); it may be at "
                             f"most {MAX_ICON_BYTES // 1024} KB.", field="icon")
    if name.lower().endswith(".png"):
        if not data.startswith(PNG_MAGIC) or len(data) < 33 or data[12:16] != b"IHDR":
            raise AppFormatError(f"The app's icon {_shown(name)} is not a PNG image.", field="icon")
        return "png"
    _check_svg(name, data)
    return "svg"


def _check_svg(name: str, data: bytes) -> None:
    not_svg = AppFormatError(f"The app's icon {_shown(name)} is not an SVG image.", field="icon")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_svg from None
    lowered = text.lower()
    # Entities are how XML bombs and file reads hide; an icon needs neither, nor scripts (an app is data, never code).
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise AppFormatError(f"The app's icon {_shown(name)} declares a DOCTYPE or entities, which icons may not.",
                             field="icon")
    if "<script" in lowered or "javascript:" in lowered:
        raise AppFormatError(f"The app's icon {_shown(name)} contains a script, which icons may not.", field="icon")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise not_svg from None
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        raise not_svg


def _kind(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object",
            type(None): "null"}.get(type(value), type(value).__name__)


def _shown(value: str) -> str:
    return f'"{value if len(value) <= 60 else value[:57] + "…"}"'
