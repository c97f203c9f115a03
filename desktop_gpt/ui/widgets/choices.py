"""Combo boxes of the tools' named choices (kinds, tones, languages…), their keys kept as item data."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget


def combo(options, parent: QWidget, auto: str | None = None) -> QComboBox:
    """A combo box of Options (their key as item data), optionally led by an "automatic" entry (data "auto")."""
    box = QComboBox(parent)
    if auto:
        box.addItem(auto, "auto")
    for option in options:
        box.addItem(option.display() if hasattr(option, "display") else option.label, option.key)
    return box


def select(box: QComboBox, key: str) -> None:
    """Show the item whose key is ``key`` (nothing changes if there is none)."""
    index = box.findData(key)
    if index >= 0:
        box.setCurrentIndex(index)
