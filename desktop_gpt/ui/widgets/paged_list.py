"""Lists that load the next page from the database as the person scrolls down (chats, tool histories)."""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

Row = TypeVar("Row")
NEAR_END_ROWS = 3  # start loading when this close (in rows) to the end of what is loaded


class MoreOnScroll(QObject):
    """Calls ``load_more()`` when ``view`` is scrolled near its last row, or when what is loaded does not fill it.

    ``load_more`` adds a page to the view and returns whether there may be more after it; ``reset()`` says the
    list was reloaded from the start (so there may be more again).
    """

    def __init__(self, view: QAbstractItemView, load_more: Callable[[], bool]):
        super().__init__(view)
        self.view = view
        self.load_more = load_more
        self.more = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._check)
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(lambda _v: self.check())
        bar.rangeChanged.connect(lambda _lo, _hi: self.check())
        view.installEventFilter(self)

    def reset(self, more: bool = True) -> None:
        self.more = more
        self.check()

    def check(self) -> None:
        """Look again on the next turn of the event loop (never inside the view's own signal)."""
        if self.more and not self._timer.isActive():
            self._timer.start()

    def _check(self) -> None:
        if not self.more or not self.view.isVisible():
            return
        bar = self.view.verticalScrollBar()
        row = self.view.sizeHintForRow(0) if self.view.model() and self.view.model().rowCount() else 0
        if bar.maximum() == 0 or bar.value() >= bar.maximum() - NEAR_END_ROWS * max(row, 1):
            self.more = self.load_more()
            if self.more:
                self.check()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show:
            self.check()
        return False


class PagedList(Generic[Row]):
    """Fills a QListWidget a page at a time, newest first: ``fetch(after, limit)`` reads a page (``after`` is the
    ``key`` of the last row shown, None for the first page) and ``make_item(row)`` makes its list item."""

    def __init__(self, view: QListWidget, fetch: Callable[[Any, int], list[Row]], key: Callable[[Row], Any],
                 make_item: Callable[[Row], QListWidgetItem], page: int = 50):
        self.view = view
        self.fetch = fetch
        self.key = key
        self.make_item = make_item
        self.page = page
        self._after: Any = None
        self.scroll = MoreOnScroll(view, self.load_more)

    def reload(self) -> None:
        """Show the first page again (a run was added or changed)."""
        self.view.clear()
        self._after = None
        self.scroll.reset(self._add())

    def load_more(self) -> bool:
        return self._after is not None and self._add()

    def _add(self) -> bool:
        rows = self.fetch(self._after, self.page)
        for row in rows:
            self.view.addItem(self.make_item(row))
        self._after = self.key(rows[-1]) if len(rows) == self.page else None
        return self._after is not None
