"""An app's icon: a PNG or SVG file inside the app's folder, at most 256 KB, that really is that image."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from typing import Any
from xml.etree import ElementTree

from desktop_gpt.errors import AppFormatError
from desktop_gpt.i18n import _

MAX_ICON_BYTES = 256 * 1024
ICON_SUFFIXES = (".png", ".svg")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CONTROL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # Unicode categories no name or path may contain
_SVG_NS = "{http://www.w3.org/2000/svg}"
_CONTROL = CONTROL_CATEGORIES
MAX_ICON_PIXELS = 1024
MAX_SVG_ELEMENTS = 2000
_MAX_SVG_DEPTH = 32
_XLINK = "{http://www.w3.org/1999/xlink}"
_XML = "{http://www.w3.org/XML/1998/namespace}"
ElementTree.register_namespace("", _SVG_NS[1:-1])
ElementTree.register_namespace("xlink", _XLINK[1:-1])
_SVG_ELEMENTS = frozenset("""svg g defs title desc path rect circle ellipse line polyline polygon text tspan
    linearGradient radialGradient stop use clipPath symbol image""".split())
_SVG_ATTRIBUTES = frozenset("""id x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points transform viewBox
    preserveAspectRatio version baseProfile fill fill-opacity fill-rule stroke stroke-width stroke-linecap
    stroke-linejoin stroke-miterlimit stroke-dasharray stroke-dashoffset stroke-opacity opacity style font-family
    font-size font-weight font-style text-anchor letter-spacing offset stop-color stop-opacity gradientUnits
    gradientTransform spreadMethod clip-path clip-rule clipPathUnits visibility display color href""".split())
_URL_REF = re.compile(r"url\(\s*['\"]?([^)'\"]*)", re.I)
_PNG_DATA = "data:image/png;base64,"


def check_icon_path(path: Any) -> str:
    """The icon path if it stays inside the app's folder and names a PNG or SVG; else AppFormatError("icon")."""
    if not isinstance(path, str):
        raise AppFormatError(
            _('The app\'s icon must be a file name such as "icon.png", not {kind}.').format(kind=_kind(path)),
            field="icon",
        )
    shown = _shown(path)
    inside = (
        f'The app\'s icon must be a file inside the app\'s folder, such as "icon.png" or "assets/icon.svg"; {shown} '
    )
    if not path or len(path) > 200:
        raise AppFormatError(inside + _("is not."), field="icon")
    if "\\" in path:
        raise AppFormatError(inside + _("uses backslashes; use / between folders."), field="icon")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or path.startswith("~"):
        raise AppFormatError(inside + _("is an absolute path."), field="icon")
    if ":" in path or any(unicodedata.category(ch) in _CONTROL for ch in path):
        raise AppFormatError(inside + _("has characters a file name may not have."), field="icon")
    parts = path.split("/")
    if ".." in parts:
        raise AppFormatError(inside + _("leaves the app's folder."), field="icon")
    if any(part in ("", ".") or part != part.strip() for part in parts):
        raise AppFormatError(inside + _("is not a plain relative path."), field="icon")
    if not path.lower().endswith(ICON_SUFFIXES):
        raise AppFormatError(
            _("The app's icon must be a PNG or SVG file; {shown} is neither.").format(shown=shown), field="icon"
        )
    return path


def check_icon(name: str, data: bytes) -> str:
    """Check the icon's bytes: at most 256 KB, really a PNG or an SVG as its name says, a PNG at most
    MAX_ICON_PIXELS on a side, an SVG that passes :func:`sanitize_svg`. Returns "png" or "svg"."""
    check_icon_path(name)
    if len(data) > MAX_ICON_BYTES:
        raise AppFormatError(
            _("The app's icon {shown} is too big ({data:.0f} KB); it may be at most {max_icon_bytes} KB.").format(
                shown=_shown(name), data=len(data) / 1024, max_icon_bytes=MAX_ICON_BYTES // 1024
            ),
            field="icon",
        )
    if name.lower().endswith(".png"):
        check_png(data, f"The app's icon {_shown(name)}")
        return "png"
    sanitize_svg(data, name)
    return "svg"


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header, without decoding it; None when ``data`` is not a PNG."""
    if not data.startswith(PNG_MAGIC) or len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def check_png(data: bytes, subject: str) -> tuple[int, int]:
    """A PNG's size, refused past MAX_ICON_PIXELS a side: a few KB of PNG can decode to hundreds of MB."""
    size = png_size(data)
    if size is None or len(data) < 33:
        raise AppFormatError(_("{subject} is not a PNG image.").format(subject=subject), field="icon")
    width, height = size
    if width > MAX_ICON_PIXELS or height > MAX_ICON_PIXELS:
        raise AppFormatError(
            _(
                "{subject} is {width}×{height} pixels; an icon may be at most {max_icon_pixels}×{max_icon_pixels}."
            ).format(subject=subject, width=width, height=height, max_icon_pixels=MAX_ICON_PIXELS),
            field="icon",
        )
    return size


def sanitize_svg(data: bytes, name: str = "icon.svg") -> bytes:
    """The SVG rebuilt from an allow-list of elements and attributes, ready for Qt to draw; AppFormatError when
    it is not an SVG or reaches outside itself.

    Only ``#fragment`` references and ``data:image/png;base64`` images (at most MAX_ICON_PIXELS a side) pass;
    anything else that points somewhere (``<image href="file:…">``, ``url(http…)``) refuses the whole icon.
    Unknown elements and attributes (an editor's metadata) are dropped. Qt then renders exactly what was checked.
    """
    shown = _shown(name)
    not_svg = AppFormatError(_("The app's icon {shown} is not an SVG image.").format(shown=shown), field="icon")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_svg from None
    lowered = text.lower()
    # Entities are how XML bombs and file reads hide; an icon needs neither, nor scripts (an app is data, never code).
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise AppFormatError(
            _("The app's icon {shown} declares a DOCTYPE or entities, which icons may not.").format(shown=shown),
            field="icon",
        )
    if "<script" in lowered or "javascript:" in lowered:
        raise AppFormatError(
            _("The app's icon {shown} contains a script, which icons may not.").format(shown=shown), field="icon"
        )
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise not_svg from None
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        raise not_svg
    count = sum(1 for _unused in root.iter())
    if count > MAX_SVG_ELEMENTS:
        raise AppFormatError(
            _("The app's icon {shown} has {count:,} elements; an icon may have at most {max_svg_elements:,}.").format(
                shown=shown, count=count, max_svg_elements=MAX_SVG_ELEMENTS
            ),
            field="icon",
        )
    clean = _clean_element(root, shown, 0)
    _check_uses(clean, shown)
    return ElementTree.tostring(clean, encoding="utf-8")


def _clean_element(element: ElementTree.Element, shown: str, depth: int) -> ElementTree.Element:
    if depth > _MAX_SVG_DEPTH:
        raise AppFormatError(
            _("The app's icon {shown} nests its elements too deeply.").format(shown=shown), field="icon"
        )
    local = _local(element.tag)
    out = ElementTree.Element(f"{_SVG_NS}{local}")
    out.text, out.tail = element.text, element.tail
    for key, value in element.attrib.items():
        attr = key[len(_XLINK) :] if key.startswith(_XLINK) else (key if key.startswith(_XML) else _local_attr(key))
        if key == f"{_XML}space":
            out.set(key, value)
            continue
        if attr not in _SVG_ATTRIBUTES:
            continue
        if attr == "href":
            _check_href(local, value, shown)
            out.set(f"{_XLINK}href", value)  # one spelling for every Qt version
            continue
        refs = _URL_REF.findall(value)
        if any(not ref.strip().startswith("#") for ref in refs) or (
            attr == "style" and ("\\" in value or "@" in value)
        ):
            raise AppFormatError(
                _("The app's icon {shown} refers to something outside itself ({attr}), which icons may not.").format(
                    shown=shown, attr=attr
                ),
                field="icon",
            )
        out.set(attr, value)
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or (tag.startswith("{") and not tag.startswith(_SVG_NS)):
            continue  # a comment, or another namespace: an editor's metadata
        if _local(tag) in _SVG_ELEMENTS:  # anything else (style, filter, foreignObject, a…) is left out
            out.append(_clean_element(child, shown, depth + 1))
    return out


def _check_href(local: str, value: str, shown: str) -> None:
    value = value.strip()
    if value.startswith("#") and local != "image":
        return
    if local == "image" and value.startswith(_PNG_DATA):
        try:
            png = base64.b64decode(value[len(_PNG_DATA) :], validate=False)
        except (ValueError, binascii.Error):
            png = b""
        check_png(png, f"An image inside the app's icon {shown}")
        return
    raise AppFormatError(
        _(
            "The app's icon {shown} refers to something outside itself ({value!r}); an icon may only use its own "
            "parts (#name) and embedded PNG images."
        ).format(shown=shown, value=value[:40]),
        field="icon",
    )


def _check_uses(root: ElementTree.Element, shown: str) -> None:
    """A <use> may copy a part that has no <use> of its own: nested copies multiply (10 of 10 of 10…)."""
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    for use in root.iter(f"{_SVG_NS}use"):
        target = ids.get((use.get(f"{_XLINK}href") or "").lstrip("#"))
        if target is not None and any(_local(el.tag) == "use" for el in target.iter()):
            raise AppFormatError(
                _("The app's icon {shown} copies a part that itself copies parts, which icons may not.").format(
                    shown=shown
                ),
                field="icon",
            )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _local_attr(key: str) -> str:
    return key if not key.startswith("{") else ""


def _kind(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _shown(value: str) -> str:
    return f'"{value if len(value) <= 60 else value[:57] + "…"}"'
