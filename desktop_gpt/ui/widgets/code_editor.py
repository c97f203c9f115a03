"""A code editor: monospace, line numbers, Tab as spaces, and Pygments syntax highlighting for any language."""

from __future__ import annotations

from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound
from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop_gpt.ui import theme

# Re-lexing waits for a pause in typing this long, so a big file does not re-lex on every key.
RELEX_DELAY_MS = 120


class PygmentsHighlighter(QSyntaxHighlighter):
    """Highlights a document with a Pygments lexer.

    Pygments lexes the whole text (so strings and comments spanning lines are right); the spans are kept per
    line and Qt asks for them line by line. Only lines whose colours changed are repainted.
    """

    def __init__(self, document: QTextDocument, language: str = "text"):
        super().__init__(document)
        self._style = get_style_by_name(theme.current().pygments_style)
        self._formats: dict = {}
        self._spans: dict[int, list[tuple[int, int, QTextCharFormat]]] = {}
        self._lexer = TextLexer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RELEX_DELAY_MS)
        self._timer.timeout.connect(self.relex)
        document.contentsChange.connect(lambda *_: self._timer.start())
        if theme.manager() is not None:
            theme.manager().changed.connect(self.restyle)
        self.set_language(language)

    @property
    def language(self) -> str:
        return self._lexer.aliases[0] if self._lexer.aliases else "text"

    def set_language(self, name: str) -> None:
        """Use the Pygments lexer called ``name`` (plain text if Pygments does not know it)."""
        try:
            self._lexer = get_lexer_by_name(name or "text", stripnl=False, ensurenl=False)
        except ClassNotFound:
            self._lexer = TextLexer()
        self.relex()

    def _format(self, ttype) -> QTextCharFormat:
        fmt = self._formats.get(ttype)
        if fmt is None:
            style = self._style.style_for_token(ttype)
            fmt = QTextCharFormat()
            if style["color"]:
                fmt.setForeground(theme.pygments_colour(style["color"]))
            if style["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if style["italic"]:
                fmt.setFontItalic(True)
            self._formats[ttype] = fmt
        return fmt

    def restyle(self, palette: theme.Palette | None = None) -> None:
        """Use the current theme's Pygments style (the theme changed) and repaint every line."""
        self._style = get_style_by_name(theme.current().pygments_style)
        self._formats.clear()
        self.relex()
        self.rehighlight()

    def relex(self) -> None:
        """Lex the whole text now and repaint the lines whose colours changed."""
        self._timer.stop()
        document = self.document()
        text = document.toPlainText()
        spans: dict[int, list[tuple[int, int, QTextCharFormat]]] = {}
        line, column = 0, 0
        for _index, ttype, value in self._lexer.get_tokens_unprocessed(text):
            fmt = self._format(ttype)
            pieces = value.split("\n")
            for n, piece in enumerate(pieces):
                if n:
                    line, column = line + 1, 0
                if piece:
                    width = _utf16_len(piece)
                    if fmt.foreground().style() != Qt.BrushStyle.NoBrush or fmt.fontWeight() > 400 \
                            or fmt.fontItalic():
                        spans.setdefault(line, []).append((column, width, fmt))
                    column += width
        old, self._spans = self._spans, spans
        for number in set(old) | set(spans):
            if old.get(number) != spans.get(number):
                block = document.findBlockByNumber(number)
                if block.isValid():
                    self.rehighlightBlock(block)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        for start, length, fmt in self._spans.get(self.currentBlock().blockNumber(), ()):
            self.setFormat(start, length, fmt)


def _utf16_len(text: str) -> int:
    """Qt counts positions in UTF-16 units: characters beyond the BMP (emoji) take two."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


class _LineNumbers(QWidget):
    def __init__(self, editor: "CodeEditor"):
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.editor.line_number_width(), 0)

    def paintEvent(self, event) -> None:  # noqa: N802
        self.editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    """A plain-text editor for code with line numbers and highlighting; ``set_language`` picks the lexer.

    Attributes:
        highlighter: the PygmentsHighlighter of its document.
    """

    def __init__(self, parent: QWidget | None = None, language: str = "python", tab_width: int = 4):
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tab_width = tab_width
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * tab_width)
        self.highlighter = PygmentsHighlighter(self.document(), language)
        self._numbers = _LineNumbers(self)
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._scroll_numbers)
        self._update_margin()

    def set_language(self, lexer: str) -> None:
        self.highlighter.set_language(lexer)

    def set_code(self, code: str) -> None:
        """Show ``code`` and highlight it at once (not after the typing pause)."""
        self.setPlainText(code)
        self.highlighter.relex()

    def replace_all(self, code: str) -> None:
        """Replace the whole text as one undo step (Ctrl+Z brings the old text back)."""
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(code)
        cursor.endEditBlock()
        self.highlighter.relex()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Tab and not event.modifiers() and not self.isReadOnly():
            self.textCursor().insertText(" " * self.tab_width)
            return
        super().keyPressEvent(event)

    # -- line numbers (after Qt's Code Editor example) ------------------------------------------------------
    def line_number_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 12 + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _update_margin(self, _count: int = 0) -> None:
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def _scroll_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self._numbers.scroll(0, dy)
        else:
            self._numbers.update(0, rect.y(), self._numbers.width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        area = self.contentsRect()
        self._numbers.setGeometry(QRect(area.left(), area.top(), self.line_number_width(), area.height()))

    def paint_line_numbers(self, event) -> None:
        painter = QPainter(self._numbers)
        painter.fillRect(event.rect(), theme.qcolor("code_bg"))
        painter.setPen(theme.qcolor("gutter_text"))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        width = self._numbers.width() - 6
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                painter.drawText(0, top, width, height, Qt.AlignmentFlag.AlignRight, str(number + 1))
            block, top, number = block.next(), bottom, number + 1
        painter.end()
