"""The Store tab: My apps on the left; the listing or an app's page on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from desktop_gpt import log
from desktop_gpt.errors import DesktopGPTError, HubUnavailable
from desktop_gpt.settings import Settings
from desktop_gpt.ui.store.app_page import AppPage
from desktop_gpt.ui.store.browse import BrowsePage
from desktop_gpt.ui.store.directory import AppDirectory
from desktop_gpt.ui.store.my_apps import MyAppsList
from desktop_gpt.ui.tasks import TaskRunner
from desktop_gpt.i18n import _, ngettext

_log = log.get("ui.store")


class StorePane(QWidget):
    """Browse, install and manage apps. The Hub is first contacted when the tab is first shown.

    Signals:
        launch_requested(object): open this InstalledApp in its tool.
        status_message(str): a short note for the status bar.
        updates_checked(dict): the installed Hub apps were checked; app id → AppUpdate for those with a newer
            version.
    """

    launch_requested = Signal(object)
    status_message = Signal(str)
    updates_checked = Signal(dict)

    def __init__(self, settings: Settings, directory: AppDirectory, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.directory = directory
        self.runner = TaskRunner(self)
        self.updates: dict = {}  # app id → AppUpdate found by the check when the Store is first shown
        self._checked = False
        self.my_apps = MyAppsList(directory, self)
        self.browse = BrowsePage(settings, self.runner, self,
                                 is_installed=lambda repo_id: directory.find(repo_id) is not None)
        self.page = AppPage(settings, directory, self.runner, self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.browse)
        self.stack.addWidget(self.page)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.my_apps)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 950])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self.my_apps.launch_requested.connect(self.launch_requested)
        self.my_apps.page_requested.connect(self.show_app_page)
        self.my_apps.update_requested.connect(self.check_update)
        self.my_apps.uninstall_requested.connect(self.uninstall)
        self.my_apps.browse_requested.connect(self.show_browse)
        self.browse.app_clicked.connect(self.show_repo_page)
        self.page.back_requested.connect(self.show_browse)
        self.page.launch_requested.connect(self.launch_requested)
        self.page.installed.connect(self._installed)
        self.page.uninstalled.connect(lambda _id: self.status_message.emit(_("App uninstalled")))
        directory.changed.connect(self.browse.mark_installed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.browse.start()
        if not self._checked:
            self._checked = True
            self.check_updates()

    def check_updates(self) -> None:
        """Ask the Hub, in the background, whether the installed Hub apps have newer versions."""
        config = self.page.config()
        apps = [a for a in self.directory.installed() if a.source == "hub"]
        if config.offline or not apps:
            return
        library = self.directory.library

        def work() -> dict:
            found = {}
            for app in apps:
                try:
                    update = library.check_update(config, app)
                except HubUnavailable:
                    break  # the Hub is down: the listing says so; no point asking about every app
                except DesktopGPTError as exc:
                    _log.info("update check for %s failed: %s", app.id, exc)
                    continue
                if update is not None:
                    found[app.id] = update
            return found

        self.runner.start(work).done.connect(self._updates_found)

    def _updates_found(self, found: dict) -> None:
        self.updates = found
        self.my_apps.set_updates(set(found))
        if found:
            self.status_message.emit(ngettext("{n} app update available in My apps",
                                              "{n} app updates available in My apps", len(found)).format(n=len(found)))
        self.updates_checked.emit(found)

    def _installed(self, app) -> None:
        self.updates.pop(app.id, None)
        self.my_apps.set_updates(set(self.updates))
        self.status_message.emit(f"Installed {app.name}")

    def settings_changed(self) -> None:
        """The settings were saved: offline mode and the Hub address take effect in every view at once."""
        self.browse.settings_changed()
        self.page.settings_changed()

    def shutdown(self) -> None:
        """Let running Hub calls end (they are short: the client's timeouts bound them)."""
        self.runner.wait()
        self.browse.save_index()

    # -- navigation -----------------------------------------------------------------------------------------
    def show_browse(self) -> None:
        self.stack.setCurrentWidget(self.browse)
        self.browse.start()

    def show_repo_page(self, repo_id: str) -> None:
        self.page.show_repo(repo_id)
        self.stack.setCurrentWidget(self.page)

    def show_app_page(self, app) -> None:
        self.page.show_app(app)
        self.stack.setCurrentWidget(self.page)
        if app.id in self.updates:
            self.page.show_update(self.updates[app.id])

    def check_update(self, app) -> None:
        self.show_app_page(app)
        self.page.check_update()

    def uninstall(self, app) -> None:
        self.show_app_page(app)
        self.page.uninstall()
