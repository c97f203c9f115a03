"""One message in the chat: who said it, its text (Markdown for replies), its versions and its actions."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.storage import Message
from desktop_gpt.ui.widgets.markdown_view import MarkdownView
from desktop_gpt.ui.widgets.render_cache import RenderCache
from desktop_gpt.ui import theme
from desktop_gpt.i18n import N_, _
from desktop_gpt.ui.widgets.safe_text import PlainLabel, tip

FINISH_NOTES = {
    "cancelled": N_("Stopped"),
    "interrupted": N_("Interrupted — the app closed while this reply was being written"),
    "length": N_("Cut short at the maximum reply length"),
    "context": N_("Cut short: the model's context is full"),
    "error": N_("Failed"),
}


COLLAPSE_CHARS = 4000  # a message longer than this (a pasted document) is shown collapsed…
PREVIEW_CHARS = 1200  # …as its first lines, with "Show all"


class MessageWidget(QFrame):
    """Shows a Message. For a streaming reply, ``append`` adds text and ``finish`` marks its end.

    Signals:
        edit_submitted(int, str): the user edited this (user) message; resend it as a new version.
        regenerate_requested(int): make a new version of this (assistant) message.
        branch_requested(int): show the version with this message id instead.
        copied(str): text was copied to the clipboard.
    """

    edit_submitted = Signal(int, str)
    regenerate_requested = Signal(int)
    branch_requested = Signal(int)
    copied = Signal(str)

    def __init__(self, message: Message, versions: list[int] | None = None, assistant_name: str = "Assistant",
                 parent: QWidget | None = None, body: MarkdownView | None = None, cache: RenderCache | None = None):
        super().__init__(parent)
        self.message = message
        self.versions = versions or [message.id]
        self.setObjectName("userMessage" if message.role == "user" else "assistantMessage")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        who = PlainLabel(_("You") if message.role == "user" else assistant_name, self)
        who.setObjectName("messageAuthor")
        header.addWidget(who)
        self._build_version_switcher(header)
        self.status_label = PlainLabel("", self)
        self.status_label.setObjectName("messageStatus")
        header.addWidget(self.status_label)
        header.addStretch(1)
        self.copy_button = self._tool(_("Copy"), _("Copy this message"), self.copy, "copy")
        header.addWidget(self.copy_button)
        if message.role == "user":
            self.edit_button = self._tool(
                _("Edit"), _("Edit and resend (the current version is kept)"), self.start_edit, "pencil"
            )
            header.addWidget(self.edit_button)
        else:
            self.regenerate_button = self._tool(
                _("Regenerate"),
                _("Write a new version of this reply"),
                lambda: self.regenerate_requested.emit(message.id),
                "refresh-cw",
            )
            header.addWidget(self.regenerate_button)

        self.body = body if body is not None else MarkdownView(self)  # another renderer may be passed in
        self.body.setParent(self)
        self.body.copied.connect(self.copied)
        self.expanded = not (message.role == "user" and len(message.content) > COLLAPSE_CHARS)
        self.show_all_button = QPushButton(
            _("Show all ({count:,} characters)").format(count=len(message.content)), self
        )
        self.show_all_button.setObjectName("showAllButton")
        self.show_all_button.setVisible(not self.expanded)
        self.show_all_button.clicked.connect(self.show_all)
        self.note_label = PlainLabel("", self)
        self.note_label.setObjectName("messageNote")
        self.note_label.setWordWrap(True)
        self.note_label.hide()
        self._editor: QWidget | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.body)
        layout.addWidget(self.show_all_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.note_label)
        self.streaming = message.status == "streaming"
        if self.streaming:
            self.body.append(message.content)
        else:
            self._render(cache)
        self._show_status()

    def _render(self, cache: RenderCache | None) -> None:
        """Show the finished text, from the cache when it was rendered before (same message, same text)."""
        m = self.message
        if not self.expanded:  # a long pasted text: its beginning, and "Show all" under it
            self.body.set_markdown(_plain_as_markdown(_preview(m.content)))
            return
        key = (type(self.body).__name__, m.id, m.role, len(m.content), hash(m.content), theme.current().name)
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            self.body.show_rendered(cached[0], cached[1], m.content)
            return
        self.body.set_markdown(_plain_as_markdown(m.content) if m.role == "user" else m.content)
        if cache is not None:
            cache.put(key, self.body.browser.document(), self.body.code_blocks)

    def _tool(self, text: str, tip: str, slot, icon: str | None = None) -> QToolButton:
        """A small header button; with an icon it shows only the icon, its text stays its accessible name."""
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        if icon:
            theme.set_icon(button, icon, "text_muted")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def _build_version_switcher(self, header: QHBoxLayout) -> None:
        self.version_label = QLabel("", self)
        if len(self.versions) < 2:
            return
        index = self.versions.index(self.message.id)
        prev_button = self._tool(
            "‹", _("Previous version"), lambda: self.branch_requested.emit(self.versions[index - 1])
        )
        next_button = self._tool("›", _("Next version"), lambda: self.branch_requested.emit(self.versions[index + 1]))
        for button in (prev_button, next_button):  # big enough to hit, not a sliver around one character
            button.setMinimumSize(28, 26)
        self.prev_button, self.next_button = prev_button, next_button
        prev_button.setEnabled(index > 0)
        next_button.setEnabled(index < len(self.versions) - 1)
        self.version_label.setText(f"{index + 1}/{len(self.versions)}")
        header.addWidget(prev_button)
        header.addWidget(self.version_label)
        header.addWidget(next_button)

    # -- streaming ------------------------------------------------------------------------------------------
    def append(self, text: str) -> None:
        self.body.append(text)

    def finish(self, status: str, finish_reason: str | None = None, error: str | None = None) -> None:
        self.streaming = False
        self.message.status = status
        self.message.finish_reason = finish_reason
        self.message.error = error
        self.message.content = self.body.text()
        self.body.finish()
        self._show_status()

    def set_note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))

    def _show_status(self) -> None:
        m = self.message
        if self.streaming:
            self.status_label.setText(_("writing…"))
        elif m.status in ("incomplete", "error"):
            note = _(FINISH_NOTES.get(m.finish_reason or "error", N_("Incomplete")))
            self.status_label.setText(f"⚠ {note}")
            self.status_label.setToolTip(tip(m.error or note))
            if m.error:
                self.set_note(m.error)
        else:
            self.status_label.setText("")
        if m.role == "assistant":
            self.regenerate_button.setEnabled(not self.streaming)

    # -- actions --------------------------------------------------------------------------------------------
    def show_all(self) -> None:
        """Show the whole of a collapsed long message."""
        if self.expanded:
            return
        self.expanded = True
        self.show_all_button.hide()
        self.body.set_markdown(_plain_as_markdown(self.message.content))

    @property
    def editing(self) -> bool:
        """The user has the edit box open (its text is not saved anywhere yet)."""
        return self._editor is not None

    def highlight(self, text: str) -> QPoint | None:
        """Mark ``text`` in the message; where its first occurrence is (in this widget's coordinates), or None."""
        if not self.expanded and text.lower() not in _preview(self.message.content).lower():
            self.show_all()  # the match is in the part of a long message that was collapsed
        at = self.body.highlight(text)
        return self.body.mapTo(self, at) if at is not None else None

    def text(self) -> str:
        return self.body.text() if self.message.role == "assistant" else self.message.content

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copied.emit(self.text())

    def start_edit(self) -> None:
        if self._editor is not None:
            return
        editor = QWidget(self)
        box = QPlainTextEdit(editor)
        box.setPlainText(self.message.content)
        box.setMinimumHeight(80)
        send = QPushButton(_("Save && send"), editor)
        cancel = QPushButton(_("Cancel"), editor)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(cancel)
        row.addWidget(send)
        col = QVBoxLayout(editor)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(box)
        col.addLayout(row)
        self.layout().insertWidget(2, editor)
        self.body.hide()
        self._editor = editor
        self.edit_box = box
        box.setFocus()

        def done(submit: bool) -> None:
            text = box.toPlainText()
            editor.deleteLater()
            self._editor = None
            self.body.show()
            if submit and text.strip() and text != self.message.content:
                self.edit_submitted.emit(self.message.id, text)

        send.clicked.connect(lambda: done(True))
        cancel.clicked.connect(lambda: done(False))


def _preview(text: str) -> str:
    """The beginning of a long text, cut at a line or word end."""
    cut = text[:PREVIEW_CHARS]
    at = max(cut.rfind("\n"), cut.rfind(" "))
    return (cut[:at] if at > PREVIEW_CHARS // 2 else cut).rstrip() + " …"


def _plain_as_markdown(text: str) -> str:
    """Show a user's text as typed: fence-free Markdown would eat their * and # characters."""
    if "```" in text:
        return text
    escaped = []
    for line in text.split("\n"):
        for ch in "\\`*_{}[]<>()#+-.!|":
            line = line.replace(ch, "\\" + ch)
        escaped.append(line)
    return "  \n".join(escaped)
