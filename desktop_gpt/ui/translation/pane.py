"""The Translation tab: source and target text side by side, file translation, glossary and history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.services import tool_runs
from desktop_gpt.services.translate import file_request, output_path, save_when_done, translate
from desktop_gpt.settings import Settings
from desktop_gpt.storage import ConversationStore, Message
from desktop_gpt.tools import translation
from desktop_gpt.tools.translation import AUTO, TranslationRequest, find_language, parse_glossary
from desktop_gpt.ui.engine_controller import EngineController
from desktop_gpt.ui.widgets.choices import UI_CONTENT_LANGUAGE, combo, option_text
from desktop_gpt.ui.widgets.when import when_text
from desktop_gpt.ui.widgets.paged_list import PagedList
from desktop_gpt.ui.widgets.tool_run import RunTracker, ending_note
from desktop_gpt import i18n
from desktop_gpt.i18n import _
from desktop_gpt.ui.widgets.safe_text import PlainLabel, tip

HISTORY_SIZE = 50


def words_preview(text: str, limit: int) -> str:
    """The start of ``text`` on one line, cut at a word boundary (never mid-word), with "…" when cut. Text
    without spaces (Chinese, Japanese) is cut at ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut and flat[limit] != " ":
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def history_languages(run: tool_runs.ToolRun) -> str:
    """ "English → Simplified Chinese" for a past translation (its source detected again when it was "auto")."""
    source = run.request.get("source", AUTO)
    if source in (AUTO, None):
        source = translation.detect_language(run.input[:4000])
    try:
        names = [find_language(code).title for code in (source, run.request.get("target", "en")) if code]
    except DesktopGPTError:
        return run.title
    return " → ".join(names) if len(names) == 2 else run.title


def default_target() -> str:
    """The interface's language when it is not English (a Chinese interface: 中文 ↔ English), else the language of
    this computer's locale if we know it, else English."""
    if i18n.current() in UI_CONTENT_LANGUAGE:
        return UI_CONTENT_LANGUAGE[i18n.current()]
    name = QLocale.system().name()  # e.g. "zh_CN", "fr_FR"
    candidates = ["zh-Hant"] if name in ("zh_TW", "zh_HK", "zh_MO") else [name.replace("_", "-"), name[:2]]
    for code in candidates:
        try:
            return find_language(code).code
        except DesktopGPTError:
            continue
    return "en"


class TranslationPane(QWidget):
    """Translate text and files.

    Signals:
        status_message(str): a short note for the status bar.
    """

    status_message = Signal(str)

    def __init__(self, store: ConversationStore, controller: EngineController, settings: Settings,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self._file_out: Path | None = None

        self.source_lang = combo(translation.LANGUAGES, self, auto=_("Detect language"))
        self.source_lang.setToolTip(_("The language of your text"))
        self.swap_button = QToolButton(self)
        self.swap_button.setText("⇄")
        self.swap_button.setToolTip(_("Swap the languages (and the texts)"))
        self.target_lang = combo(translation.LANGUAGES, self)
        self.target_lang.setToolTip(_("The language to translate into"))
        self.set_target(default_target())
        self._target_chosen = False  # the person picked the target: detection no longer changes it
        self.tone = combo(translation.TONES, self)
        self.glossary_button = QPushButton(_("Glossary"), self)
        self.glossary_button.setCheckable(True)
        self.glossary_button.setToolTip(_("Terms the translation must use, one “term = translation” per line"))
        self.translate_button = QPushButton(_("Translate"), self)
        self.translate_button.setObjectName("translateButton")
        self.translate_button.setToolTip(_("Translate (Ctrl+Enter); Stop while it runs (Esc)"))
        self.file_button = QPushButton(_("Translate file…"), self)
        self.file_button.setToolTip(_("Translate a .txt or .md file into a new file"))
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 0)
        bar.addWidget(QLabel(_("From"), self))
        bar.addWidget(self.source_lang)
        bar.addWidget(self.swap_button)
        bar.addWidget(QLabel(_("to"), self))
        bar.addWidget(self.target_lang)
        bar.addWidget(QLabel(_("Tone"), self))
        bar.addWidget(self.tone)
        bar.addWidget(self.glossary_button)
        bar.addStretch(1)
        bar.addWidget(self.file_button)
        bar.addWidget(self.translate_button)

        self.source = QPlainTextEdit(self)
        self.source.setPlaceholderText(_("Type or paste text to translate. Markdown keeps its headings, lists and "
                                         "code blocks."))
        self.detected = PlainLabel("", self)
        self.detected.setObjectName("detectedLanguage")
        self.glossary = QPlainTextEdit(self)
        self.glossary.setPlaceholderText(_("Glossary, one per line:\nDesktop GPT = 桌面GPT\nmodel = 模型"))
        self.glossary.setFixedHeight(90)
        self.glossary.hide()
        left = QWidget(self)
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(8, 0, 0, 0)
        left_col.addWidget(self.source, 1)
        left_col.addWidget(self.detected)
        left_col.addWidget(self.glossary)

        self.output = QPlainTextEdit(self)
        self.output.setReadOnly(True)
        self.output.setObjectName("translationOutput")
        self.output.setPlaceholderText(_("The translation appears here as it is written."))
        self.copy_button = QPushButton(_("Copy"), self)
        self.status = PlainLabel("", self)
        self.status.setObjectName("translationStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setFixedHeight(14)
        self.progress.hide()
        under = QHBoxLayout()
        under.addWidget(self.status, 1)
        under.addWidget(self.progress)
        under.addWidget(self.copy_button)
        right = QWidget(self)
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(0, 0, 0, 0)
        right_col.addWidget(self.output, 1)
        right_col.addLayout(under)

        self.history = QListWidget(self)
        self.history.setObjectName("translationHistory")
        self.history.setWordWrap(True)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        history_box = QWidget(self)
        history_col = QVBoxLayout(history_box)
        history_col.setContentsMargins(0, 0, 8, 0)
        history_col.addWidget(QLabel(_("Recent translations"), self))
        history_col.addWidget(self.history, 1)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.addWidget(history_box)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([470, 470, 220])
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 8)
        col.addLayout(bar)
        col.addWidget(split, 1)

        self.tracker = RunTracker(controller, store, self)
        self._detect_timer = QTimer(self)
        self._detect_timer.setSingleShot(True)
        self._detect_timer.setInterval(250)
        self._detect_timer.timeout.connect(self._show_detected)

        self.source.textChanged.connect(self._detect_timer.start)
        self.source_lang.currentIndexChanged.connect(lambda _i: self._show_detected())
        self.target_lang.activated.connect(lambda _i: setattr(self, "_target_chosen", True))
        self.swap_button.clicked.connect(self.swap)
        self.glossary_button.toggled.connect(self.glossary.setVisible)
        self.translate_button.clicked.connect(self._translate_clicked)
        self.file_button.clicked.connect(self.translate_file)
        self.copy_button.clicked.connect(self.copy)
        self.history.itemClicked.connect(lambda item: self.show_run(item.data(Qt.ItemDataRole.UserRole)))
        self._history_pages = PagedList(
            self.history,
            lambda after, size: tool_runs.history(self.store, "translation", size, after=after),
            lambda run: run.conversation.page_key,
            self._history_item,
            HISTORY_SIZE,
        )
        QShortcut(
            QKeySequence("Ctrl+Return"),
            self,
            self._translate_clicked,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.tracker.busy_changed.connect(self._busy)
        self.tracker.started.connect(lambda _m: self.status.setText(_("Translating…")))
        self.tracker.text.connect(self._append)
        self.tracker.progress.connect(self._progress)
        self.tracker.finished.connect(self._finished)
        self.tracker.failed.connect(self._failed)
        self.refresh_history()

    # -- choices --------------------------------------------------------------------------------------------
    def set_target(self, code: str) -> None:
        self.target_lang.setCurrentIndex(max(0, self.target_lang.findData(find_language(code).code)))

    def set_source(self, code: str) -> None:
        data = AUTO if code == AUTO else find_language(code).code
        self.source_lang.setCurrentIndex(max(0, self.source_lang.findData(data)))

    def _detected_code(self) -> str | None:
        return translation.detect_language(self.source.toPlainText()[:4000])

    def _show_detected(self) -> None:
        code = self._detected_code() if self.source_lang.currentData() == AUTO else None
        self.detected.setText(
            _("Detected: {option_text}").format(option_text=option_text(find_language(code))) if code else ""
        )
        if code and not self._target_chosen and code == self.target_lang.currentData():
            # English text with an English target translates nothing: aim at another language by default
            self.set_target(translation.other_language(code, default_target()))

    def swap(self) -> None:
        """Translate the other way: the languages, the texts and the glossary change places."""
        source = self.source_lang.currentData()
        new_target = source if source != AUTO else self._detected_code()
        self.set_source(self.target_lang.currentData())
        if new_target:
            self.set_target(new_target)
        if self.output.toPlainText().strip():
            self.source.setPlainText(self.output.toPlainText())
            self.output.clear()
        if self.glossary.toPlainText().strip():
            self.glossary.setPlainText(translation.swap_glossary(self.glossary.toPlainText()))
        self.status.setText("")  # "Done in 1.0 s" spoke of the translation that is gone

    # -- translating ----------------------------------------------------------------------------------------
    def _params(self) -> dict:
        return translation.sampling(self.settings.sampling())

    def _translate_clicked(self) -> None:
        if self.tracker.busy:
            self.tracker.stop()
        else:
            self.translate()

    def _request(self, text: str | None = None, path: str | None = None) -> TranslationRequest | None:
        try:
            options = dict(
                source=self.source_lang.currentData(),
                tone=self.tone.currentData(),
                glossary=parse_glossary(self.glossary.toPlainText()),
            )
            if path is not None:
                return file_request(path, self.target_lang.currentData(), **options)
            return TranslationRequest(text or "", self.target_lang.currentData(), **options)
        except DesktopGPTError as exc:
            self.status.setText(str(exc))
            return None

    def translate(self) -> None:
        """Translate the text on the left; the translation streams in on the right, paragraph by paragraph."""
        text = self.source.toPlainText()
        if not text.strip():
            self.status.setText(_("Type or paste some text to translate first."))
            return
        request = self._request(text)
        if request is not None:
            self._file_out = None
            self._run(request)

    def translate_file(self) -> None:
        """Translate a .txt/.md file into a new file next to it (notes.md → notes.zh-Hans.md)."""
        if self.tracker.busy:
            return
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Translate a file"), str(Path.home()), _("Text and Markdown (*.txt *.md *.markdown);;All files (*)")
        )
        if not path:
            return
        request = self._request(path=path)
        if request is None:
            return
        suggested = output_path(path, request.target)
        out, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save the translation as"),
            str(suggested),
            _("Same type (*{suffix});;All files (*)").format(suffix=suggested.suffix),
        )
        if not out:
            return
        self.source.setPlainText(request.text)
        self._file_out = Path(out)
        self._run(request, self._file_out)

    def _run(self, request: TranslationRequest, out: Path | None = None) -> None:
        source = request.source_language
        if source is not None and source.code == request.target:
            self.status.setText(
                _("The text is already in {label}: choose another language to translate to.").format(label=source.label)
            )
            return
        params = self._params()
        prompt = request.prompt()
        if out is not None:
            prompt.request["output"] = str(out)

        def events(engine, stopped):
            stream = translate(engine, request, params, stopped)
            return save_when_done(stream, out) if out is not None else stream

        self.output.clear()
        self.status.setText(_("Waiting for the model…"))
        self.tracker.start(prompt, params, events)

    def _busy(self, busy: bool) -> None:
        self.translate_button.setText(_("Stop") if busy else _("Translate"))
        self.file_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def _append(self, text: str) -> None:
        cursor = QTextCursor(self.output.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total}")
        if total > 1:
            self.status.setText(
                _("Translating… paragraph {min} of {total}").format(min=min(done + 1, total), total=total)
            )

    def _finished(self, message: Message | None, stats) -> None:
        note = ending_note(message)
        if self._file_out is not None and message is not None and message.status == "complete":
            self.status.setText(_("Saved to {file_out}").format(file_out=self._file_out))
            self.status_message.emit(_("Translation saved to {file_out}").format(file_out=self._file_out))
        elif self._file_out is not None:
            self.status.setText(
                _(
                    "{note}: the file was not written; the partial translation is shown here and kept in the history."
                ).format(note=note or "Stopped")
            )
        else:
            self.status.setText(note or f"Done in {stats.total_s:.1f} s.")
        self.refresh_history()

    def _failed(self, text: str) -> None:
        self.status.setText(text)
        self.refresh_history()

    def stop(self) -> None:
        self.tracker.stop()

    def copy(self) -> None:
        text = self.output.toPlainText()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.status_message.emit(_("Translation copied to the clipboard"))

    # -- history --------------------------------------------------------------------------------------------
    def refresh_history(self) -> None:
        """Show the newest translations again; older ones load as the list is scrolled down."""
        self._history_pages.reload()

    @staticmethod
    def _history_item(run: tool_runs.ToolRun) -> QListWidgetItem:
        """Two lines told apart at a glance: when and which languages, then the start of the text (whole words)."""
        item = QListWidgetItem(
            f"{when_text(run.conversation.created_at)} · {history_languages(run)}\n{words_preview(run.input, 48)}"
        )
        item.setData(Qt.ItemDataRole.UserRole, run.conversation.id)
        item.setToolTip(tip(f"{words_preview(run.input, 400)}\n\n→ {words_preview(run.output, 400)}"))
        return item

    def show_run(self, conversation_id: int) -> None:
        """Show a past translation: its text, its result and its languages."""
        if self.tracker.busy:
            return
        run = tool_runs.run_of(self.store, conversation_id)
        if run is None:
            return
        self.source.setPlainText(run.input)
        self.output.setPlainText(run.output)
        self.set_source(run.request.get("source", AUTO))
        self.set_target(run.request.get("target", "en"))
        self.status.setText(ending_note(self.store.message(run.reply_id)) if run.reply_id else "")
