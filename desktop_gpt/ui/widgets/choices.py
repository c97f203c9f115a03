"""Combo boxes of the tools' named choices (kinds, tones, languages…), their keys kept as item data."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QComboBox, QWidget

# The language of the content a person of each interface language writes by default (Translation, Writing).
UI_CONTENT_LANGUAGE = {"zh_CN": "zh-Hans", "zh_TW": "zh-Hant"}

_WS = QFontDatabase.WritingSystem
# The script each language's own name is written in (Latin-script names need nothing special).
SCRIPTS = {"zh-Hans": _WS.SimplifiedChinese, "zh-Hant": _WS.TraditionalChinese, "ja": _WS.Japanese,
           "ko": _WS.Korean, "ru": _WS.Cyrillic, "uk": _WS.Cyrillic, "el": _WS.Greek, "ar": _WS.Arabic,
           "fa": _WS.Arabic, "he": _WS.Hebrew, "hi": _WS.Devanagari, "bn": _WS.Bengali, "th": _WS.Thai}


@lru_cache(maxsize=None)
def can_show(code: str) -> bool:
    """Whether a font on this computer has the script of the language's own name (else it shows as boxes)."""
    script = SCRIPTS.get(code)
    return script is None or bool(QFontDatabase.families(script))


def option_text(option) -> str:
    """How a picker shows a choice. A language reads "Hindi — हिन्दी", or just "Hindi" on a computer with no font
    for its script: the name in the interface's language always reads well, boxes never do."""
    if not hasattr(option, "display"):
        return option.title
    return option.display() if can_show(option.key) else option.title


def combo(options, parent: QWidget, auto: str | None = None) -> QComboBox:
    """A combo box of Options (their key as item data), optionally led by an "automatic" entry (data "auto")."""
    box = QComboBox(parent)
    if auto:
        box.addItem(auto, "auto")
    for option in options:
        box.addItem(option_text(option), option.key)
        if hasattr(option, "native") and option.native != option.label:
            box.setItemData(box.count() - 1, f"{option.title} ({option.native})", Qt.ItemDataRole.ToolTipRole)
    return box


def select(box: QComboBox, key: str) -> None:
    """Show the item whose key is ``key`` (nothing changes if there is none)."""
    index = box.findData(key)
    if index >= 0:
        box.setCurrentIndex(index)
