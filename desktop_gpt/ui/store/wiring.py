"""Puts the Store into the main window: the tab, My apps in the Chat tab and the Apps menu, and app launching."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QMenu

from desktop_gpt.store.library import AppLibrary
from desktop_gpt.ui.store.directory import AppDirectory
from desktop_gpt.ui.store.store_pane import StorePane
from desktop_gpt.ui.store.tool_apps import open_in_tool
from desktop_gpt.i18n import _


class AppLauncher(QObject):
    """Opens an app in its tool: a new chat with it, or the Writing/Translation/Code tab with it in use.

    Signals:
        launched(object): the InstalledApp that was opened.
    """

    launched = Signal(object)

    def __init__(self, window, directory: AppDirectory):
        super().__init__(window)
        self.window = window
        self.directory = directory

    def launch(self, app) -> None:
        w = self.window
        if app.tool == "chat":
            w.tabs.setCurrentWidget(w.chat)
            w.chat.start_app(app)
            w.chat.composer.editor.setFocus()
        else:
            pane = {"writing": w.writing, "translation": w.translation, "code": w.code}[app.tool]
            open_in_tool(pane, app, self.directory.pixmap(app.id, app.name, 20))
            w.tabs.setCurrentWidget(pane)
        self.launched.emit(app)


def build_store(window) -> StorePane:
    """The Store tab of ``window``; also gives the Chat tab the app icons and the window ``launcher``/``apps``."""
    context = window.context
    directory = AppDirectory(AppLibrary(context.paths.apps), parent=window)
    window.apps = directory
    window.launcher = AppLauncher(window, directory)
    window.chat.set_apps(directory)
    fill_apps_menu(window, window.chat.apps_button.menu())
    pane = StorePane(context.settings, directory, window)
    pane.launch_requested.connect(window.launcher.launch)
    pane.status_message.connect(lambda text: window.statusBar().showMessage(text, 5000))
    window.store = pane
    window.installEventFilter(_CloseWatcher(pane))
    return pane


class _CloseWatcher(QObject):
    """Lets the Store's Hub calls end (briefly) when the window closes, so none reports to a closed window."""

    def __init__(self, pane: StorePane):
        super().__init__(pane)
        self.pane = pane

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Close:
            self.pane.shutdown()
        return False


def fill_apps_menu(window, menu: QMenu) -> None:
    """The Apps menu: every app on this computer (a click opens it) and the Store; rebuilt each time it opens."""

    def rebuild() -> None:
        menu.clear()
        menu.addAction(_("Browse the Store"), lambda: (window.tabs.setCurrentWidget(window.store),
                                                   window.store.show_browse()))
        for heading, apps in ((_("Installed"), window.apps.installed()), (_("Built in"), window.apps.builtin())):
            if not apps:
                continue
            menu.addSection(heading)
            for app in apps:
                menu.addAction(window.apps.icon(app.id, app.name), app.name,
                               lambda *_unused, a=app: window.launcher.launch(a))

    menu.aboutToShow.connect(rebuild)
    rebuild()
