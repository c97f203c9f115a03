"""Themes: every colour lives in ui/theme.py, both palettes are readable, dark renders dark, the system is followed."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import desktop_gpt
from desktop_gpt.resources import resource
from desktop_gpt.ui import theme
from tests.hub.fixtures import fast_retries, hf_isolated, hub  # noqa: F401 - the local Hub for the Store tab

PACKAGE = Path(desktop_gpt.__file__).parent
HEX = re.compile(r"(?<![\w/&])#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})\b")
NAMED = re.compile(r"(?:color|background(?:-color)?|border(?:-[a-z]+)?)\s*:\s*(?:[^;\"'}]*\s)?"
                   r"(white|black|red|green|blue|gray|grey|yellow|orange|purple|silver|navy)\b", re.I)
FUNCTIONS = re.compile(r"\b(?:rgba?|hsla?)\(", re.I)
QT_COLOURS = re.compile(r"Qt\.(?:GlobalColor\.)?(?!transparent\b)(white|black|red|green|blue|gray|darkGray|"
                        r"lightGray|yellow|cyan|magenta|darkRed|darkGreen|darkBlue)\b")
QCOLOR_NAME = re.compile(r"QColor\(\s*[\"']")


def _colour_literals(text: str) -> list[str]:
    return [m.group(0) for rx in (HEX, NAMED, FUNCTIONS) for m in rx.finditer(text)]


def test_no_colour_literal_outside_the_theme_module():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "ui" / "theme.py":
            continue
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE)
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING:
                found += [f"{where}:{token.start[0]}: {hit}" for hit in _colour_literals(token.string)]
        for rx in (QT_COLOURS, QCOLOR_NAME):
            found += [f"{where}: {m.group(0)}" for m in rx.finditer(source)]
    qss = resource("styles", "app.qss").read_text(encoding="utf-8")
    found += [f"app.qss: {hit}" for hit in _colour_literals(qss)]
    assert not found, "colours belong in desktop_gpt/ui/theme.py:\n" + "\n".join(found)


def test_the_check_finds_colours():
    assert _colour_literals('"color: #b00020;"') == ["#b00020"]
    assert _colour_literals("'QLabel { color: black; }'")
    assert _colour_literals('"rgba(0,0,0,0.5)"')
    assert not _colour_literals('"see llama-cpp-python#2226 and &#1234;"')
    assert QT_COLOURS.search("painter.setPen(Qt.GlobalColor.white)")
    assert not QT_COLOURS.search("pixmap.fill(Qt.GlobalColor.transparent)")


# Text, and the background it is read on, in every place the app shows body text.
READ_ON = [
    ("text", "window"), ("text", "surface"), ("text", "surface_alt"), ("text", "user_bubble"), ("text", "sunken"),
    ("text", "warning_bg"), ("text", "code_bg"), ("text", "selection"), ("selection_text", "selection"),
    ("text_muted", "surface"), ("text_muted", "surface_alt"), ("text_muted", "window"), ("text_faint", "surface"),
    ("author_text", "surface"), ("author_text", "user_bubble"), ("warning_text", "surface"),
    ("warning_text", "surface_alt"), ("error_text", "surface"), ("error_text", "window"), ("note_text", "surface"),
    ("success_text", "surface"), ("info_text", "surface"), ("diff_add_text", "diff_add_bg"),
    ("diff_del_text", "diff_del_bg"), ("code_label", "code_bg"), ("gutter_text", "code_bg"), ("link", "surface"),
    ("link", "user_bubble"), ("on_accent", "accent"), ("tooltip_text", "tooltip_bg"),
]


@pytest.mark.parametrize("palette", [theme.LIGHT, theme.DARK], ids=lambda p: p.name)
def test_body_text_meets_wcag_aa_in_both_themes(palette):
    poor = [f"{fg} on {bg}: {theme.contrast(getattr(palette, fg), getattr(palette, bg)):.2f}"
            for fg, bg in READ_ON if theme.contrast(getattr(palette, fg), getattr(palette, bg)) < 4.5]
    poor += [f"tile {tile}: {theme.contrast(palette.tile_text, tile):.2f}"
             for tile in palette.tiles if theme.contrast(palette.tile_text, tile) < 4.5]
    assert not poor, poor


def test_contrast_is_computed_as_wcag_says():
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.fixture
def themed(qtbot):
    from desktop_gpt.ui.app import create_app

    app = create_app([])
    manager = theme.install_theme(app, "system")
    yield manager
    manager.set_setting("system")  # offscreen: the scheme is unknown, so light


def _luminance_of(widget) -> tuple[float, float]:
    """Mean luminance (0-1) of a widget's rendering and the share of near-white pixels."""
    image = widget.grab().toImage()
    total = white = 0
    lum = 0.0
    for y in range(0, image.height(), 6):
        for x in range(0, image.width(), 6):
            c = image.pixelColor(x, y)
            value = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
            lum += value
            white += value > 0.9
            total += 1
    return lum / total, white / total


def test_dark_theme_renders_dark_and_light_renders_light(themed, make_window, qtbot, hub):
    window = make_window(load=False)  # ``hub``: the Store tab lists apps from the local Hub, never the real one
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        themed.set_setting("dark")
        mean, white = _luminance_of(window)
        assert mean < 0.3 and white < 0.03, (window.tabs.tabText(index), mean, white)
        themed.set_setting("light")
        mean, white = _luminance_of(window)
        assert mean > 0.75, (window.tabs.tabText(index), mean)


def test_following_the_system_scheme_switches_the_app_live(themed, qtbot):
    app = QApplication.instance()
    with qtbot.waitSignal(themed.changed, timeout=5000) as changed:
        themed.system_scheme_changed(Qt.ColorScheme.Dark)  # what QStyleHints.colorSchemeChanged calls
    assert changed.args[0] is theme.DARK and theme.current() is theme.DARK
    assert app.palette().window().color().name() == theme.DARK.window
    assert theme.DARK.surface in app.styleSheet()
    themed.system_scheme_changed(Qt.ColorScheme.Light)
    assert theme.current() is theme.LIGHT
    # An explicit choice is kept whatever the desktop does.
    themed.set_setting("dark")
    themed.system_scheme_changed(Qt.ColorScheme.Light)
    assert theme.current() is theme.DARK
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8+: drive the real signal where the platform lets us
        themed.set_setting("system")
        hints.setColorScheme(Qt.ColorScheme.Dark)
        try:
            if hints.colorScheme() == Qt.ColorScheme.Dark:
                qtbot.waitUntil(lambda: theme.current() is theme.DARK, timeout=5000)
        finally:
            hints.unsetColorScheme()


def test_icons_are_tinted_by_the_theme(themed):
    light = theme.icon("send").pixmap(24, 24).toImage()
    themed.set_setting("dark")
    dark = theme.icon("send").pixmap(24, 24).toImage()
    assert not light.isNull() and light != dark
