"""Where the user types: Enter sends, Shift+Enter starts a new line; the Send button becomes Stop while busy."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget
from desktop_gpt.ui import theme
from desktop_gpt.i18n import _


class MessageEditor(QPlainTextEdit):
    """A text box where Enter submits and Shift+Enter inserts a newline.

    Signals:
        submitted(): Enter was pressed.
    """

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)
        ):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """The message box and its Send/Stop button.

    Signals:
        send_requested(str): the user sent this text (never empty).
        stop_requested(): the user pressed Stop.
    """

    send_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.editor = MessageEditor(self)
        self.editor.setPlaceholderText(_("Message the model…  (Enter to send, Shift+Enter for a new line)"))
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.editor.setFixedHeight(78)
        self.button = QPushButton(_("Send"), self)
        self.button.setObjectName("sendButton")
        theme.set_icon(self.button, "send", "on_accent")
        self.button.setMinimumWidth(86)
        self.button.setFixedHeight(78)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addLayout(row)
        self._busy = False
        self.editor.submitted.connect(self._submit)
        self.button.clicked.connect(self._clicked)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setText(_("Stop") if busy else _("Send"))
        theme.set_icon(self.button, "circle-stop" if busy else "send", "on_accent")
        self.button.setToolTip(_("Stop the reply (Esc)") if busy else _("Send (Enter)"))

    def _clicked(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self._submit()

    def _submit(self) -> None:
        if self._busy:
            return  # Enter while a reply streams does nothing; Stop is the button or Esc
        text = self.editor.toPlainText()
        if not text.strip():
            return
        self.editor.clear()
        self.send_requested.emit(text)
