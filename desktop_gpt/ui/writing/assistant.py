"""The Writing tab's assistant panel: edit tasks, a draft form, the streamed preview and recent runs."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.services.tool_runs import ToolRun
from desktop_gpt.storage.conversations import PageKey
from desktop_gpt.tools import languages, writing
from desktop_gpt.ui.widgets.choices import UI_CONTENT_LANGUAGE, combo, select
from desktop_gpt.ui.widgets.paged_list import PagedList
from desktop_gpt.ui.widgets.token_view import TokenView
from desktop_gpt.ui.widgets.when import when_text
from desktop_gpt import i18n
from desktop_gpt.i18n import N_, _
from desktop_gpt.ui.widgets.safe_text import PlainLabel, tip

RUNS_PAGE = 20  # earlier results listed at a time

TASK_TIPS = {
    "continue": N_("Let the model go on writing from the end of the selection (or of the document)"),
    "rewrite": N_("Make it read better, same meaning"),
    "shorten": N_("About half as long, same key points"),
    "expand": N_("More detail and depth"),
    "tone": N_("Rewrite in the tone chosen below"),
    "grammar": N_("Correct grammar, spelling and punctuation only"),
    "summarise": N_("A few sentences"),
}


class AssistantPanel(QWidget):
    """Buttons and forms only; the WritingPane does the work.

    Signals:
        task_requested(str): an edit task's key was clicked.
        draft_requested(): Draft was clicked.
        accept_requested(str): "replace" or "insert" the preview into the document.
        retry_requested(), discard_requested(), stop_requested()
        more_requested(): "Continue more" was clicked (go on from the end of the continuation shown).
        run_selected(int): a past run (its conversation id) was picked from the list.
    """

    task_requested = Signal(str)
    draft_requested = Signal()
    accept_requested = Signal(str)
    retry_requested = Signal()
    discard_requested = Signal()
    stop_requested = Signal()
    more_requested = Signal()
    run_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumWidth(330)
        self.target_label = QLabel(_("Works on: the whole document"), self)
        self.target_label.setObjectName("writingTarget")
        self.task_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(4)
        for n, task in enumerate(writing.TASKS):
            button = QPushButton(task.title, self)
            button.setToolTip(_(TASK_TIPS[task.key]) if task.key in TASK_TIPS else "")
            button.clicked.connect(lambda _c=False, k=task.key: self.task_requested.emit(k))
            self.task_buttons[task.key] = button
            grid.addWidget(button, n // 2, n % 2)
        self.tone = combo(writing.TONES, self)
        self.tone.setToolTip(_("The tone of drafts, rewrites and “Change tone”"))
        edit_page = QWidget(self)
        edit_col = QVBoxLayout(edit_page)
        edit_col.addWidget(self.target_label)
        edit_col.addLayout(grid)
        edit_col.addStretch(1)

        self.kind = combo(writing.KINDS, self)
        self.length = combo(writing.LENGTHS, self)
        self.length.setCurrentIndex(1)
        self.language = combo(languages.LANGUAGES, self, auto=_("Same as the brief"))
        if i18n.current() in UI_CONTENT_LANGUAGE:  # a Chinese interface drafts in Chinese unless told otherwise
            select(self.language, UI_CONTENT_LANGUAGE[i18n.current()])
        self.topic = QPlainTextEdit(self)
        self.topic.setPlaceholderText(
            _("What to write about, e.g. “autumn rain” or “thank the team for the launch”"))
        self.topic.setFixedHeight(56)
        self.draft_button = QPushButton(_("Draft"), self)
        self.draft_button.setToolTip(_("Write a new piece from the brief; it goes in at the cursor"))
        draft_page = QWidget(self)
        form = QFormLayout(draft_page)
        form.addRow(_("Kind:"), self.kind)
        form.addRow(_("Length:"), self.length)
        form.addRow(_("Language:"), self.language)
        form.addRow(self.topic)
        form.addRow(self.draft_button)
        self.modes = QTabWidget(self)
        self.modes.addTab(edit_page, _("Edit"))
        self.modes.addTab(draft_page, _("Draft"))
        tone_row = QFormLayout()
        tone_row.addRow(_("Tone:"), self.tone)

        self.preview_status = PlainLabel("", self)
        self.preview_status.setObjectName("previewStatus")
        self.preview_status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setFixedHeight(4)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText(
            _("The result appears here as it is written. Then Replace, Insert, Retry or Discard.")
        )
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.tokens = TokenView(self)  # the finished result shaded by probability ("Show probabilities")
        self.tokens.hide()
        self.probabilities_button = QToolButton(self)
        self.probabilities_button.setText(_("Show probabilities"))
        self.probabilities_button.setToolTip(_("Shade each word of new results by how likely the model found it; "
                                               "click a word to see the alternatives and continue with one"))
        self.probabilities_button.setCheckable(True)
        self.replace_button = QPushButton(_("Replace"), self)
        self.replace_button.setToolTip(_("Put the result in place of the text it was made from (Ctrl+Z undoes it)"))
        self.insert_button = QPushButton(_("Insert"), self)
        self.insert_button.setToolTip(_("Put the result after the text it was made from"))
        self.retry_button = QPushButton(_("Retry"), self)
        self.discard_button = QPushButton(_("Discard"), self)
        self.stop_button = QPushButton(_("Stop"), self)
        self.stop_button.setToolTip(_("Stop writing (Esc)"))
        self.more_button = QPushButton(_("Continue more"), self)
        self.more_button.setToolTip(_("Let the model go on from the end of this text; it is added to the preview"))
        self.more_button.hide()
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for button in (
            self.replace_button,
            self.insert_button,
            self.more_button,
            self.retry_button,
            self.discard_button,
            self.stop_button,
        ):
            buttons.addWidget(button)
        preview_box = QGroupBox(_("Preview"), self)
        preview_col = QVBoxLayout(preview_box)
        status_row = QHBoxLayout()
        status_row.addWidget(self.preview_status, 1)
        status_row.addWidget(self.probabilities_button)
        preview_col.addLayout(status_row)
        preview_col.addWidget(self.progress)
        preview_col.addWidget(self.preview, 1)
        preview_col.addWidget(self.tokens, 1)
        preview_col.addLayout(buttons)

        self.runs = QListWidget(self)
        self.runs.setObjectName("writingRuns")
        self.runs.setMaximumHeight(90)
        self.runs.setToolTip(_("Earlier results for this document; click one to preview it again"))
        self.runs.setTextElideMode(Qt.TextElideMode.ElideRight)  # long entries end in "…" (tooltip: all of it)
        self.runs.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.runs.setWordWrap(False)
        self.runs.itemClicked.connect(lambda item: self.run_selected.emit(item.data(Qt.ItemDataRole.UserRole)))

        col = QVBoxLayout(self)
        col.setContentsMargins(6, 6, 6, 6)
        col.addWidget(self.modes)
        col.addLayout(tone_row)
        col.addWidget(preview_box, 1)
        col.addWidget(QLabel(_("Recent results"), self))
        col.addWidget(self.runs)

        self.draft_button.clicked.connect(self.draft_requested)
        self.replace_button.clicked.connect(lambda: self.accept_requested.emit("replace"))
        self.insert_button.clicked.connect(lambda: self.accept_requested.emit("insert"))
        self.retry_button.clicked.connect(self.retry_requested)
        self.discard_button.clicked.connect(self.discard_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.more_button.clicked.connect(self.more_requested)
        self.set_state("empty")

    def set_state(self, state: str, default: str = "replace", more: bool = False) -> None:
        """ "empty" (nothing to accept), "running" or "ready" (a result to accept; ``default`` is the button
        that does what the task means; ``more``: it is a continuation that can go on)."""
        running, ready = state == "running", state == "ready"
        self.more_button.setVisible(ready and more)
        for button in (*self.task_buttons.values(), self.draft_button):
            button.setEnabled(not running)
        self.stop_button.setVisible(running)
        self.progress.setVisible(running)
        self.replace_button.setEnabled(ready)
        self.insert_button.setEnabled(ready)
        self.retry_button.setEnabled(ready or state == "failed")
        self.discard_button.setEnabled(ready or state == "failed")
        self.replace_button.setDefault(ready and default == "replace")
        self.insert_button.setDefault(ready and default == "insert")

    def show_tokens(self, saved: tuple[str, list[dict]] | None) -> None:
        """Show the result's tokens shaded by probability (None: the plain preview)."""
        if saved is None:
            self.tokens.hide()
            self.preview.show()
            return
        self.tokens.set_records(saved[1], saved[0])
        self.preview.hide()
        self.tokens.show()

    def append_preview(self, text: str) -> None:
        cursor = QTextCursor(self.preview.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.preview.ensureCursorVisible()

    def show_runs(self, fetch: Callable[[PageKey | None, int], list[ToolRun]] | None) -> None:
        """List a document's earlier runs: ``fetch(after, limit)`` reads a page of them, newest first (more load
        as the list is scrolled); None empties the list."""
        if fetch is None:
            self.runs.clear()
            self._runs_pages = None
            return
        self._runs_pages = PagedList(self.runs, fetch, lambda run: run.conversation.page_key, _run_item, RUNS_PAGE)
        self._runs_pages.reload()


def _run_item(run: ToolRun) -> QListWidgetItem:
    note = "" if run.status == "complete" else "  (incomplete)"
    item = QListWidgetItem(f"{when_text(run.conversation.created_at)}  {run.title}{note}")
    item.setData(Qt.ItemDataRole.UserRole, run.conversation.id)
    output = run.output if len(run.output) <= 1500 else run.output[:1500] + "…"
    item.setToolTip(tip(f"{run.title}{note}\n\n{output}"))
    return item
