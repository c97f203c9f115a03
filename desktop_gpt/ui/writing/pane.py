"""The Writing tab: a document editor (kept in the database as it is typed) beside the writing assistant."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.errors import DesktopGPTError, ToolInputError
from desktop_gpt.services import chat as chat_service
from desktop_gpt.services import tool_runs
from desktop_gpt.paths import safe_file_name
from desktop_gpt.settings import Settings
from desktop_gpt.storage import ConversationStore, Message
from desktop_gpt.storage.conversations import title_from
from desktop_gpt.storage.documents import Document, DocumentStore
from desktop_gpt.storage.probabilities import ProbabilityStore
from desktop_gpt.tools import writing
from desktop_gpt.tools.options import find
from desktop_gpt.tools.templates import Prompt
from desktop_gpt.ui.engine_controller import EngineController
from desktop_gpt.ui.widgets.paged_list import MoreOnScroll
from desktop_gpt.ui.widgets.token_view import follow_engine, wanted
from desktop_gpt.ui.widgets.tool_run import RunTracker, ending_note
from desktop_gpt.ui.writing.assistant import AssistantPanel
from desktop_gpt.ui.writing.editing import put_result
from desktop_gpt.i18n import N_, _, ngettext
from desktop_gpt.ui.widgets.safe_text import warn

TOP_ALTERNATIVES = 5  # alternatives kept per token with "Show probabilities"

# The document is written to the database this long after the last keystroke (and when the window closes).
AUTOSAVE_MS = 500
DOCUMENTS_PAGE = 50  # documents listed at a time in the picker
FILE_FILTER = N_("Documents (*.md *.markdown *.txt);;Markdown (*.md);;Text (*.txt);;All files (*)")


class WritingPane(QWidget):
    """Write documents with the model's help.

    Signals:
        status_message(str): a short note for the status bar.
    """

    status_message = Signal(str)

    def __init__(self, store: ConversationStore, documents: DocumentStore, controller: EngineController,
                 settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.documents = documents
        self.settings = settings
        self.document: Document | None = None
        self._target: QTextCursor | None = None  # the text a run works on; Qt keeps it right as the text changes
        self._task: writing.Task | None = None
        self._last: Prompt | None = None
        self._shown_probabilities: tuple[str, list[dict]] | None = None  # of the result shown, with its tokens
        self._loading = False

        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("writingEditor")
        font = QFont(self.editor.font())
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        self.editor.setFont(font)
        self.editor.document().setDocumentMargin(14)  # the text does not touch the editor's edges
        self.editor.setPlaceholderText(
            _(
                "Write here, or draft something with the assistant on the right. Markdown and plain text; "
                "everything is saved as you type."
            )
        )
        self.picker = QComboBox(self)
        self.picker.setMinimumWidth(220)
        self.picker.setToolTip(_("Your documents, most recent first"))
        self.new_button = QPushButton(_("New"), self)
        self.open_button = QPushButton(_("Open…"), self)
        self.save_button = QPushButton(_("Save"), self)
        self.save_button.setToolTip(_("Write the document to its file (Ctrl+S)"))
        self.save_as_button = QPushButton(_("Save as…"), self)
        self.counts = QLabel("", self)
        self.counts.setObjectName("writingCounts")
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 0)
        for w in (self.picker, self.new_button, self.open_button, self.save_button, self.save_as_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.counts)

        self.assistant = AssistantPanel(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.editor)
        split.addWidget(self.assistant)
        split.setStretchFactor(0, 1)
        split.setSizes([760, 380])
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(bar)
        col.addWidget(split, 1)

        self.tracker = RunTracker(controller, store, self)
        follow_engine(self.assistant.probabilities_button, controller.loaded)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_now)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(120)
        self._count_timer.timeout.connect(self._update_counts)

        self.editor.textChanged.connect(self._text_changed)
        self.editor.selectionChanged.connect(self._count_timer.start)
        self.picker.activated.connect(self._picked)
        self._documents_after: tuple[float, int] | None = None
        self._documents_scroll = MoreOnScroll(
            self.picker.view(), lambda: self._documents_after is not None and self._more_documents()
        )
        self.new_button.clicked.connect(self.new_document)
        self.open_button.clicked.connect(self.open_file)
        self.save_button.clicked.connect(self.save_file)
        self.save_as_button.clicked.connect(self.save_file_as)
        QShortcut(
            QKeySequence.StandardKey.Save, self, self.save_file, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        a = self.assistant
        a.task_requested.connect(self.run_task)
        a.draft_requested.connect(self.draft)
        a.more_requested.connect(self.continue_more)
        a.tokens.continue_requested.connect(self.continue_with)
        a.accept_requested.connect(self.accept)
        a.retry_requested.connect(self.retry)
        a.discard_requested.connect(self.discard)
        a.stop_requested.connect(self.tracker.stop)
        a.run_selected.connect(self.show_run)
        self.tracker.started.connect(lambda _m: a.preview_status.setText(_("Writing…")))
        self.tracker.text.connect(a.append_preview)
        self.tracker.finished.connect(self._finished)
        self.tracker.failed.connect(self._failed)
        if parent is not None:
            parent.window().installEventFilter(self)  # save the text when the window closes

        recent = self.documents.list(limit=1)
        if recent:
            self.open_document(recent[0].id)
        self._refresh_picker()
        self._update_counts()

    # -- documents ------------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Close:
            self.save_now()
        return False

    def _text_changed(self) -> None:
        if not self._loading:
            self._autosave.start()
            self._count_timer.start()

    def save_now(self) -> None:
        """Write the text to the database (a new document row is made for the first words)."""
        self._autosave.stop()
        text = self.editor.toPlainText()
        if self.document is None:
            if not text:
                return
            self.document = self.documents.create(content=text, dirty=True)
            self._refresh_picker()
        elif text == self.document.content:
            return
        title = "" if self.document.path else title_from(text.lstrip("# ").split("\n", 1)[0], 40)
        self.document = self.documents.update(
            self.document.id, content=text, dirty=True, title=title, cursor=self.editor.textCursor().position()
        )
        self._update_picker_label()

    def _picked(self, index: int) -> None:
        document_id = self.picker.itemData(index)
        if document_id is not None and (self.document is None or document_id != self.document.id):
            self.open_document(document_id)

    def _leave_document(self) -> None:
        """Before showing another document: save this one, and let go of a result meant for it (a run still
        going is stopped; what it wrote stays in this document's results)."""
        self.save_now()
        self.tracker.forget()
        self._target, self._last = None, None
        self.discard()

    def new_document(self) -> None:
        self._leave_document()
        self.document = None
        self._show_text("")
        self.assistant.show_runs(None)
        self._refresh_picker()

    def open_document(self, document_id: int) -> None:
        self._leave_document()
        self.document = self.documents.get(document_id)
        self._show_text(self.document.content, self.document.cursor)
        self._refresh_picker()
        self._refresh_runs()

    def _show_text(self, text: str, cursor_at: int = 0) -> None:
        self._loading = True
        try:
            self.editor.setPlainText(text)  # a new document: its own undo history
        finally:
            self._loading = False
        cursor = self.editor.textCursor()
        cursor.setPosition(min(cursor_at, len(text)))
        self.editor.setTextCursor(cursor)
        self._update_counts()

    def open_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Open document"), str(self._folder()), _(FILE_FILTER))
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Open a .md/.txt file; a document already made from it, with changes not saved to it, is kept."""
        try:
            text = tool_runs.read_text_file(path)
        except DesktopGPTError as exc:
            warn(self, _("Open document"), str(exc))
            return
        self.save_now()
        path = str(Path(path).resolve())
        known = self.documents.by_path(path)
        if known is not None and known.dirty and known.content != text:
            self.open_document(known.id)
            self.status_message.emit(f"{known.name} has changes not saved to the file; Save writes them.")
            return
        if known is None:
            known = self.documents.create(title="", content=text, path=path)
        else:
            known = self.documents.update(known.id, content=text, dirty=False)
        self.open_document(known.id)

    def save_file(self) -> bool:
        if self.document is None or not self.document.path:
            return self.save_file_as()
        return self._write(self.document.path)

    def save_file_as(self) -> bool:
        self.save_now()
        name = self.document.name if self.document else "Untitled"
        safe = safe_file_name(name, "Untitled")
        start = self.document.path if self.document and self.document.path else str(self._folder() / f"{safe}.md")
        path, _filter = QFileDialog.getSaveFileName(self, _("Save document"), start, _(FILE_FILTER))
        return bool(path) and self._write(path)

    def _write(self, path: str) -> bool:
        self.save_now()
        if self.document is None:
            self.document = self.documents.create(content="")
        try:
            tool_runs.write_text_file(path, self.editor.toPlainText())
        except DesktopGPTError as exc:
            warn(self, _("Save document"), str(exc))
            return False
        self.document = self.documents.update(self.document.id, path=str(Path(path).resolve()), dirty=False, title="")
        self._refresh_picker()
        self.status_message.emit(f"Saved {path}")
        return True

    def _folder(self) -> Path:
        if self.document and self.document.path:
            return Path(self.document.path).parent
        return Path.home()

    def _refresh_picker(self) -> None:
        """List the newest documents; older ones load as the open list is scrolled down."""
        self.picker.clear()
        self._documents_after = None
        if self.document is None:
            self.picker.addItem(_("Untitled (new)"), None)
        more = self._more_documents()
        if self.document is not None:
            if self.picker.findData(self.document.id) < 0:  # an old one, opened from its file
                self.picker.addItem(self._label(self.document), self.document.id)
            self.picker.setCurrentIndex(self.picker.findData(self.document.id))
        self._documents_scroll.reset(more)

    def _more_documents(self) -> bool:
        docs = self.documents.list(limit=DOCUMENTS_PAGE, after=self._documents_after)
        for doc in docs:
            if self.picker.findData(doc.id) < 0:
                self.picker.addItem(self._label(doc), doc.id)
        self._documents_after = docs[-1].page_key if len(docs) == DOCUMENTS_PAGE else None
        return self._documents_after is not None

    def _update_picker_label(self) -> None:
        index = self.picker.findData(self.document.id)
        if index >= 0:
            self.picker.setItemText(index, self._label(self.document))

    @staticmethod
    def _label(doc: Document) -> str:
        return doc.name + (" •" if doc.dirty and doc.path else "")

    def _update_counts(self) -> None:
        text = self.editor.toPlainText()
        words, characters = writing.count_words(text), writing.count_characters(text)
        label = (
            ngettext("{n:,} word", "{n:,} words", words).format(n=words)
            + " · "
            + ngettext("{n:,} character", "{n:,} characters", characters).format(n=characters)
        )
        cursor = self.editor.textCursor()
        if cursor.hasSelection():
            selected = cursor.selection().toPlainText()
            words = writing.count_words(selected)
            label = f"Selection: {words:,} of " + label
            self.assistant.target_label.setText(_("Works on: the selection ({words:,} words)").format(words=words))
        else:
            self.assistant.target_label.setText(_("Works on: the whole document"))
        self.counts.setText(label)

    # -- runs -----------------------------------------------------------------------------------------------
    def _params(self) -> dict:
        params = self.settings.sampling()
        if wanted(self.assistant.probabilities_button):
            params["top_logprobs"] = TOP_ALTERNATIVES
        return params

    def continue_with(self, position: int, token: int) -> None:
        """"Continue with this word instead": a new preview that keeps the result's text up to ``position``,
        takes ``token`` there and lets the model go on (the earlier result stays in Recent results)."""
        if self._last is None or self._target is None or self.tracker.busy or self._shown_probabilities is None:
            return
        prefix, kept = chat_service.continued_prefix(self._shown_probabilities[1], position, token)
        self._start(self._last, self._target, self._task, continued=(prefix, kept))

    def _selection_or_document(self) -> QTextCursor:
        cursor = QTextCursor(self.editor.textCursor())
        if not cursor.hasSelection():
            cursor.select(QTextCursor.SelectionType.Document)
        return cursor

    def run_task(self, key: str) -> None:
        """Run an edit task on the selection (or the whole document); the result streams into the preview."""
        task = find(writing.TASKS, key, "task")
        target = self._selection_or_document()
        try:
            if task.raw:
                before = QTextCursor(self.editor.document())
                before.setPosition(target.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
                prompt = writing.continue_prompt(before.selection().toPlainText())
                if not prompt.input.strip():
                    raise ToolInputError(_("Write something first: Continue goes on from your text."))
            else:
                prompt = writing.task_prompt(
                    key, target.selection().toPlainText(), tone=self.assistant.tone.currentData()
                )
        except DesktopGPTError as exc:
            self.assistant.preview_status.setText(str(exc))
            return
        self._start(prompt, target, task)

    def draft(self) -> None:
        a = self.assistant
        try:
            prompt = writing.draft_prompt(
                a.kind.currentData(),
                a.topic.toPlainText(),
                a.tone.currentData(),
                a.length.currentData(),
                a.language.currentData(),
            )
        except DesktopGPTError as exc:
            a.preview_status.setText(str(exc))
            return
        self._start(prompt, QTextCursor(self.editor.textCursor()), None)

    def continue_more(self) -> None:
        """Go on from the end of a continuation in the preview: the new text is added to it."""
        if self._target is None or self.tracker.busy or self._task is None or not self._task.raw:
            return
        before = QTextCursor(self.editor.document())
        before.setPosition(self._target.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
        shown = self.assistant.preview.toPlainText()
        prompt = writing.continue_prompt(before.selection().toPlainText() + shown)
        self._start(prompt, self._target, self._task, keep_preview=True)

    def _start(
        self, prompt: Prompt, target: QTextCursor, task: writing.Task | None, keep_preview: bool = False,
        continued: tuple[list[int], list[dict]] | None = None,
    ) -> None:
        self.save_now()
        if self.document is None:
            self.document = self.documents.create(content=self.editor.toPlainText())
            self._refresh_picker()
        prompt.request["document_id"] = self.document.id
        self._target, self._task, self._last = target, task, prompt
        if not keep_preview:
            self.assistant.preview.clear()
        self._shown_probabilities = None
        self.assistant.show_tokens(None)
        self.assistant.preview_status.setText(_("Waiting for the model…"))
        self.assistant.set_state("running")
        params = self._params()
        params = writing.continue_params(params) if task is not None and task.raw else params
        events = None
        if continued is not None:
            prefix, kept = continued
            events = lambda engine, _stopped: chat_service.with_prefix_records(  # noqa: E731
                tool_runs.events_for(engine, prompt, params, prefix_tokens=prefix), kept)
        self.tracker.start(prompt, params, events)

    def retry(self) -> None:
        if self._last is not None and self._target is not None and not self.tracker.busy:
            self._start(self._last, self._target, self._task)

    def stop(self) -> None:
        self.tracker.stop()

    def _finished(self, message: Message | None, _stats) -> None:
        if message is not None and self.assistant.probabilities_button.isChecked():
            self._shown_probabilities = ProbabilityStore(self.store.db).load(message.id)
            self.assistant.show_tokens(self._shown_probabilities)
        note = ending_note(message)
        has_text = bool(self.assistant.preview.toPlainText().strip())
        mode = self._default_mode()
        hint = "Replace" if mode == "replace" else "Insert"
        self.assistant.preview_status.setText(
            (f"{note}. " if note else "")
            + (_("{hint} puts it in the document.").format(hint=hint) if has_text else _("No text came back."))
        )
        self.assistant.set_state(
            "ready" if has_text else "failed", mode, more=has_text and self._task is not None and self._task.raw
        )
        self._refresh_runs()

    def _failed(self, text: str) -> None:
        self.assistant.preview_status.setText(text)
        self.assistant.set_state("failed")
        self._refresh_runs()

    def _default_mode(self) -> str:
        if self._task is not None:
            return self._task.accept
        return "replace" if self._target is not None and self._target.hasSelection() else "insert"

    def accept(self, mode: str) -> None:
        """Put the preview into the document as one undo step: in place of the text it was made from, or
        after it. The new text is left selected."""
        result = self.assistant.preview.toPlainText()
        if self._target is None or not result.strip():
            return
        put_result(self.editor, self._target, result, mode, self._task is not None and self._task.raw)
        self.editor.setFocus()
        self._target = None
        self.assistant.preview.clear()
        self.assistant.preview_status.setText(_("Done. Ctrl+Z undoes it."))
        self.assistant.show_tokens(None)
        self.assistant.set_state("empty")

    def discard(self) -> None:
        self.assistant.preview.clear()
        self.assistant.show_tokens(None)
        self.assistant.preview_status.setText("")
        self.assistant.set_state("empty")

    def _refresh_runs(self) -> None:
        if self.document is None:
            self.assistant.show_runs(None)
            return
        document_id = self.document.id
        self.assistant.show_runs(
            lambda after, size: tool_runs.history(self.store, "writing", size, after=after, document_id=document_id)
        )

    def show_run(self, conversation_id: int) -> None:
        """Preview an earlier result again (e.g. one written while the app was closed mid-run)."""
        if self.tracker.busy:
            return
        run = tool_runs.run_of(self.store, conversation_id)
        if run is None:
            return
        key = run.request.get("task")
        self._task = find(writing.TASKS, key, "task") if key else None
        self._target = QTextCursor(self.editor.textCursor())
        if self._task is not None and self._task.raw and not self._target.hasSelection():
            self._target.movePosition(QTextCursor.MoveOperation.End)  # a continuation goes at the end
        self._last = None
        self.assistant.preview.setPlainText(run.output)
        self.assistant.preview_status.setText(_("Earlier result: {title}").format(title=run.title))
        self.assistant.set_state("ready" if run.output.strip() else "empty", self._default_mode())
