"""Lists that load the next page from the database as the person scrolls down (chats, tool histories)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractItemView

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
