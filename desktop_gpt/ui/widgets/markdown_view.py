"""A Markdown message view that renders while text streams in, at a cost proportional to the new text.

Finished blocks (paragraphs, lists, headings, fenced code) are rendered once and appended to a QTextBrowser;
the unfinished rest is appended as plain text to a small "tail" view under it. Code blocks are highlighted
with Pygments when their fence closes and get a Copy link.
"""

from __future__ import annotations

import html
from functools import lru_cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound
from PySide6.QtCore import QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QFontDatabase,
    QGuiApplication,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QSizePolicy, QTextEdit, QVBoxLayout, QWidget

from desktop_gpt.ui import theme
from desktop_gpt.ui.widgets.markdown_stream import Block, BlockSplitter, split_blocks
from desktop_gpt.ui.widgets.safe_text import SafeTextBrowser, insert_markdown, open_link



def _formatter() -> HtmlFormatter:
    """Pygments' HTML formatter in the current theme's style."""
    return _formatter_for(theme.current().pygments_style)


@lru_cache(maxsize=4)
def _formatter_for(style: str) -> HtmlFormatter:
    return HtmlFormatter(noclasses=True, nowrap=True, style=style)


def code_html(code: str, lang: str, index: int) -> str:
    """A highlighted code block with a header naming the language and a Copy link (href ``copy:<index>``)."""
    try:
        lexer = get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    body = highlight(code, lexer, _formatter()).rstrip("\n")
    p = theme.current()
    label = html.escape(lang or "code")
    return (
        f'<table width="100%" cellspacing="0" cellpadding="6" bgcolor="{p.code_bg}" '
        f'style="margin-top:4px; margin-bottom:4px;">'
        f'<tr><td><span style="color:{p.code_label};">{label}</span>&nbsp;&nbsp;'
        f'<a href="copy:{index}" style="text-decoration:none;">Copy</a></td></tr>'
        f'<tr><td><pre style="margin:0;">{body}</pre></td></tr></table>'
    )


class _AutoHeightBrowser(SafeTextBrowser):
    """A QTextBrowser as tall as its document, so a list of them scrolls as one page; it loads no resource."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, open_links=False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)

    def adopt(self, document: QTextDocument) -> None:
        """Show an already rendered document (from the render cache) instead of this view's own."""
        document.setParent(self)
        previous = getattr(self, "_adopted", None)
        self.setDocument(document)  # Qt deletes the browser's own first document itself
        if previous is not None:
            previous.deleteLater()
        self._adopted = document
        document.setDocumentMargin(2)
        document.documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _fit(self, size=None) -> None:
        height = int((size or self.document().size()).height()) + 4
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)  # QTextEdit re-wraps the document itself when the width changes
        if event.size().width() != event.oldSize().width():
            self._fit()  # a height change (our own setFixedHeight) needs no new layout: that would be O(document)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(400, self.height())


class _TailView(QPlainTextEdit):
    """The still-streaming text, plain; appended to, never re-set while a block grows."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.document().setDocumentMargin(2)
        self.setFixedHeight(0)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._code = False

    def _fit(self, _size=None) -> None:
        if self.document().isEmpty():
            height = 0
        else:
            lines = self.document().documentLayout().documentSize().height()  # in lines for plain text layouts
            height = int(lines * self.fontMetrics().lineSpacing() + 8)
        if height != self.height():
            self.setFixedHeight(height)

    def set_code(self, code: bool) -> None:
        if code != self._code:
            self._code = code
            font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if code else self.parentWidget().font()
            self.setFont(font)
            self.setStyleSheet(f"background: {theme.current().code_bg};" if code else "background: transparent;")

    def append_text(self, text: str) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)

    def reset(self, text: str) -> None:
        self.setPlainText(text)


class MarkdownView(QWidget):
    """Shows one message's Markdown; ``append`` streams text in, ``set_markdown`` shows a finished text.

    Signals:
        copied(str): a code block was copied to the clipboard (its text).
        link_activated(QUrl): a link other than a code block's Copy link was clicked (it is offered to the user
            by ``open_link``: https only, after showing the address).
    """

    copied = Signal(str)
    link_activated = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.browser = _AutoHeightBrowser(self)
        layout.addWidget(self.browser)
        self._tail: _TailView | None = None  # built when text first streams in: a finished message needs none
        self.browser.anchorClicked.connect(self._anchor)
        self._splitter = BlockSplitter()
        self._text_parts: list[str] = []
        self.code_blocks: list[str] = []
        self.wrap_code = False  # wrap long code lines instead of clipping them (set_wrap_code)

    def set_wrap_code(self, wrap: bool) -> None:
        """Wrap code lines longer than the view (for a view with no horizontal scrolling, e.g. the Code tab's
        answer) instead of clipping them."""
        self.wrap_code = wrap

    @property
    def tail(self) -> _TailView:
        """The plain-text view of the unfinished rest of a streaming text."""
        if self._tail is None:
            self._tail = _TailView(self)
            self.layout().addWidget(self._tail)
        return self._tail

    # -- content --------------------------------------------------------------------------------------------
    def text(self) -> str:
        return "".join(self._text_parts)

    def clear(self) -> None:
        self.browser.clear()
        if self._tail is not None:
            self._tail.reset("")
        self._splitter = BlockSplitter()
        self._text_parts = []
        self.code_blocks = []

    def set_markdown(self, text: str) -> None:
        """Show a finished text (rendered in one go)."""
        self.clear()
        if text:
            self._text_parts.append(text)
            self._render(split_blocks(text))  # no streaming tail: a finished text needs none

    def append(self, text: str) -> None:
        """Add streamed text: finished blocks are rendered once, the rest is appended as plain text."""
        if not text:
            return
        self._text_parts.append(text)
        blocks = self._splitter.feed(text)
        if blocks:
            self._render(blocks)
            self.tail.reset(self._splitter.tail())
        else:
            self.tail.append_text(text.replace("\r", ""))
        self.tail.set_code(self._splitter.in_code)

    def finish(self) -> None:
        """The text is complete: render what is left in the tail."""
        blocks = self._splitter.close()
        if blocks:
            self._render(blocks)
        if self._tail is not None:
            self._tail.reset("")
            self._tail.set_code(False)

    def show_rendered(self, document: QTextDocument, code_blocks: list[str], text: str) -> None:
        """Show ``text`` already rendered as ``document`` (a RenderCache copy) instead of rendering it again."""
        self.clear()
        self.browser.adopt(document)
        self.code_blocks = list(code_blocks)
        self._text_parts = [text]

    def highlight(self, text: str) -> QPoint | None:
        """Mark every occurrence of ``text`` (any case); returns where the first one is, in this view's
        coordinates, or None if there is none."""
        document = self.browser.document()
        selections = []
        cursor = document.find(text)
        first = None
        fmt = QTextCharFormat()
        fmt.setBackground(self.palette().brush(QPalette.ColorRole.Highlight))
        fmt.setForeground(self.palette().brush(QPalette.ColorRole.HighlightedText))
        while not cursor.isNull():
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format = fmt
            selections.append(selection)
            if first is None:
                first = QTextCursor(cursor)
            cursor = document.find(text, cursor)
        self.browser.setExtraSelections(selections)
        if first is None:
            return None
        return self.browser.viewport().mapTo(self, self.browser.cursorRect(first).topLeft())

    def _render(self, blocks: list[Block]) -> None:
        cursor = QTextCursor(self.browser.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        start = cursor.position()
        self._render_blocks(cursor, blocks)
        if self.wrap_code:  # <pre> lines do not break by default: let them wrap at the view's edge
            block = self.browser.document().findBlock(start)
            while block.isValid():
                fmt = block.blockFormat()
                if fmt.nonBreakableLines():
                    fmt.setNonBreakableLines(False)
                    QTextCursor(block).setBlockFormat(fmt)
                block = block.next()

    def _render_blocks(self, cursor: QTextCursor, blocks: list[Block]) -> None:
        for block in blocks:
            if not self.browser.document().isEmpty():
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            if block.kind == "code":
                self.code_blocks.append(block.text)
                cursor.insertHtml(code_html(block.text, block.lang, len(self.code_blocks) - 1))
            else:
                insert_markdown(cursor, block.text)  # images are placeholders, raw HTML is text

    def _anchor(self, url: QUrl) -> None:
        if url.scheme() == "copy":
            try:
                code = self.code_blocks[int(url.path())]
            except (ValueError, IndexError):
                return
            QGuiApplication.clipboard().setText(code)
            self.copied.emit(code)
        else:
            open_link(self, url)
            self.link_activated.emit(url)
