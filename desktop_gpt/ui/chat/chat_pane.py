"""The Chat tab: ties the conversation list, the message view and the composer to storage and the engine."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.engine.protocol import GenerationStats
from desktop_gpt.i18n import N_, _
from desktop_gpt.services import chat as chat_service
from desktop_gpt.paths import safe_file_name
from desktop_gpt.services.tool_runs import write_text_file
from desktop_gpt.settings import Settings
from desktop_gpt.storage import ConversationStore, Message
from desktop_gpt.storage.conversations import export_markdown
from desktop_gpt.storage.probabilities import ProbabilityStore
from desktop_gpt.ui import tasks
from desktop_gpt.ui.chat.composer import Composer
from desktop_gpt.ui.chat.conversation_list import ConversationList
from desktop_gpt.ui.chat.message_view import MessageView
from desktop_gpt.ui.chat.probability_body import ProbabilityBody
from desktop_gpt.ui.chat.starters import StarterChips
from desktop_gpt.ui.engine_controller import EngineController
from desktop_gpt.ui.first_run import FirstRunPage
from desktop_gpt.ui.widgets.markdown_view import MarkdownView
from desktop_gpt.ui.widgets.token_view import follow_engine, wanted
from desktop_gpt.ui import theme
from desktop_gpt.ui.widgets.safe_text import PlainLabel, ask, tip, warn

TOP_ALTERNATIVES = 5  # alternatives kept per token with "Show probabilities"
EMPTY_TEXT = N_("Ask anything. Everything stays on this computer.")


class ChatPane(QWidget):
    """Chats with the local model.

    Signals:
        stats_changed(object): the chat on screen changed, or its reply finished: its GenerationStats (None for
            a chat with no reply yet).
        status_message(str): a short note for the status bar.
        open_model_requested(): the user wants to pick a model file (from the first-run page).
    """

    status_message = Signal(str)
    open_model_requested = Signal()
    stats_changed = Signal(object)

    def __init__(self, store: ConversationStore, controller: EngineController, settings: Settings,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.controller = controller
        self.settings = settings
        self.conversation_id: int | None = None
        self._draft_system: str | None = None
        self._draft_app = None  # the app a new chat was started from, until its first message creates it
        self.apps = None  # the AppDirectory (set by the Store) that knows each app's icon
        self._live: dict[int, str] = {}
        self._job: int | None = None  # this tab's reply request (EngineController job id) while it is pending
        self._probabilities = ProbabilityStore(store.db)

        self.conversations = ConversationList(store, "chat", self)
        self.title_label = PlainLabel(_("New chat"), self)
        self.title_label.setObjectName("chatTitle")
        self.system_button = QPushButton(_("System prompt…"), self)
        self.system_button.setToolTip(_("What this chat tells the model before your first message"))
        self.export_button = QPushButton(_("Export…"), self)
        self.export_button.setToolTip(_("Save this chat as a Markdown file (Ctrl+E)"))
        header = QHBoxLayout()
        header.setContentsMargins(12, 8, 12, 0)
        self.app_badge = QLabel(self)
        self.app_badge.setObjectName("chatAppBadge")
        self.app_badge.hide()
        header.addWidget(self.app_badge)
        header.addWidget(self.title_label, 1)
        self.apps_button = QToolButton(self)  # its menu (My apps) is filled by the Store
        self.apps_button.setText(_("Apps ▾"))  # the arrow is part of the text: the style's indicator overlapped it
        self.apps_button.setToolTip(_("Start a chat with one of your apps"))
        self.apps_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.apps_button.setMenu(QMenu(self.apps_button))
        header.addWidget(self.apps_button)
        header.addWidget(self.system_button)
        header.addWidget(self.export_button)
        self.probabilities_button = QToolButton(self)
        self.probabilities_button.setText(_("Show probabilities"))
        self.probabilities_button.setToolTip(_("Shade each word of new replies by how likely the model found it; "
                                               "click a word to see the alternatives and continue with one"))
        self.probabilities_button.setCheckable(True)
        self.probabilities_button.toggled.connect(self.show_probabilities)
        follow_engine(self.probabilities_button, controller.loaded)
        header.addWidget(self.probabilities_button)
        self.notice = PlainLabel("", self)
        self.notice.setObjectName("chatNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.view = MessageView(self)
        self.view.set_empty_text(_(EMPTY_TEXT))
        self.composer = Composer(self)
        self.starters = StarterChips(self)
        self.starters.hide()

        chat_area = QWidget(self)
        col = QVBoxLayout(chat_area)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(4)
        col.addLayout(header)
        col.addWidget(self.notice)
        col.addWidget(self.view, 1)
        col.addWidget(self.starters)
        col.addWidget(self.composer)

        self.first_run = FirstRunPage(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(chat_area)
        self.stack.addWidget(self.first_run)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.conversations)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([240, 760])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self.composer.send_requested.connect(self.send)
        self.starters.starter_clicked.connect(self.send)
        self.starters.app_clicked.connect(lambda app_id: self.start_app(self.apps.find(app_id)))
        self.composer.stop_requested.connect(self.stop)
        self.conversations.selected.connect(self.open_conversation)
        self.conversations.match_selected.connect(self.open_match)
        self.conversations.new_requested.connect(self.new_chat)
        self.conversations.rename_requested.connect(self.rename)
        self.conversations.delete_requested.connect(self.delete)
        self.conversations.export_requested.connect(self.export)
        self.system_button.clicked.connect(self.edit_system_prompt)
        self.export_button.clicked.connect(lambda: self.export(self.conversation_id))
        self.view.edit_submitted.connect(self.resend_edited)
        self.view.regenerate_requested.connect(self.regenerate)
        self.view.branch_requested.connect(self.switch_branch)
        self.view.copied.connect(lambda _t: self.status_message.emit(_("Copied to the clipboard")))
        self.first_run.open_requested.connect(self.open_model_requested)

        controller.job_ended.connect(self._job_ended)
        if theme.manager() is not None:
            theme.manager().changed.connect(self._theme_changed)
        controller.reply_started.connect(self._reply_started)
        controller.reply_text.connect(self._reply_text)
        controller.reply_trimmed.connect(self._reply_trimmed)
        controller.reply_finished.connect(self._reply_finished)
        controller.reply_failed.connect(self._reply_failed)
        controller.no_model.connect(self._no_model)
        controller.loaded.connect(lambda _info: self.stack.setCurrentIndex(0))

        self.conversations.refresh()
        self._update_header()

    # -- conversations --------------------------------------------------------------------------------------
    def new_chat(self) -> None:
        """Start a new chat (it is saved when the first message is sent)."""
        self.conversation_id = None
        self._draft_system = None
        self._draft_app = None
        self.view.clear()
        self.notice.hide()
        self.conversations.set_current(None)
        self._update_header()
        self.stats_changed.emit(None)
        self.composer.editor.setFocus()

    def set_apps(self, apps) -> None:
        """The Store's AppDirectory: app names, icons and suggestions in this tab."""
        self.apps = apps
        self.conversations.apps = apps
        apps.changed.connect(self.conversations.refresh)
        apps.changed.connect(self._update_header)
        self.conversations.refresh()
        self._update_header()

    def start_app(self, app) -> None:
        """Start a new chat with an app: its instructions, parameters, name, icon and starters."""
        self.new_chat()
        self._draft_app = app
        self._update_header()

    def open_conversation(self, conversation_id: int) -> None:
        self.conversation_id = conversation_id
        self.conversations.set_current(conversation_id)
        self.notice.hide()
        self.reload()
        self._update_header()

    def _theme_changed(self, _palette) -> None:
        self.view.cache.clear()  # rendered in the old colours
        self.reload()  # code blocks and tiles drawn in the old colours are drawn again

    def open_match(self, conversation_id: int, message_id: int, text: str) -> None:
        """Open a search result: the chat, on the branch that holds the message, scrolled to it with ``text``
        marked in it."""
        if not self.controller.generating:  # while a reply streams the branch stays as it is
            try:
                message = self.store.message(message_id)
            except KeyError:  # deleted since the search
                message = None
            if message is not None and message_id not in {m.id for m in self.store.active_path(conversation_id)}:
                self.store.switch_branch(message_id)
        self.open_conversation(conversation_id)
        self.view.scroll_to_message(message_id, highlight=text)

    def reload(self) -> None:
        """Show the current branch of the current conversation from the database."""
        if self.conversation_id is None:
            self.view.clear()
            self.stats_changed.emit(None)
            return
        path = self.store.active_path(self.conversation_id)
        live = {m.id: self.controller.streaming_text(m.id) for m in path if m.status == "streaming"}
        self.view.show_messages(path, self.store.versions(self.conversation_id),
                                {k: v for k, v in live.items() if v is not None})
        self.stats_changed.emit(self.current_stats(path))

    def current_stats(self, path: list[Message] | None = None) -> GenerationStats | None:
        """How the last reply of the chat on screen went (context used, speed): the status bar shows this chat's
        figures, not another's. None for a new chat or one with no reply yet."""
        if self.conversation_id is None:
            return None
        if path is None:
            try:
                path = self.store.active_path(self.conversation_id)
            except KeyError:
                return None
        known = GenerationStats.__dataclass_fields__
        for message in reversed(path):
            if message.role == "assistant" and message.stats:
                return GenerationStats(**{k: v for k, v in message.stats.items() if k in known})
        return None

    def _update_header(self) -> None:
        conv = self.store.get(self.conversation_id) if self.conversation_id is not None else None
        self._show_app(conv)
        if conv is None:
            self.title_label.setText(_("New chat"))
            self.export_button.setEnabled(False)
            return
        self.title_label.setText(conv.title or "New chat")
        self.export_button.setEnabled(True)

    def _app_pixmap(self, app_id: str | None, name: str, size: int):
        if self.apps is not None:
            return self.apps.pixmap(app_id, name, size)
        from desktop_gpt.ui.store.icons import app_pixmap

        return app_pixmap(name, None, size)

    def _show_app(self, conv) -> None:
        """The app of this chat in the header (icon and name), and its starters while the chat is empty."""
        app = self._draft_app if conv is None else (self.apps.find(conv.app_id) if self.apps and conv.app_id
                                                    else None)
        app_id = conv.app_id if conv is not None else getattr(app, "id", None)
        name = (conv.app_name if conv is not None else None) or getattr(app, "name", None) or app_id
        self.view.assistant_name = name or _("Assistant")
        if not name:
            self.app_badge.hide()
            self.view.set_empty_text(_(EMPTY_TEXT))
            suggestions = self.apps.suggestions() if self.apps is not None and conv is None else []
            if suggestions:
                self.starters.show_suggestions([(a.id, a.name, a.description, self.apps.icon(a.id, a.name))
                                                for a in suggestions])
            self.starters.setVisible(bool(suggestions))
            return
        self.app_badge.setPixmap(self._app_pixmap(app_id, name, 22))
        self.app_badge.setToolTip(tip(f"Started from the app “{name}”"))
        self.app_badge.show()
        empty = conv is None or conv.current_leaf_id is None
        if empty and app is not None:
            self.starters.show_app(name, app.description, self._app_pixmap(app_id, name, 56),
                                   list(app.starters or ()))
            self.view.set_empty_text("")
            self.starters.show()
        else:
            self.starters.hide()

    def _existing(self, cid: int):
        """The conversation, or None when it was deleted meanwhile (in another window, by the command line):
        then the list is refreshed and the user told, instead of a traceback."""
        try:
            return self.store.get(cid)
        except KeyError:
            if cid == self.conversation_id:
                self.new_chat()
            self.conversations.refresh()
            self.status_message.emit(_("That chat no longer exists: it was deleted elsewhere."))
            return None

    def rename(self, conversation_id: int | None = None) -> None:
        cid = conversation_id or self.conversation_id
        if cid is None or (conv := self._existing(cid)) is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle(_("Rename chat"))
        dialog.setLabelText(_("Name:"))
        dialog.setTextValue(conv.title or "")
        # wide enough for the whole title (within reason), not the dialog's narrow default
        width = dialog.fontMetrics().horizontalAdvance(conv.title or "") + 120
        dialog.resize(min(max(420, width), 900), dialog.sizeHint().height())
        self.rename_dialog = dialog
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        title = dialog.textValue()
        self.rename_dialog = None
        if ok and title.strip() and self._existing(cid) is not None:
            self.store.rename(cid, title)
            self.conversations.refresh()
            self._update_header()

    def delete(self, conversation_id: int | None = None) -> None:
        cid = conversation_id or self.conversation_id
        if cid is None or (conv := self._existing(cid)) is None:
            return
        if not ask(self, "Delete chat",
                   f"Delete “{conv.title or 'New chat'}” and all its messages? This cannot be undone."):
            return
        chat_service.delete_conversation(self.store, self.controller.engine, cid)
        if cid == self.conversation_id:
            self.new_chat()
        self.conversations.refresh()

    def export(self, conversation_id: int | None = None) -> None:
        cid = conversation_id or self.conversation_id
        if cid is None or (conv := self._existing(cid)) is None:
            return
        name = safe_file_name(conv.title or "", "chat")
        path, _filter = QFileDialog.getSaveFileName(self, _("Export chat"), str(Path.home() / f"{name}.md"),
                                              _("Markdown (*.md);;Text (*.txt)"))
        if not path:
            return
        store = self.store
        # token probabilities go in only when asked for: while "Show probabilities" is on
        probabilities = self._probabilities.load if self.probabilities_button.isChecked() else None

        def write() -> str:  # off the GUI thread: a chat of thousands of messages takes a moment
            current = store.get(cid)
            write_text_file(path, export_markdown(current, store.path_to(current.current_leaf_id), probabilities))
            return path

        self.status_message.emit(_("Exporting to {path}…").format(path=path))
        self.export_task = tasks.run(write, lambda done: self.status_message.emit(_("Exported to {path}").format(
            path=done)), lambda text: warn(self, _("Export chat"), text), owner=self, name="export")

    def edit_system_prompt(self) -> None:
        current = (self.store.get(self.conversation_id).system_prompt if self.conversation_id is not None
                   else self._draft_system if self._draft_system is not None
                   else self._draft_app.instructions if self._draft_app is not None else self.settings.system_prompt)
        dialog = QDialog(self)
        dialog.setWindowTitle(_("System prompt"))
        box = QPlainTextEdit(dialog)
        box.setPlainText(current)
        hint = QLabel(_("Instructions the model sees before the conversation. Changing it makes the next reply re-read "
            "the whole chat."), dialog)
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        col = QVBoxLayout(dialog)
        col.addWidget(hint)
        col.addWidget(box)
        col.addWidget(buttons)
        dialog.resize(520, 320)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if self.conversation_id is None:
            self._draft_system = box.toPlainText()
        else:
            self.store.update(self.conversation_id, system_prompt=box.toPlainText())
        self.status_message.emit(_("System prompt saved"))

    # -- sending --------------------------------------------------------------------------------------------
    def _params(self) -> dict:
        params = chat_service.reply_params(self.settings.sampling(), self.store, self.conversation_id)
        if wanted(self.probabilities_button):
            params["top_logprobs"] = TOP_ALTERNATIVES
        return params

    # -- probabilities ----------------------------------------------------------------------------------------
    def show_probabilities(self, on: bool) -> None:
        """Replies generated from now on carry their token probabilities; replies that have them show them."""
        if self.probabilities_button.isChecked() != on:
            self.probabilities_button.setChecked(on)  # comes back here through toggled
            return
        self.view.set_body_factory(self._probability_body if on else None)

    def _probability_body(self, message: Message, parent):
        if message.role != "assistant":
            return MarkdownView(parent)
        body = ProbabilityBody(message, self._probabilities.load, parent)
        body.tokens.continue_requested.connect(
            lambda position, token, mid=message.id: self.continue_with(mid, position, token))
        return body

    def continue_with(self, message_id: int, position: int, token: int) -> None:
        """"Continue with this word instead": a new version of the reply, from the chosen token on."""
        if self.busy:
            self.status_message.emit(_("Stop the current reply first"))
            return
        reply = self.store.message(message_id)
        self.view.remove_after(reply.parent_id)
        self._job = self.controller.continue_reply(reply, position, token, self._params())
        self.composer.set_busy(True)

    def send(self, text: str) -> None:
        """Commit the user's message, show it, and ask the engine for a reply."""
        if self.conversation_id is None:
            conv = chat_service.new_conversation(self.store, self.settings.system_prompt, self._draft_app,
                                                 self._draft_system)
            self.conversation_id = conv.id
            self._draft_system = None
            self._draft_app = None
        message = chat_service.send(self.store, self.conversation_id, text)
        self.view.add_message(message)
        self.view.scroll_to_bottom()
        self.conversations.set_current(self.conversation_id)
        self.conversations.refresh()
        self._update_header()
        self.notice.hide()
        self._generate(message)

    @property
    def busy(self) -> bool:
        """This tab's reply is being written or waits its turn (another tab's run does not count)."""
        return self._job is not None

    def _generate(self, message: Message) -> None:
        self._job = self.controller.generate(message, self._params())
        self.composer.set_busy(True)

    def _job_ended(self, job_id: int) -> None:
        if job_id == self._job:
            self._job = None
            self.composer.set_busy(False)

    def resend_edited(self, message_id: int, text: str) -> None:
        if self.busy:
            self.status_message.emit(_("Stop the current reply first"))
            return
        message = chat_service.edit(self.store, message_id, text)
        self.reload()
        self._generate(message)

    def regenerate(self, message_id: int | None = None) -> None:
        if self.busy or self.conversation_id is None:
            return
        user = chat_service.regenerate_target(self.store, self.conversation_id, message_id)
        if user is None:
            return
        self.view.remove_after(user.id)
        self._generate(user)

    def switch_branch(self, message_id: int) -> None:
        if self.busy:
            self.status_message.emit(_("Stop the current reply first"))
            return
        self.store.switch_branch(message_id)
        self.reload()

    def stop(self) -> None:
        """Stop this tab's reply, whether it is being written or still waiting (other tabs' runs go on)."""
        if self._job is not None:
            self.controller.stop(self._job)

    # -- engine signals -------------------------------------------------------------------------------------
    def _reply_started(self, message: Message) -> None:
        if message.conversation_id != self.conversation_id:
            return
        self.view.remove_after(message.parent_id)
        versions = self.store.versions(message.conversation_id).get(message.id)
        self.view.add_message(message, versions)

    def _reply_text(self, message_id: int, text: str) -> None:
        self.view.append_text(message_id, text)

    def _reply_trimmed(self, message_id: int, text: str) -> None:
        self.notice.setText("ⓘ " + text)
        self.notice.show()

    def _reply_finished(self, message_id: int, stats: GenerationStats) -> None:
        message = self.store.message(message_id)
        self.view.finish_message(message)
        self.conversations.refresh()
        if message.conversation_id == self.conversation_id:
            self.stats_changed.emit(stats)

    def _reply_failed(self, message_id: int, text: str) -> None:
        try:
            message = self.store.message(message_id)
        except KeyError:
            message = None
        if message is None or not self.view.finish_message(message):
            warn(self, "Desktop GPT", text)
        # the status bar holds one short line: the first sentence (the whole text is in the chat or the box)
        first = text.split(". ")[0].rstrip(".")
        self.status_message.emit(first + "." if len(first) < len(text.rstrip(".")) else text)

    def _no_model(self, text: str) -> None:
        self.first_run.set_text(text)
        self.stack.setCurrentWidget(self.first_run)
