"""The list of chats, with search across every message (Ctrl+F), new, rename and delete."""

from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.storage import Conversation, ConversationStore

ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationList(QWidget):
    """Chats, newest first; typing in the search box lists the chats that contain the text.

    Signals:
        selected(int): the user chose a conversation.
        new_requested(): the user wants a new chat.
        rename_requested(int), delete_requested(int), export_requested(int): from the context menu.
    """

    selected = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    export_requested = Signal(int)

    def __init__(self, store: ConversationStore, tool: str = "chat", parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.tool = tool
        self.new_button = QPushButton("＋  New chat", self)
        self.new_button.setObjectName("newChatButton")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search all chats…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("conversationList")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        top = QHBoxLayout()
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.new_button.clicked.connect(self.new_requested)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.list.customContextMenuRequested.connect(self._menu)
        self._current: int | None = None
        self.apps = None  # the AppDirectory (set by the Store): chats started from an app show its icon

    def refresh(self) -> None:
        """Reload the list (or the search results) from the database, keeping the selection."""
        self.list.blockSignals(True)
        self.list.clear()
        text = self.search.text().strip()
        if text:
            for hit in self.store.search(text, tool=self.tool):
                item = self._two_lines(hit.title or "Untitled chat", hit.snippet)
                item.setData(ID_ROLE, hit.conversation_id)
                item.setToolTip(hit.snippet)
                self.list.addItem(item)
            if not self.list.count():
                item = QListWidgetItem(f"No chat contains “{text}”.")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.list.addItem(item)
        else:
            for conv in self.store.list(tool=self.tool):
                self.list.addItem(self._item(conv))
        self._select(self._current)
        self.list.blockSignals(False)

    def _two_lines(self, first: str, second: str) -> QListWidgetItem:
        item = QListWidgetItem(f"{first}\n{second}")
        # The style sheet's size hint assumes the main font's line height; Chinese falls back to a taller font,
        # and a row too short for its two lines is elided to one. Every row is as tall as two lines of Chinese.
        metrics = self.list.fontMetrics()
        tall = metrics.boundingRect(QRect(0, 0, 10_000, 10_000), 0, "你\n0").height()
        item.setSizeHint(QSize(metrics.horizontalAdvance(first) + 12, tall + 20))
        return item

    def _item(self, conv: Conversation) -> QListWidgetItem:
        when = _dt.datetime.fromtimestamp(conv.updated_at)
        today = _dt.date.today()
        stamp = when.strftime("%H:%M") if when.date() == today else when.strftime("%Y-%m-%d")
        app = f"{conv.app_name} · " if conv.app_name else ""
        item = self._two_lines(conv.title or "New chat", f"{app}{stamp}")
        item.setData(ID_ROLE, conv.id)
        item.setToolTip(conv.title)
        if conv.app_id and self.apps is not None:
            item.setIcon(self.apps.icon(conv.app_id, conv.app_name or conv.app_id))
        return item

    def set_current(self, conversation_id: int | None) -> None:
        self._current = conversation_id
        self._select(conversation_id)

    def _select(self, conversation_id: int | None) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ID_ROLE) == conversation_id:
                self.list.setCurrentItem(item)
                return
        self.list.clearSelection()

    def _activated(self, item: QListWidgetItem) -> None:
        cid = item.data(ID_ROLE)
        if cid is not None:
            self._current = cid
            self.selected.emit(cid)

    def _menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(ID_ROLE) is None:
            return
        cid = item.data(ID_ROLE)
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.rename_requested.emit(cid))
        menu.addAction("Export to Markdown…", lambda: self.export_requested.emit(cid))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete_requested.emit(cid))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
