"""What an app update changes, read before it is applied: the changed fields and the instructions as a diff."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_gpt.ui.widgets.safe_text import SafeTextBrowser

from desktop_gpt.ui import theme
from desktop_gpt.i18n import _


def diff_html(diff: str) -> str:
    """A unified diff coloured like a code review: additions green, removals red."""
    p = theme.current()
    lines = []
    for line in diff.splitlines():
        text = html.escape(line) or "&nbsp;"
        if line.startswith("+") and not line.startswith("+++"):
            lines.append(f'<div style="background:{p.diff_add_bg};color:{p.diff_add_text}">{text}</div>')
        elif line.startswith("-") and not line.startswith("---"):
            lines.append(f'<div style="background:{p.diff_del_bg};color:{p.diff_del_text}">{text}</div>')
        elif line.startswith("@@"):
            lines.append(f'<div style="color:{p.text_muted}">{text}</div>')
        else:
            lines.append(f"<div>{text}</div>")
    return '<div style="font-family:monospace;white-space:pre-wrap">' + "".join(lines) + "</div>"


class UpdatePanel(QFrame):
    """Shows an AppUpdate; the page applies it when ``apply_button`` is clicked ("Not now" just hides this)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("updateBox")
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.changes = QLabel(self)
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.PlainText)
        self.diff = SafeTextBrowser(self)  # escaped by diff_html, and loads nothing even so
        self.diff.setObjectName("instructionsDiff")
        self.diff.setMinimumHeight(160)
        self.apply_button = QPushButton(_("Apply update"), self)
        self.apply_button.setObjectName("applyUpdateButton")
        self.skip_button = QPushButton(_("Not now"), self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        col = QVBoxLayout(self)
        col.addWidget(self.title)
        col.addWidget(self.changes)
        col.addWidget(self.diff)
        col.addLayout(buttons)
        self.skip_button.clicked.connect(self.hide)
        self.hide()

    def show_update(self, update) -> None:
        self.title.setText(
            _("<b>A newer version is available</b> ({sha}). Read what changes before applying it:").format(
                sha=html.escape(update.sha[:7])
            )
        )
        changes = [
            f"• {_(c.label)}: {c.old or _('(none)')} → {c.new or _('(none)')}"
            for c in update.changes
            if c.field != "instructions"
        ]
        self.changes.setText("\n".join(changes))
        self.changes.setVisible(bool(changes))
        self.diff.setHtml(
            diff_html(update.instructions_diff)
            if update.instructions_diff
            else _("<i>The instructions do not change.</i>")
        )
        self.show()
