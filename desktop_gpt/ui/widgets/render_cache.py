"""Rendered documents of finished messages, kept so a message scrolled away and back is not rendered again."""

from __future__ import annotations

from collections import OrderedDict
from typing import Hashable

from PySide6.QtCore import QObject
from PySide6.QtGui import QTextDocument


class RenderCache:
    """Copies of the most recently used rendered documents (Markdown parsed, code highlighted), at most ``size``.

    ``put`` keeps a copy of a view's document; ``get`` gives a new copy to show (copying is several times cheaper
    than rendering again, and no document is ever shared by two views or outlives its owner by surprise).
    """

    def __init__(self, size: int = 160):
        self.size = size
        self._owner = QObject()  # the cached documents' parent: Qt frees them with it
        self._items: OrderedDict[Hashable, tuple[QTextDocument, list[str]]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable, parent: QObject | None = None) -> tuple[QTextDocument, list[str]] | None:
        """A copy of the document rendered for ``key`` (owned by ``parent``) and its code blocks, or None."""
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return _copy(item[0], parent), list(item[1])

    def put(self, key: Hashable, document: QTextDocument, code_blocks: list[str]) -> None:
        if key in self._items:
            self._items.move_to_end(key)
            return
        self._items[key] = (_copy(document, self._owner), list(code_blocks))
        while len(self._items) > self.size:
            _key, (evicted, _blocks) = self._items.popitem(last=False)
            evicted.deleteLater()

    def clear(self) -> None:
        for document, _blocks in self._items.values():
            document.deleteLater()
        self._items.clear()


def _copy(document: QTextDocument, parent: QObject | None) -> QTextDocument:
    copy = document.clone(parent)
    copy.setParent(parent)  # PySide ties the copy's wrapper to the original unless told its parent again
    return copy
