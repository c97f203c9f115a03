"""Putting a result into the document: one undo step, the blank space around a replaced selection kept."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit


def put_result(editor: QPlainTextEdit, target: QTextCursor, result: str, mode: str, raw: bool) -> None:
    """Replace the text ``target`` selects with ``result`` (``mode`` "replace"), or insert it after (``mode``
    "insert"), as one undo step; the new text is left selected.

    A raw continuation goes in exactly as the model wrote it (its first character may be the space that joins
    it to the text); other results are stripped, and a replaced selection keeps its own leading and trailing
    blank space so paragraphs stay apart.
    """
    cursor = QTextCursor(editor.document())
    if mode == "replace" and target.hasSelection() and not raw:
        old = target.selection().toPlainText()
        lead, trail = old[: len(old) - len(old.lstrip())], old[len(old.rstrip()):]
        text = lead + result.strip() + trail
        cursor.setPosition(target.selectionStart())
        cursor.setPosition(target.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
    else:
        at = target.selectionEnd()
        cursor.setPosition(at)
        text = result if raw else result.strip()
        if not raw and at > 0 and target.hasSelection():
            text = "\n\n" + text  # a new paragraph after the selection it was made from
    start = cursor.selectionStart()
    cursor.beginEditBlock()
    cursor.insertText(text)
    cursor.endEditBlock()
    cursor.setPosition(start)
    cursor.setPosition(start + len(text.encode("utf-16-le")) // 2, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
