"""The Code tab: a code editor and a task picker; the reply stays readable beside the code blocks taken from it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.services import tool_runs
from desktop_gpt.settings import Settings
from desktop_gpt.storage import ConversationStore, Message
from desktop_gpt.tools import code as code_tools
from desktop_gpt.tools.code import CodeBlock
from desktop_gpt.ui.engine_controller import EngineController
from desktop_gpt.ui.widgets.choices import combo, select
from desktop_gpt.ui.widgets.code_editor import CodeEditor
from desktop_gpt.ui.widgets.markdown_view import MarkdownView
from desktop_gpt.ui.widgets.tool_run import RunTracker, ending_note
from desktop_gpt.i18n import N_, _, ngettext
from desktop_gpt.ui.widgets.safe_text import PlainLabel, warn

DESCRIPTION_HINTS = {
    "generate": N_("Describe the code to write, e.g. “a function that reverses a string”"),
}
OTHER_HINT = N_("Anything to add (optional), e.g. “keep it compatible with Python 3.8”")
# The button says what the model will do: it never runs the code itself.
TASK_BUTTONS = {"generate": N_("Generate"), "explain": N_("Explain"), "fix": N_("Find the bug"),
                "refactor": N_("Refactor"), "tests": N_("Write tests"), "convert": N_("Convert"),
                "comment": N_("Add comments")}
REPLY_PLACEHOLDER = N_("The model's answer appears here. Choose a task, then press its button (Ctrl+Enter).")


class CodePane(QWidget):
    """Generate, explain, fix, refactor, test, convert and comment code.

    Signals:
        status_message(str): a short note for the status bar.
    """

    status_message = Signal(str)

    def __init__(self, store: ConversationStore, controller: EngineController, settings: Settings,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.blocks: list[CodeBlock] = []
        self._folder = Path.home()

        self.language = combo(code_tools.LANGUAGES, self)
        self.language.setToolTip(_("The language of the code in the editor"))
        self.task = combo(code_tools.TASKS, self)
        self.target_label = QLabel(_("to"), self)
        self.target = combo(code_tools.LANGUAGES, self)
        select(self.target, "javascript")
        self.run_button = QPushButton(_(TASK_BUTTONS["generate"]), self)
        self.run_button.setObjectName("codeRunButton")
        self.open_button = QPushButton(_("Open file…"), self)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 0)
        for w in (QLabel(_("Language"), self), self.language, QLabel(_("Task"), self), self.task, self.target_label,
                  self.target):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.open_button)
        bar.addWidget(self.run_button)

        self.editor = CodeEditor(self, "python")
        self.editor.setObjectName("codeEditor")
        self.editor.setPlaceholderText(_("Paste or open code here"))
        self.description = QPlainTextEdit(self)
        self.description.setFixedHeight(64)
        self.error = QPlainTextEdit(self)
        self.error.setPlaceholderText(_("Paste the error message or traceback here (optional)"))
        self.error.setFixedHeight(64)
        left = QWidget(self)
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(8, 0, 0, 0)
        left_col.addWidget(self.editor, 1)
        left_col.addWidget(self.description)
        left_col.addWidget(self.error)

        self.reply = MarkdownView(self)
        self.reply.set_wrap_code(True)  # the answer scrolls down, never sideways: long lines wrap
        self.reply_placeholder = QLabel(_(REPLY_PLACEHOLDER), self)
        self.reply_placeholder.setObjectName("codeReplyPlaceholder")
        self.reply_placeholder.setWordWrap(True)
        self.reply_placeholder.setEnabled(False)  # drawn greyed, like a text field's placeholder
        reply_page = QWidget(self)
        reply_page.setObjectName("codeReplyPage")
        reply_page.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        reply_col = QVBoxLayout(reply_page)
        reply_col.setContentsMargins(6, 6, 6, 6)
        reply_col.addWidget(self.reply_placeholder)
        reply_col.addWidget(self.reply)
        self.reply.hide()  # no empty box under the placeholder
        reply_col.addStretch(1)
        self.reply_scroll = QScrollArea(self)
        self.reply_scroll.setWidgetResizable(True)
        self.reply_scroll.setWidget(reply_page)
        self.reply_scroll.setObjectName("codeReply")
        self.reply_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.status = PlainLabel("", self)
        self.status.setObjectName("codeStatus")
        self.status.setWordWrap(True)
        self.status.hide()  # no empty line above the answer until there is something to say
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setFixedHeight(4)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.block_picker = QComboBox(self)
        self.copy_button = QPushButton(_("Copy"), self)
        self.save_button = QPushButton(_("Save…"), self)
        self.save_button.setToolTip(_("Save this code block to a file"))
        self.replace_button = QPushButton(_("Replace editor"), self)
        self.replace_button.setToolTip(_("Put this code block in the editor (Ctrl+Z in the editor undoes it)"))
        block_bar = QHBoxLayout()
        block_bar.addWidget(self.block_picker, 1)
        block_bar.addWidget(self.copy_button)
        block_bar.addWidget(self.save_button)
        block_bar.addWidget(self.replace_button)
        self.block_view = CodeEditor(self, "text")
        self.block_view.setReadOnly(True)
        self.block_view.setObjectName("codeBlockView")
        blocks = QWidget(self)
        blocks_col = QVBoxLayout(blocks)
        blocks_col.setContentsMargins(0, 0, 0, 0)
        blocks_col.addLayout(block_bar)
        blocks_col.addWidget(self.block_view, 1)
        right_split = QSplitter(Qt.Orientation.Vertical, self)
        right_split.addWidget(self.reply_scroll)
        right_split.addWidget(blocks)
        right_split.setSizes([380, 280])
        right = QWidget(self)
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(0, 0, 8, 0)
        right_col.addWidget(self.status)
        right_col.addWidget(self.progress)
        right_col.addWidget(right_split, 1)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([580, 580])
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 8)
        col.addLayout(bar)
        col.addWidget(split, 1)

        self.tracker = RunTracker(controller, store, self)
        self.language.currentIndexChanged.connect(lambda _i: self.editor.set_language(self._language().lexer))
        self.task.currentIndexChanged.connect(lambda _i: self._task_changed())
        self.run_button.clicked.connect(self._run_clicked)
        self.open_button.clicked.connect(self.open_file)
        self.block_picker.currentIndexChanged.connect(self._show_block)
        self.copy_button.clicked.connect(self.copy_block)
        self.save_button.clicked.connect(lambda: self.save_block())
        self.replace_button.clicked.connect(self.replace_editor)
        self.reply.copied.connect(lambda _t: self.status_message.emit(_("Copied to the clipboard")))
        QShortcut(QKeySequence("Ctrl+Return"), self, self._run_clicked,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.tracker.busy_changed.connect(self._busy)
        self.tracker.started.connect(lambda _m: self._say("Writing…"))
        self.tracker.text.connect(self._append)
        self.tracker.finished.connect(self._finished)
        self.tracker.failed.connect(self._failed)
        self._task_changed()
        self._set_blocks([])

    # -- choices --------------------------------------------------------------------------------------------
    def _language(self) -> code_tools.CodeLanguage:
        return code_tools.find_language(self.language.currentData())

    def _task(self) -> code_tools.CodeTask:
        return code_tools.find_task(self.task.currentData())

    def _task_changed(self) -> None:
        task = self._task()
        self.description.setPlaceholderText(_(DESCRIPTION_HINTS.get(task.key, OTHER_HINT)))
        if not self.tracker.busy:
            self.run_button.setText(_(TASK_BUTTONS[task.key]) if task.key in TASK_BUTTONS else task.title)
        self.run_button.setToolTip(_("Ask the model to {hint} (Ctrl+Enter); Esc stops it. Your code is never "
                                     "run.").format(hint=_(task.hint)))
        self.error.setVisible(task.key == "fix")
        self.target_label.setVisible(task.key == "convert")
        self.target.setVisible(task.key == "convert")

    def open_file(self) -> None:
        path, _unused = QFileDialog.getOpenFileName(self, _("Open code"), str(self._folder), _("All files (*)"))
        if not path:
            return
        try:
            text = tool_runs.read_text_file(path)
        except DesktopGPTError as exc:
            warn(self, _("Open code"), str(exc))
            return
        self._folder = Path(path).parent
        suffix = Path(path).suffix.lower()
        known = next((lang for lang in code_tools.LANGUAGES if lang.extension == suffix), None)
        if known is not None:
            select(self.language, known.key)
        self.editor.replace_all(text)

    # -- running --------------------------------------------------------------------------------------------
    def _run_clicked(self) -> None:
        if self.tracker.busy:
            self.tracker.stop()
        else:
            self.run()

    def run(self) -> None:
        """Run the chosen task; the reply streams in, and its code blocks are listed as they close."""
        task = self._task()
        try:
            prompt = code_tools.code_prompt(
                task.key, self._language().key, code=self.editor.toPlainText(),
                description=self.description.toPlainText(), error=self.error.toPlainText(),
                target=self.target.currentData() if task.key == "convert" else None,
            )
        except DesktopGPTError as exc:
            self._say(str(exc))
            return
        self.reply.clear()
        self.reply_placeholder.hide()
        self.reply.show()
        self._set_blocks([])
        self._say("Waiting for the model…")
        self.tracker.start(prompt, self.settings.sampling())

    def stop(self) -> None:
        self.tracker.stop()

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _busy(self, busy: bool) -> None:
        self.run_button.setText(_("Stop") if busy else _(TASK_BUTTONS.get(self._task().key, self._task().label)))
        self.progress.setVisible(busy)

    def _append(self, text: str) -> None:
        self.reply.append(text)
        if "`" in text or "~" in text:  # a fence may have closed
            self._update_blocks()

    def _finished(self, message: Message | None, _stats) -> None:
        self.reply.finish()
        self._update_blocks()
        note = ending_note(message)
        n = len(self.blocks)
        found = ngettext("{n} code block", "{n} code blocks", n).format(n=n) if n else _("No code block in the reply")
        self._say(f"{note}. {found}." if note else f"{found}.")

    def _failed(self, text: str) -> None:
        self.reply.finish()
        self._say(text)

    # -- code blocks ----------------------------------------------------------------------------------------
    def _update_blocks(self) -> None:
        blocks = [b for b in code_tools.extract_code_blocks(self.reply.text()) if b.closed or not self.tracker.busy]
        if [b.code for b in blocks] != [b.code for b in self.blocks]:
            self._set_blocks(blocks)

    def _wanted_language(self) -> str:
        task = self._task()
        return self.target.currentData() if task.key == "convert" else self._language().key

    def _set_blocks(self, blocks: list[CodeBlock]) -> None:
        self.blocks = blocks
        self.block_picker.blockSignals(True)
        self.block_picker.clear()
        for n, block in enumerate(blocks, 1):
            lang = block.language()
            lines = block.code.count("\n") + 1
            label = ngettext("Block {n} · {language} · {lines} line", "Block {n} · {language} · {lines} lines",
                             lines)
            self.block_picker.addItem(label.format(n=n, language=lang.title if lang else block.lang or _("code"),
                                                   lines=lines))
        if not blocks:
            self.block_picker.addItem(_("No code blocks yet"))
        main = code_tools.main_block(blocks, self._wanted_language())
        self.block_picker.setCurrentIndex(blocks.index(main) if main is not None else 0)
        self.block_picker.blockSignals(False)
        for button in (self.copy_button, self.save_button, self.replace_button):
            button.setEnabled(bool(blocks))
        self.block_picker.setEnabled(bool(blocks))
        self._show_block(self.block_picker.currentIndex())

    def current_block(self) -> CodeBlock | None:
        index = self.block_picker.currentIndex()
        return self.blocks[index] if 0 <= index < len(self.blocks) else None

    def _block_language(self, block: CodeBlock) -> code_tools.CodeLanguage:
        return block.language() or code_tools.find_language(self._wanted_language())

    def _show_block(self, _index: int) -> None:
        block = self.current_block()
        if block is None:
            self.block_view.set_code("")
            return
        self.block_view.set_language(self._block_language(block).lexer)
        self.block_view.set_code(block.code)

    def copy_block(self) -> None:
        block = self.current_block()
        if block is not None:
            QGuiApplication.clipboard().setText(block.code)
            self.status_message.emit(_("Code copied to the clipboard"))

    def save_block(self, path: str | None = None) -> Path | None:
        """Write the shown code block to a file (asking where, with the language's file suffix)."""
        block = self.current_block()
        if block is None:
            return None
        if path is None:
            suggested = self._folder / f"code{self._block_language(block).extension}"
            path, _unused = QFileDialog.getSaveFileName(self, _("Save code"), str(suggested), _("All files (*)"))
            if not path:
                return None
        try:
            saved = tool_runs.write_text_file(path, block.code.rstrip("\n") + "\n")
        except DesktopGPTError as exc:
            warn(self, _("Save code"), str(exc))
            return None
        self._folder = saved.parent
        self.status_message.emit(f"Saved {saved}")
        self._say(f"Saved {saved}")
        return saved

    def replace_editor(self) -> None:
        """Put the shown block in the editor as one undo step (and switch the language to the block's)."""
        block = self.current_block()
        if block is None:
            return
        lang = block.language()
        if lang is not None and lang.key != self._language().key:
            select(self.language, lang.key)
        self.editor.replace_all(block.code)
        self.status_message.emit(_("The editor holds the code block now (Ctrl+Z undoes it)"))
