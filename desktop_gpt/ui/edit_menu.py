"""The Edit menu's standard actions (Undo, Redo, Cut, Copy, Paste, Select All), acting on whichever text editor
has the keyboard focus, in any tab."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QPlainTextEdit, QTextEdit, QWidget
from desktop_gpt.i18n import N_, _

# (label, method of the editor, standard key)
STANDARD = [
    (N_("&Undo"), "undo", QKeySequence.StandardKey.Undo),
    (N_("&Redo"), "redo", QKeySequence.StandardKey.Redo),
    (None, None, None),
    (N_("Cu&t"), "cut", QKeySequence.StandardKey.Cut),
    (N_("&Copy"), "copy", QKeySequence.StandardKey.Copy),
    (N_("&Paste"), "paste", QKeySequence.StandardKey.Paste),
    (None, None, None),
    (N_("Select &All"), "selectAll", QKeySequence.StandardKey.SelectAll),
]
EDITORS = (QLineEdit, QPlainTextEdit, QTextEdit)


def focused_editor() -> QWidget | None:
    widget = QApplication.focusWidget()
    return widget if isinstance(widget, EDITORS) else None


def _enabled(editor: QWidget | None, method: str) -> bool:
    """Whether the action can do something on ``editor`` now (greyed out otherwise, as in any app)."""
    if editor is None:
        return False
    read_only = editor.isReadOnly()
    if isinstance(editor, QLineEdit):
        has_selection = editor.hasSelectedText()
        undo, redo = editor.isUndoAvailable(), editor.isRedoAvailable()
    else:
        has_selection = editor.textCursor().hasSelection()
        document = editor.document()
        undo, redo = document.isUndoAvailable(), document.isRedoAvailable()
    return {
        "undo": undo and not read_only,
        "redo": redo and not read_only,
        "cut": has_selection and not read_only,
        "copy": has_selection,
        "paste": not read_only and bool(QApplication.clipboard().text()),
        "selectAll": True,
    }[method]


def fill_edit_menu(window: QWidget, menu: QMenu) -> dict[str, QAction]:
    """Add the standard actions to ``menu``; returns them by method name (``"undo"``, ``"copy"``…).

    Their shortcuts are the platform's; the focused editor handles the keys itself, so the actions only act when
    chosen from the menu.
    """
    actions: dict[str, QAction] = {}
    for label, method, key in STANDARD:
        if method is None:
            menu.addSeparator()
            continue
        action = QAction(_(label), window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _c=False, m=method: _run(m))
        menu.addAction(action)
        actions[method] = action

    def sync() -> None:
        editor = focused_editor()
        for method, action in actions.items():
            action.setEnabled(_enabled(editor, method))

    menu.aboutToShow.connect(sync)
    menu.aboutToHide.connect(lambda: [a.setEnabled(True) for a in actions.values()])
    return actions


def _run(method: str) -> None:
    editor = focused_editor()
    if editor is not None and _enabled(editor, method):
        getattr(editor, method)()
