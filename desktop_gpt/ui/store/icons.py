"""App icons as Qt images: the app's own PNG/SVG when it has one, else a coloured tile with its first letter."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtSvg import QSvgRenderer

from desktop_gpt.errors import AppFormatError
from desktop_gpt.store.app_icon import MAX_ICON_BYTES, check_png, png_size, sanitize_svg
from desktop_gpt.ui import theme

_cache: dict[tuple, QPixmap] = {}


def app_pixmap(name: str, icon: str | Path | bytes | None = None, size: int = 48) -> QPixmap:
    """The icon at ``size`` px square. ``icon`` is a file path or the file's bytes (PNG or SVG)."""
    key = (name, icon if not isinstance(icon, bytes) else hashlib.sha1(icon).hexdigest(), size, theme.current().name)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    pixmap = _render(icon, size) if icon else None
    if pixmap is None:
        pixmap = letter_tile(name, size)
    if len(_cache) > 512:
        _cache.clear()
    _cache[key] = pixmap
    return pixmap


def app_icon(name: str, icon: str | Path | bytes | None = None) -> QIcon:
    icon_ = QIcon()
    for size in (20, 32, 48):
        icon_.addPixmap(app_pixmap(name, icon, size))
    return icon_


def _render(icon: str | Path | bytes, size: int) -> QPixmap | None:
    """Draw the icon; None (a letter tile instead) for anything that is not a safe PNG or SVG.

    An SVG is drawn only as rebuilt by ``sanitize_svg`` (QtSvg would read an ``<image href="file:…">``); a PNG only
    when its header says it is small enough to decode (a few KB can declare 8000×8000 pixels).
    """
    data = icon if isinstance(icon, bytes) else _read(Path(icon))
    if not data or len(data) > MAX_ICON_BYTES:
        return None
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    if png_size(data) is None:
        try:
            clean = sanitize_svg(data)
        except AppFormatError:
            return None
        renderer = QSvgRenderer(QByteArray(clean))
        if not renderer.isValid():
            return None
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        return pixmap
    try:
        check_png(data, "icon")
    except AppFormatError:
        return None
    image = QImage.fromData(data, "PNG")
    if image.isNull():
        return None
    scaled = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    painter = QPainter(pixmap)
    painter.drawImage((size - scaled.width()) // 2, (size - scaled.height()) // 2, scaled)
    painter.end()
    return pixmap


def _read(path: Path) -> bytes | None:
    """At most one byte past the icon limit, and only from a regular file (a FIFO would block the GUI)."""
    try:
        if not path.is_file():
            return None
        with open(path, "rb") as fh:
            return fh.read(MAX_ICON_BYTES + 1)
    except OSError:
        return None


def letter_tile(name: str, size: int) -> QPixmap:
    """A rounded tile in a colour picked from the name, with its first letter (any script)."""
    tiles = theme.current().tiles
    colour = tiles[int(hashlib.sha1(name.encode("utf-8")).hexdigest(), 16) % len(tiles)]
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, size, size), size * 0.22, size * 0.22)
    painter.fillPath(path, QColor(colour))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(8, int(size * 0.5)))
    painter.setFont(font)
    painter.setPen(QColor(theme.current().tile_text))
    letter = (name.strip()[:1] or "?").upper()
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return pixmap
