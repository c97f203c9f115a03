"""Tab order for widgets built out of order (a list that grows upwards as well as down)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def _focusable(widget: QWidget) -> list[QWidget]:
    """The widgets Tab stops at inside ``widget``, in the order they were made (their order on screen)."""
    return [child for child in widget.findChildren(QWidget) if child.focusPolicy() & Qt.FocusPolicy.TabFocus]


def tab_in_order(widgets: list[QWidget]) -> None:
    """Tab goes through the messages top to bottom (a widget built above the others would come last)."""
    stops = [stop for widget in widgets for stop in _focusable(widget)]
    for first, second in zip(stops, stops[1:]):
        QWidget.setTabOrder(first, second)
