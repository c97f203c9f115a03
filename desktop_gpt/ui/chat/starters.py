"""Under an empty chat: an app's starters as clickable chips (with its icon and description), or, in a plain new
chat, a few apps to try."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget
from desktop_gpt.ui.widgets.safe_text import PlainLabel, tip
from desktop_gpt.i18n import _

CHIP_CHARS = 70


class StarterChips(QWidget):
    """The app's introduction: icon, name, description, and up to four starters in a 2×2 grid.

    Signals:
        starter_clicked(str): the full text of the starter the user clicked.
        app_clicked(str): the id of a suggested app the user clicked.
    """

    starter_clicked = Signal(str)
    app_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("starterChips")
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = PlainLabel("", self)
        self.name.setObjectName("starterAppName")
        self.name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.description = PlainLabel("", self)
        self.description.setObjectName("starterAppDescription")
        self.description.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.description.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.buttons: list[QPushButton] = []
        col = QVBoxLayout(self)
        col.setContentsMargins(40, 8, 40, 8)
        col.addWidget(self.icon)
        col.addWidget(self.name)
        col.addWidget(self.description)
        col.addSpacing(6)
        col.addLayout(self.grid)

    def _clear(self) -> None:
        for button in self.buttons:
            self.grid.removeWidget(button)
            button.deleteLater()
        self.buttons = []

    def show_suggestions(self, apps: list[tuple[str, str, str, QIcon]]) -> None:
        """A few apps to start a chat with: (id, name, description, icon) each."""
        self.icon.hide()
        self.name.setText(_("Or start with an app"))
        self.description.setText(_("Each app has its own instructions. Find more in the Store."))
        self._clear()
        for n, (app_id, name, description, icon) in enumerate(apps):
            button = QPushButton(icon, name, self)
            button.setObjectName("starterChip")
            button.setIconSize(QSize(22, 22))
            button.setToolTip(tip(description))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _c=False, a=app_id: self.app_clicked.emit(a))
            self.grid.addWidget(button, n // 2, n % 2)
            self.buttons.append(button)

    def show_app(self, name: str, description: str, pixmap: QPixmap, starters: list[str] | tuple[str, ...]) -> None:
        self.icon.setPixmap(pixmap)
        self.icon.show()
        self.name.setText(name)
        self.description.setText(description)
        self._clear()
        for n, text in enumerate(starters):
            first = " ".join(text.split("\n", 1)[0].split())
            label = first if len(first) <= CHIP_CHARS else first[: CHIP_CHARS - 1] + "…"
            button = QPushButton(label, self)
            button.setObjectName("starterChip")
            button.setToolTip(tip(text))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _c=False, t=text: self.starter_clicked.emit(t))
            self.grid.addWidget(button, n // 2, n % 2)
            self.buttons.append(button)
