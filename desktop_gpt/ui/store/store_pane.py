"""The Store tab: My apps on the left; the listing or an app's page on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from desktop_gpt.settings import Settings
from desktop_gpt.ui.store.app_page import AppPage
from desktop_gpt.ui.store.browse import BrowsePage
from desktop_gpt.ui.store.directory import AppDirectory
from desktop_gpt.ui.store.my_apps import MyAppsList
from desktop_gpt.ui.store.tasks import TaskRunner


class StorePane(QWidget):
    """Browse, install and manage apps. The Hub is first contacted when the tab is first shown.

    Signals:
        launch_requested(object): open this InstalledApp in its tool.
        status_message(str): a short note for the status bar.
    """

    launch_requested = Signal(object)
    status_message = Signal(str)

    def __init__(self, settings: Settings, directory: AppDirectory, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.directory = directory
        self.runner = TaskRunner(self)
        self.my_apps = MyAppsList(directory, self)
        self.browse = BrowsePage(settings, self.runner, self)
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
        self.page.installed.connect(lambda app: self.status_message.emit(f"Installed {app.name}"))
        self.page.uninstalled.connect(lambda _id: self.status_message.emit("App uninstalled"))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.browse.start()

    def shutdown(self) -> None:
        """Let running Hub calls end (they are short: the client's timeouts bound them)."""
        self.runner.wait()

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

    def check_update(self, app) -> None:
        self.show_app_page(app)
        self.page.check_update()

    def uninstall(self, app) -> None:
        self.show_app_page(app)
        self.page.uninstall()
