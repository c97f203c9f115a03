"""The main window: the four tools as tabs plus the Store, menus, shortcuts and the status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from desktop_gpt import APP_NAME, __version__, log
from desktop_gpt.errors import SettingsError
from desktop_gpt.i18n import _
from desktop_gpt.settings import save_settings
from desktop_gpt.ui.chat.chat_pane import ChatPane
from desktop_gpt.ui import theme
from desktop_gpt.ui.context import AppContext
from desktop_gpt.ui.edit_menu import fill_edit_menu
from desktop_gpt.ui.store.wiring import build_store, fill_apps_menu
from desktop_gpt.ui.status_bar import ModelStatusBar
from desktop_gpt.ui.widgets.safe_text import warn

TAB_CHAT, TAB_WRITING, TAB_TRANSLATION, TAB_CODE, TAB_STORE = range(5)
_log = log.get("ui")
TAB_KEYS = ("chat", "writing", "translation", "code", "store")  # as settings.last_tab names them
DEFAULT_SIZE = (1180, 780)


def settings_shortcuts() -> list[QKeySequence]:
    """The platform's Preferences shortcut (⌘, on macOS); Ctrl+, where the platform has none (Linux, Windows)."""
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
    return keys or [QKeySequence("Ctrl+,")]


class MainWindow(QMainWindow):
    """The window. Owns the panes; the AppContext owns the services they share.

    Signals:
        settings_changed(): the settings were changed and saved (views that depend on them, such as offline
            mode, update at once).
    """

    settings_changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.controller = context.controller
        self.restart_requested = False  # set when the user chose to restart (e.g. for a new language)
        self.setWindowTitle(APP_NAME)
        self._restore_size(context.settings.window)

        self.chat = ChatPane(context.store, self.controller, context.settings, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.chat, _("Chat"))
        self._add_tool_tabs(context)
        self.tabs.addTab(build_store(self), _("Store"))
        self._theme_changed()
        if theme.manager() is not None:
            theme.manager().changed.connect(self._theme_changed)
        self.settings_changed.connect(self.store.settings_changed)
        self.setCentralWidget(self.tabs)

        self.status = ModelStatusBar(self)
        self.setStatusBar(self.status)
        self._build_menus()

        self.controller.loading.connect(self.status.show_loading)
        self.controller.loaded.connect(self.status.show_model)
        self.controller.no_model.connect(lambda _t: self.status.show_no_model())
        self.controller.load_failed.connect(self._load_failed)
        self.controller.load_cancelled.connect(self.status.show_load_ended)
        self.status.cancel_load.connect(self.controller.cancel_load)
        self.chat.stats_changed.connect(self.status.show_chat_stats)  # the figures of the chat on screen
        self.tabs.currentChanged.connect(self._tab_changed)
        self.chat.status_message.connect(lambda text: self.status.showMessage(text, 5000))
        self.chat.open_model_requested.connect(self.open_model_file)
        self.restore_place()
        self._start_local_server(context)

    def _start_local_server(self, context: AppContext) -> None:
        """The switch in Settings → Engine: serve the model to other programs on this computer."""
        from desktop_gpt.ui.local_server import LocalServerSwitch

        self.local_server = LocalServerSwitch(self.controller, context.settings, self)
        self.local_server.changed.connect(self.status.show_serving)
        self.local_server.failed.connect(lambda text: warn(self, _("Local server"), text))
        self.controller.engine_user.connect(self.status.show_engine_user)
        self.local_server.apply()

    def _add_tool_tabs(self, context: AppContext) -> None:
        """The Writing, Translation and Code tabs; their runs stream like chat replies and show in the status bar."""
        from desktop_gpt.storage.documents import DocumentStore
        from desktop_gpt.ui.code.pane import CodePane
        from desktop_gpt.ui.translation.pane import TranslationPane
        from desktop_gpt.ui.writing.pane import WritingPane

        self.writing = WritingPane(context.store, DocumentStore(context.db), self.controller, context.settings, self)
        self.translation = TranslationPane(context.store, self.controller, context.settings, self)
        self.code = CodePane(context.store, self.controller, context.settings, self)
        for pane, name in ((self.writing, _("Writing")), (self.translation, _("Translation")), (self.code, _("Code"))):
            self.tabs.addTab(pane, name)
            pane.status_message.connect(lambda text: self.status.showMessage(text, 5000))
        self.controller.run_finished.connect(lambda _cid, stats: self.status.show_stats(stats))

    # -- menus ----------------------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "", icon: str | None = None) -> QAction:
        action = QAction(text, self)
        if icon:
            theme.set_icon(action, icon)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        self._action(file_menu, _("&New chat"), self.new_chat, QKeySequence.StandardKey.New, icon="message-square-plus")
        self._action(file_menu, _("&Open model file…"), self.open_model_file, "Ctrl+O",
                     _("Load any GGUF model file from disk"), icon="folder-open")
        self._action(file_menu, _("&Export chat…"), lambda: self.chat.export(), "Ctrl+E")
        file_menu.addSeparator()
        self.settings_action = self._action(file_menu, _("&Settings…"), self.open_settings, icon="settings")
        self.settings_action.setShortcuts(settings_shortcuts())
        file_menu.addSeparator()
        self._action(file_menu, _("&Quit"), self.close, QKeySequence.StandardKey.Quit)

        edit_menu = bar.addMenu(_("&Edit"))
        self.edit_actions = fill_edit_menu(self, edit_menu)
        edit_menu.addSeparator()
        self._action(edit_menu, _("&Find in chats"), self.find, QKeySequence.StandardKey.Find, icon="search")

        chat_menu = bar.addMenu(_("&Chat"))
        self.stop_action = self._action(
            chat_menu, _("&Stop"), self.stop_current, "Esc", _("Stop the reply"), icon="circle-stop"
        )
        self._action(chat_menu, _("&Regenerate reply"), lambda: self.chat.regenerate(), "Ctrl+R", icon="refresh-cw")
        self._action(chat_menu, _("Re&name chat…"), lambda: self.chat.rename(), "F2", icon="pencil")
        self._action(chat_menu, _("&System prompt…"), self.chat.edit_system_prompt)
        chat_menu.addSeparator()
        self._action(chat_menu, _("&Delete chat"), lambda: self.chat.delete(), icon="trash-2")

        view_menu = bar.addMenu(_("&View"))
        for index, name in enumerate([_("Chat"), _("Writing"), _("Translation"), _("Code"), _("Store")]):
            self._action(view_menu, name, lambda _c=False, i=index: self.tabs.setCurrentIndex(i), f"Ctrl+{index + 1}")

        fill_apps_menu(self, bar.addMenu(_("&Apps")))  # My apps from any tab, and the Store

        from desktop_gpt.ui.models.controller import ModelsController

        self.models = ModelsController(self)  # Models → Manage models… (Ctrl+M), downloads, GPU probe, fit checks
        self.models.add_menu(bar)
        self.models.system_detected.connect(self.status.set_system)
        if self.models.system is not None:
            self.status.set_system(self.models.system)

        help_menu = bar.addMenu(_("&Help"))
        self._action(help_menu, _("Open &data folder"), lambda: self._open_folder(self.context.paths.data))
        self._action(help_menu, _("Open &log folder"), lambda: self._open_folder(self.context.paths.logs))
        self._action(help_menu, _("&About {app_name}").format(app_name=APP_NAME), self.about)

    def _theme_changed(self, _palette=None) -> None:
        self.tabs.setTabIcon(TAB_STORE, theme.icon("store"))

    # -- actions --------------------------------------------------------------------------------------------
    def new_chat(self) -> None:
        self.tabs.setCurrentIndex(TAB_CHAT)
        self.chat.new_chat()

    def stop_current(self) -> None:
        """Esc stops the run of the tab on screen (Chat, Writing, Translation or Code); other tabs' runs go on."""
        stop = getattr(self.tabs.currentWidget(), "stop", None)
        (stop if callable(stop) else self.chat.stop)()

    def find(self) -> None:
        self.tabs.setCurrentIndex(TAB_CHAT)
        self.chat.conversations.focus_search()

    def open_model_file(self) -> None:
        start = str(self.context.paths.models)
        path, _unused = QFileDialog.getOpenFileName(
            self, _("Open model file"), start, _("GGUF models (*.gguf);;All files (*)")
        )
        if not path:
            return

        self.models.use(path)  # warns first when the model will not fit in memory

    def open_settings(self) -> None:
        from desktop_gpt.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.context.settings, self, **self.models.settings_dialog_args())
        self.models.watch_gpu(dialog.gpu)
        if dialog.exec():
            reload = dialog.apply()
            try:
                save_settings(self.context.settings, self.context.paths)
            except SettingsError as exc:  # a read-only or full disk: the new settings apply until Quit
                warn(self, _("Settings"), str(exc))  # the path in it is data
            if dialog.engine_changed:
                self.controller.switch_engine()
            elif reload:
                self.controller.load()
            if dialog.serving_changed:
                self.local_server.apply()
            self.settings_changed.emit()
            self.status.showMessage(_("Settings saved"), 4000)
            if dialog.theme_changed:
                theme.manager().set_setting(self.context.settings.theme)  # at once, in every window
            if dialog.language_changed:
                self.offer_restart()

    def offer_restart(self) -> QMessageBox:
        """The new language shows after a restart: offer it now (chats and settings are already saved)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            APP_NAME,
            _("The new language is used from the next start. Restart {app} now?").format(app=APP_NAME),
            parent=self,
        )
        box.setObjectName("restartOffer")
        restart = box.addButton(_("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: button is restart and self._restart())
        box.open()
        return box

    def _restart(self) -> None:
        self.restart_requested = True  # ui.app starts the new instance once this one has quit
        if not self.close():  # something asked to stay open
            self.restart_requested = False

    def _load_failed(self, text: str) -> None:
        self.status.show_load_ended()
        warn(self, _("Model"), text)

    def _open_folder(self, path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _about_facts(self) -> list[tuple[str, str]]:
        from desktop_gpt.ui.about import build_facts
        from desktop_gpt.ui.status_bar import device_details, running_on

        info = self.controller.info
        running = f"{running_on(info, self.status.gpu_name)}\n{device_details(info)}" if info is not None else ""
        return build_facts(self.context.paths, self.models.system, running)

    def about_text(self) -> str:
        """The About box's facts as plain text (what its Copy details button copies)."""
        from desktop_gpt.ui.about import facts_text

        return facts_text(self._about_facts())

    def about(self) -> QWidget:
        """Help → About: version, llama.cpp build, Qt and Python, the data folders, and Licences…."""
        from desktop_gpt.ui.about import AboutDialog

        dialog = AboutDialog(self._about_facts(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _tab_changed(self, index: int) -> None:
        if index == TAB_CHAT:
            self.status.show_chat_stats(self.chat.current_stats())

    def restore_place(self) -> None:
        """Reopen the chat and the tab that were on screen when the window was last closed."""
        settings = self.context.settings
        if settings.last_chat is not None:
            try:
                conversation = self.context.store.get(settings.last_chat)
            except KeyError:
                conversation = None  # deleted meanwhile (or by another copy): a new chat, as before
            if conversation is not None and conversation.tool == "chat":
                self.chat.open_conversation(conversation.id)
        if settings.last_tab in TAB_KEYS:
            self.tabs.setCurrentIndex(TAB_KEYS.index(settings.last_tab))

    def _restore_size(self, saved: list | None) -> None:
        """The size the window had when it was last closed (or 1180 x 780), never larger than the screen."""
        width, height, maximized = saved or (DEFAULT_SIZE[0], DEFAULT_SIZE[1], False)
        screen = self.screen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, int(room.width() * 0.95)), min(height, int(room.height() * 0.95))
        self.resize(width, height)
        if maximized:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def remember_place(self) -> None:
        settings = self.context.settings
        size = self.normalGeometry().size() if self.isMaximized() else self.size()
        if size.width() >= 100 and size.height() >= 100:
            settings.window = [size.width(), size.height(), self.isMaximized()]
        settings.last_tab = TAB_KEYS[self.tabs.currentIndex()] if 0 <= self.tabs.currentIndex() < 5 else "chat"
        settings.last_chat = self.chat.conversation_id
        try:
            save_settings(settings, self.context.paths)
        except (OSError, SettingsError) as exc:  # a read-only or full disk: not worth an error on the way out
            _log.info("could not remember the open chat and tab: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.remember_place()
        self.local_server.stop()
        self.models.shutdown()
        self.controller.shutdown()
        super().closeEvent(event)
