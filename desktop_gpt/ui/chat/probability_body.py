"""The body of a chat reply with "Show probabilities" on: its tokens shaded by probability (ui/widgets/token_view),
for replies stored with probabilities; any other message renders as Markdown as usual."""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QWidget

from desktop_gpt.storage import Message
from desktop_gpt.ui.widgets.markdown_view import MarkdownView
from desktop_gpt.ui.widgets.token_view import TokenView

Loader = Callable[[int], "tuple[str, list[dict]] | None"]


class ProbabilityBody(MarkdownView):
    """A MarkdownView that shows the reply's tokens instead when it has stored probabilities (also once a
    streaming reply finishes).

    Attributes:
        tokens: the TokenView (its ``continue_requested(position, token)`` is the user's pick).
    """

    def __init__(self, message: Message, load: Loader, parent: QWidget | None = None):
        super().__init__(parent)
        self.message_id = message.id
        self._load = load
        self.tokens = TokenView(self)
        self.tokens.hide()
        self.layout().addWidget(self.tokens)
        self._show_tokens()

    def _show_tokens(self) -> bool:
        saved = self._load(self.message_id)
        if saved is None:
            return False
        kind, records = saved
        self.tokens.set_records(records, kind)
        height = int(self.tokens.document().size().height()) + 12
        self.tokens.setFixedHeight(max(height, 24))
        self.tokens.show()
        self.browser.hide()
        return True

    def set_markdown(self, text: str) -> None:
        super().set_markdown(text)
        self._show_tokens()

    def show_rendered(self, document: QTextDocument, code_blocks: list[str], text: str) -> None:
        super().show_rendered(document, code_blocks, text)
        self._show_tokens()

    def finish(self) -> None:
        super().finish()
        if self._show_tokens() and self._tail is not None:
            self._tail.hide()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.tokens.isVisible():
            self.tokens.document().setTextWidth(self.tokens.viewport().width())
            self.tokens.setFixedHeight(max(int(self.tokens.document().size().height()) + 12, 24))
