"""Every colour of the app: the Light and Dark palettes, the stylesheet built from them, icons and fonts.

No other module names a colour (tests/ui/test_theme.py greps for them): widgets use the QPalette, object names
styled by ``styles/app.qss`` (a template filled from the palette), or ``current()``'s named colours. The
``theme`` setting is "system" (follow the desktop's colour scheme, live), "light" or "dark".
"""

from __future__ import annotations

import string
import sys
import weakref
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from PySide6.QtCore import QByteArray, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QApplication

from desktop_gpt import log
from desktop_gpt.resources import resource

_log = log.get("ui")

SYSTEM, LIGHT_NAME, DARK_NAME = "system", "light", "dark"


@dataclass(frozen=True)
class Palette:
    """The named colours of one theme (hex strings, as Qt stylesheets and HTML take them)."""

    name: str
    window: str           # the window behind everything
    surface: str          # cards, assistant bubbles, text fields
    surface_alt: str      # the chat column and the Store's page behind the cards
    sunken: str           # a disabled or broken card
    text: str             # body text
    text_muted: str       # secondary lines: authors, stats, meta
    text_faint: str       # hints and placeholders
    border: str
    border_strong: str
    accent: str           # the primary button, focus and selection
    accent_soft: str      # hover borders
    on_accent: str        # text on the accent colour
    user_bubble: str
    user_border: str
    selection: str
    selection_text: str
    author_text: str
    warning_bg: str
    warning_border: str
    warning_text: str
    error_text: str
    note_text: str
    success_text: str
    info_text: str
    diff_add_bg: str
    diff_add_text: str
    diff_del_bg: str
    diff_del_text: str
    code_bg: str
    code_label: str
    gutter_text: str
    link: str
    tooltip_bg: str
    tooltip_text: str
    pygments_style: str
    # Coloured tiles behind an app's initial when it has no icon (white letters on each).
    tiles: tuple[str, ...] = field(default=())
    tile_text: str = "#ffffff"

    def colours(self) -> dict[str, str]:
        """Name → colour, for filling the stylesheet template."""
        return {k: v for k, v in asdict(self).items() if isinstance(v, str)}


_TILES_LIGHT = ("#2f6fde", "#8e44ad", "#16806f", "#c0581a", "#c0392b", "#23814a", "#2c3e50", "#a84300")
_TILES_DARK = ("#2f62c4", "#7d3c98", "#13705f", "#a84d16", "#a93226", "#1e7142", "#34495e", "#934000")

LIGHT = Palette(
    name=LIGHT_NAME, window="#f3f4f6", surface="#ffffff", surface_alt="#f7f8fa", sunken="#eceef1",
    text="#1f2328", text_muted="#57606a", text_faint="#656d76", border="#e3e6ea", border_strong="#c9d1d9",
    accent="#2563eb", accent_soft="#9db9ef", on_accent="#ffffff", user_bubble="#eaf1ff", user_border="#cfdcf7",
    selection="#dce8fc", selection_text="#1f2328", author_text="#3b4a5a",
    warning_bg="#fff8e1", warning_border="#f3d98b", warning_text="#7a4f00", error_text="#b00020",
    note_text="#9a3412", success_text="#1a7f37", info_text="#1b5e9f",
    diff_add_bg="#e6ffec", diff_add_text="#116329", diff_del_bg="#ffebe9", diff_del_text="#82071e",
    code_bg="#f4f6f8", code_label="#57606a", gutter_text="#5f6873", link="#0a58ca",
    tooltip_bg="#1f2328", tooltip_text="#ffffff", pygments_style="friendly", tiles=_TILES_LIGHT,
)

DARK = Palette(
    name=DARK_NAME, window="#1b1d21", surface="#26292e", surface_alt="#1f2226", sunken="#2c2f35",
    text="#e6e8eb", text_muted="#b4bac2", text_faint="#9aa2ac", border="#363a41", border_strong="#4a4f58",
    accent="#4f8cf7", accent_soft="#3e5f99", on_accent="#0b1220", user_bubble="#243250", user_border="#34486f",
    selection="#2f4166", selection_text="#f2f4f7", author_text="#c6cdd5",
    warning_bg="#352d1c", warning_border="#6b5a2e", warning_text="#e8c067", error_text="#ff8a80",
    note_text="#f0a060", success_text="#5fd08a", info_text="#79b8ff",
    diff_add_bg="#133a22", diff_add_text="#8de0ad", diff_del_bg="#47201f", diff_del_text="#ffb3ab",
    code_bg="#1b1d21", code_label="#9aa2ac", gutter_text="#8b949e", link="#79b8ff",
    tooltip_bg="#e6e8eb", tooltip_text="#1b1d21", pygments_style="github-dark", tiles=_TILES_DARK,
)

THEMES = {LIGHT_NAME: LIGHT, DARK_NAME: DARK}


# -- contrast (WCAG 2.x), used by the tests and to pick readable text on tiles --------------------------------
def luminance(colour: str) -> float:
    """The relative luminance of a "#rrggbb" colour, 0 (black) to 1 (white)."""
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21 (body text needs 4.5)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# -- the palette in force ------------------------------------------------------------------------------------
_current: Palette = LIGHT


def current() -> Palette:
    """The palette in force (Light until the app installs a theme)."""
    return _current


def qcolor(name: str) -> QColor:
    """One named colour of the current palette as a QColor, e.g. ``qcolor("error_text")``."""
    return QColor(getattr(_current, name))


def probability_colour(p: float) -> QColor:
    """The background of a token the model chose with probability ``p`` ("Show probabilities"): none for a sure
    token, shading towards the warning colour as it gets less likely and towards the deletion colour below 20%,
    so the text keeps the contrast it has on those colours in both themes."""
    surface = QColor(_current.surface)
    if p >= 0.9:
        return surface
    target = QColor(_current.warning_bg if p >= 0.2 else _current.diff_del_bg)
    strength = min(1.0, (0.9 - p) / 0.7) if p >= 0.2 else 1.0
    mix = QColor()
    mix.setRgbF(*(a + (b - a) * strength for a, b in zip(surface.getRgbF()[:3], target.getRgbF()[:3])))
    return mix


def pygments_colour(value: str) -> QColor:
    """A colour of the theme's Pygments style ("rrggbb", as Pygments gives it)."""
    return QColor("#" + value)


def qpalette(p: Palette) -> QPalette:
    """The Qt palette of a theme, so every standard widget (Fusion style) follows it."""
    pal = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, p.window), (roles.WindowText, p.text), (roles.Base, p.surface),
        (roles.AlternateBase, p.surface_alt), (roles.Text, p.text), (roles.Button, p.surface),
        (roles.ButtonText, p.text), (roles.BrightText, p.error_text), (roles.Highlight, p.accent),
        (roles.HighlightedText, p.on_accent), (roles.ToolTipBase, p.tooltip_bg), (roles.ToolTipText, p.tooltip_text),
        (roles.PlaceholderText, p.text_faint), (roles.Link, p.link), (roles.LinkVisited, p.link),
        (roles.Light, p.surface), (roles.Midlight, p.border), (roles.Mid, p.border_strong),
        (roles.Dark, p.border_strong), (roles.Shadow, p.window),
    ):
        pal.setColor(role, QColor(colour))
    for role, colour in ((roles.Text, p.text_faint), (roles.WindowText, p.text_faint),
                         (roles.ButtonText, p.text_faint)):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return pal


def stylesheet(p: Palette) -> str:
    """The app's stylesheet for a theme: ``styles/app.qss`` with ``${name}`` replaced by the palette's colours."""
    template = string.Template(resource("styles", "app.qss").read_text(encoding="utf-8"))
    return template.substitute(p.colours())


# -- icons ---------------------------------------------------------------------------------------------------
ICON_SIZES = (16, 20, 24, 32)


@lru_cache(maxsize=256)
def _icon(name: str, colour: str) -> QIcon:
    svg = resource("icons", "lucide", f"{name}.svg").read_text(encoding="utf-8").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    icon = QIcon()
    ratio = 2.0  # drawn at twice the size: crisp on HiDPI screens, scaled down cleanly elsewhere
    for size in ICON_SIZES:
        pixmap = QPixmap(int(size * ratio), int(size * ratio))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
        painter.end()
        pixmap.setDevicePixelRatio(ratio)
        icon.addPixmap(pixmap)
    return icon


def icon(name: str, role: str = "text") -> QIcon:
    """A Lucide icon (resources/icons/lucide) tinted with a colour of the current palette."""
    return _icon(name, getattr(_current, role))


_bound: "weakref.WeakKeyDictionary[QAbstractButton, tuple[str, str]]" = weakref.WeakKeyDictionary()


def set_icon(widget, name: str, role: str = "text") -> None:
    """Give a button or action an icon that follows theme changes."""
    widget.setIcon(icon(name, role))
    _bound[widget] = (name, role)


def _refresh_icons() -> None:
    for widget, (name, role) in list(_bound.items()):
        try:
            widget.setIcon(icon(name, role))
        except RuntimeError:  # the C++ object is gone
            _bound.pop(widget, None)


# -- fonts ---------------------------------------------------------------------------------------------------
def font_families(platform: str = sys.platform) -> list[str]:
    """The UI font stack for this OS: a good Latin face first, then the CJK face Chinese text falls back to."""
    if platform.startswith("win"):
        return ["Segoe UI", "Microsoft YaHei UI", "Microsoft YaHei"]
    if platform == "darwin":
        return [".AppleSystemUIFont", "Helvetica Neue", "PingFang SC", "Hiragino Sans GB"]
    return ["Noto Sans", "Cantarell", "DejaVu Sans", "Noto Sans CJK SC", "Source Han Sans SC",
            "WenQuanYi Micro Hei", "Droid Sans Fallback"]


def _apply_font(app: QApplication) -> None:
    installed = set(QFontDatabase.families())
    families = [f for f in font_families() if f in installed or f.startswith(".")]
    if not families:
        return
    font = QFont(app.font())
    font.setFamilies(families + [app.font().family()])
    app.setFont(font)


# -- applying ------------------------------------------------------------------------------------------------
class ThemeManager(QObject):
    """Applies the ``theme`` setting to the app and follows the desktop's scheme while it is "system".

    Signals:
        changed(Palette): the palette in force changed; widgets that draw their own colours repaint.
    """

    changed = Signal(object)

    def __init__(self, app: QApplication, setting: str = SYSTEM):
        super().__init__(app)
        self.app = app
        self.setting = setting
        self.palette: Palette | None = None
        app.setStyle("Fusion")  # the one style that follows a palette on every OS
        _apply_font(app)
        app.styleHints().colorSchemeChanged.connect(self.system_scheme_changed)

    def resolve(self, scheme: Qt.ColorScheme | None = None) -> Palette:
        """The palette the setting means now: for "system", the desktop's scheme (unknown counts as light)."""
        if self.setting in THEMES:
            return THEMES[self.setting]
        scheme = self.app.styleHints().colorScheme() if scheme is None else scheme
        return DARK if scheme == Qt.ColorScheme.Dark else LIGHT

    def set_setting(self, setting: str) -> None:
        self.setting = setting
        self.apply(self.resolve())

    def system_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        """The desktop switched between light and dark: follow it when the setting is "system"."""
        if self.setting == SYSTEM:
            self.apply(self.resolve(scheme))

    def apply(self, p: Palette) -> None:
        global _current
        if p is self.palette:
            return
        _current = self.palette = p
        self.app.setPalette(qpalette(p))
        self.app.setStyleSheet(stylesheet(p))
        _refresh_icons()
        _log.info("theme: %s", p.name)
        self.changed.emit(p)


_manager: ThemeManager | None = None


def install_theme(app: QApplication, setting: str = SYSTEM) -> ThemeManager:
    """Create (once per QApplication) the app's ThemeManager and apply ``setting``."""
    global _manager
    if _manager is None or _manager.app is not app:
        _manager = ThemeManager(app, setting)
    _manager.set_setting(setting)
    return _manager


def manager() -> ThemeManager | None:
    """The app's ThemeManager, once installed."""
    return _manager if _manager is not None and _manager.app is QGuiApplication.instance() else None


def icon_size() -> QSize:
    return QSize(18, 18)
