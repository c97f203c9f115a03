"""A tab that is not built yet says so plainly."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class ComingSoon(QWidget):
    def __init__(self, title: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        label = QLabel(f"<h2>{title}</h2><p>{text}</p>", self)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
