"""The list of chats, with search across every message (Ctrl+F), new, rename and delete."""

from __future__ import annotations

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
from desktop_gpt.storage.conversations import PageKey
from desktop_gpt.ui.widgets.paged_list import MoreOnScroll
from desktop_gpt.ui import theme
from desktop_gpt.ui.widgets.when import when_text
from desktop_gpt.ui.widgets.safe_text import tip
from desktop_gpt.i18n import _

ID_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1  # a search result's message
PAGE = 200  # chats loaded at a time
RELOAD_MAX = 2_000  # a refresh reloads at most this many (scrolling loads the rest again)


class ConversationList(QWidget):
    """Chats, newest first; typing in the search box lists the chats that contain the text.

    Signals:
        selected(int): the user chose a conversation.
        match_selected(int, int, str): the user chose a search result found in a message: the conversation,
            the message and the text searched for.
        new_requested(): the user wants a new chat.
        rename_requested(int), delete_requested(int), export_requested(int): from the context menu.
    """

    selected = Signal(int)
    match_selected = Signal(int, int, str)
    new_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    export_requested = Signal(int)

    def __init__(self, store: ConversationStore, tool: str = "chat", parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.tool = tool
        self.new_button = QPushButton(_("New chat"), self)
        self.new_button.setObjectName("newChatButton")
        theme.set_icon(self.new_button, "message-square-plus")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Search all chats…"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search", "text_faint"), QLineEdit.ActionPosition.LeadingPosition)
        self.list = QListWidget(self)
        self.list.setObjectName("conversationList")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setUniformItemSizes(True)  # every row is two lines tall: adding a page costs no full relayout
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
        self._items: dict[int, QListWidgetItem] = {}
        self._next: PageKey | None = None  # where the next page of chats starts
        self._row_height = 0
        self._more = MoreOnScroll(self.list, self.load_more)

    def refresh(self) -> None:
        """Reload the list (or the search results) from the database, keeping the selection.

        Chats are listed a page at a time, newest first; scrolling down loads the next page, so every chat can
        be reached however many there are. A refresh reloads as many as were loaded (up to RELOAD_MAX).
        """
        self.list.blockSignals(True)
        loaded = len(self._items)
        self.list.clear()
        self._items.clear()
        self._next = None
        metrics = self.list.fontMetrics()
        # The style sheet's size hint assumes the main font's line height; Chinese falls back to a taller font,
        # and a row too short for its two lines is elided to one. Every row is as tall as two lines of Chinese.
        self._row_height = metrics.boundingRect(QRect(0, 0, 10_000, 10_000), 0, "你\n0").height() + 20
        text = self.search.text().strip()
        if text:
            for hit in self.store.search(text, tool=self.tool):
                item = self._two_lines(hit.title or "Untitled chat", hit.snippet)
                item.setData(ID_ROLE, hit.conversation_id)
                item.setData(MESSAGE_ROLE, hit.message_id)
                item.setToolTip(tip(hit.snippet))
                self.list.addItem(item)
                self._items.setdefault(hit.conversation_id, item)
            if not self.list.count():
                item = QListWidgetItem(_("No chat contains “{text}”.").format(text=text))
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.list.addItem(item)
            more = False
        else:
            more = self._add_page(min(max(PAGE, loaded), RELOAD_MAX))
        self._select(self._current)
        self.list.blockSignals(False)
        self._more.reset(more)

    def load_more(self) -> bool:
        """Add the next page of chats (when the list is scrolled to its end); False when all are listed."""
        if self.search.text().strip() or self._next is None:
            return False
        self.list.blockSignals(True)
        more = self._add_page(PAGE)
        self._select(self._current)
        self.list.blockSignals(False)
        return more

    def _add_page(self, size: int) -> bool:
        page = self.store.page(self.tool, after=self._next, limit=size)
        for conv in page:
            item = self._item(conv)
            self.list.addItem(item)
            self._items[conv.id] = item
        self._next = page[-1].page_key if len(page) == size else None
        return self._next is not None

    def _two_lines(self, first: str, second: str) -> QListWidgetItem:
        item = QListWidgetItem(f"{first}\n{second}")
        item.setSizeHint(QSize(self.list.fontMetrics().horizontalAdvance(first) + 12, self._row_height))
        return item

    def _item(self, conv: Conversation) -> QListWidgetItem:
        stamp = when_text(conv.updated_at)
        app = f"{conv.app_name} · " if conv.app_name else ""
        item = self._two_lines(conv.title or "New chat", f"{app}{stamp}")
        item.setData(ID_ROLE, conv.id)
        item.setToolTip(tip(conv.title))
        if conv.app_id and self.apps is not None:
            item.setIcon(self.apps.icon(conv.app_id, conv.app_name or conv.app_id))
        return item

    def set_current(self, conversation_id: int | None) -> None:
        self._current = conversation_id
        self._select(conversation_id)

    def _select(self, conversation_id: int | None) -> None:
        item = self._items.get(conversation_id) if conversation_id is not None else None
        if item is not None:
            self.list.setCurrentItem(item)
        else:
            self.list.clearSelection()

    def _activated(self, item: QListWidgetItem) -> None:
        cid = item.data(ID_ROLE)
        if cid is None:
            return
        self._current = cid
        message_id = item.data(MESSAGE_ROLE)
        if message_id is not None:
            self.match_selected.emit(cid, message_id, self.search.text().strip())
        else:
            self.selected.emit(cid)

    def _menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(ID_ROLE) is None:
            return
        cid = item.data(ID_ROLE)
        menu = QMenu(self)
        menu.addAction(_("Rename…"), lambda: self.rename_requested.emit(cid))
        menu.addAction(_("Export to Markdown…"), lambda: self.export_requested.emit(cid))
        menu.addSeparator()
        menu.addAction(_("Delete"), lambda: self.delete_requested.emit(cid))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
