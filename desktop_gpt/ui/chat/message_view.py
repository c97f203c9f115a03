"""The scrolling column of messages of one conversation."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop_gpt.storage import Message
from desktop_gpt.ui.chat.message_widget import MessageWidget


class MessageView(QScrollArea):
    """Shows the branch of a conversation; follows the bottom while a reply streams unless the user scrolled up.

    Signals:
        edit_submitted(int, str), regenerate_requested(int), branch_requested(int), copied(str):
            forwarded from the message widgets.
    """

    edit_submitted = Signal(int, str)
    regenerate_requested = Signal(int)
    branch_requested = Signal(int)
    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._inner = QWidget(self)
        self._inner.setObjectName("messageColumn")
        self._column = QVBoxLayout(self._inner)
        self._column.setContentsMargins(12, 12, 12, 12)
        self._column.setSpacing(10)
        self._column.addStretch(1)
        self.setWidget(self._inner)
        self._widgets: dict[int, MessageWidget] = {}
        self._follow = True
        self.empty_label = QLabel("", self._inner)
        self.empty_label.setObjectName("emptyChat")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self._column.insertWidget(0, self.empty_label)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._range_changed)
        self.assistant_name = "Assistant"

    def widgets(self) -> list[MessageWidget]:
        return list(self._widgets.values())

    def widget_for(self, message_id: int) -> MessageWidget | None:
        return self._widgets.get(message_id)

    def clear(self) -> None:
        for widget in self._widgets.values():
            self._column.removeWidget(widget)
            widget.deleteLater()
        self._widgets.clear()
        self.empty_label.show()

    def set_empty_text(self, text: str) -> None:
        self.empty_label.setText(text)

    def show_messages(self, messages: list[Message], versions: dict[int, list[int]],
                      live_text: dict[int, str] | None = None) -> None:
        """Replace the view with ``messages`` (a branch, root first); ``versions`` maps a message to its siblings."""
        self.setUpdatesEnabled(False)
        try:
            self.clear()
            for m in messages:
                if live_text and m.id in live_text:
                    m.content = live_text[m.id]
                self.add_message(m, versions.get(m.id))
        finally:
            self.setUpdatesEnabled(True)
        self._follow = True
        QTimer.singleShot(0, self.scroll_to_bottom)

    def add_message(self, message: Message, versions: list[int] | None = None) -> MessageWidget:
        widget = MessageWidget(message, versions, self.assistant_name, self._inner)
        widget.edit_submitted.connect(self.edit_submitted)
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.branch_requested.connect(self.branch_requested)
        widget.copied.connect(self.copied)
        self._column.insertWidget(self._column.count() - 1, widget)
        self._widgets[message.id] = widget
        self.empty_label.hide()
        return widget

    def remove_after(self, message_id: int) -> None:
        """Drop the widgets after ``message_id`` (a new version replaces what followed it)."""
        ids = list(self._widgets)
        if message_id not in ids:
            return
        for mid in ids[ids.index(message_id) + 1 :]:
            widget = self._widgets.pop(mid)
            self._column.removeWidget(widget)
            widget.deleteLater()

    def append_text(self, message_id: int, text: str) -> None:
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.append(text)

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._follow = value >= bar.maximum() - 24

    def _range_changed(self, _lo: int, hi: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(hi)
