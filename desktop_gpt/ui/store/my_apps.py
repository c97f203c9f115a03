"""My apps: the installed and built-in apps in a sidebar; a click opens one, the context menu does the rest."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QMenu, QPushButton, QVBoxLayout, QWidget

from desktop_gpt.ui.store.app_meta import tool_name
from desktop_gpt.ui.store.directory import AppDirectory
from desktop_gpt.i18n import _
from desktop_gpt.ui.widgets.safe_text import tip

ID_ROLE = Qt.ItemDataRole.UserRole


class MyAppsList(QWidget):
    """The apps on this computer, installed ones first.

    Signals:
        launch_requested(object): open this InstalledApp in its tool.
        page_requested(object): show this app's page.
        update_requested(object): check the Hub for a newer version of this app.
        uninstall_requested(object): remove this app.
        browse_requested(): show the Store's listing.
    """

    launch_requested = Signal(object)
    page_requested = Signal(object)
    update_requested = Signal(object)
    uninstall_requested = Signal(object)
    browse_requested = Signal()

    def __init__(self, directory: AppDirectory, parent: QWidget | None = None):
        super().__init__(parent)
        self.directory = directory
        self.updates: set[str] = set()  # ids of apps with a newer version on the Hub
        self.browse_button = QPushButton(_("Browse the Store"), self)
        self.browse_button.setObjectName("browseButton")
        title = QLabel(_("My apps"), self)
        title.setObjectName("myAppsTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("myAppsList")
        self.list.setIconSize(QSize(28, 28))
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        hint = QLabel(_("Click an app to open it. Right-click for its page, updates and removal."), self)
        hint.setObjectName("myAppsHint")
        hint.setWordWrap(True)
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 4, 8)
        col.addWidget(self.browse_button)
        col.addWidget(title)
        col.addWidget(self.list, 1)
        col.addWidget(hint)
        self.browse_button.clicked.connect(self.browse_requested)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self.list.customContextMenuRequested.connect(self._menu)
        directory.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for heading, apps in ((_("Installed"), self.directory.installed()), (_("Built in"), self.directory.builtin())):
            if not apps:
                continue
            header = QListWidgetItem(heading.upper())
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setData(Qt.ItemDataRole.AccessibleTextRole, heading)
            self.list.addItem(header)
            for app in apps:
                newer = app.id in self.updates
                item = QListWidgetItem(self.directory.icon(app.id, app.name), app.name + ("  ⬆" if newer else ""))
                item.setData(ID_ROLE, app.id)
                item.setToolTip(tip(f"{app.name} — {tool_name(app.tool)}\n{app.description}"
                                + ("\nA newer version is available: right-click → Check for update." if newer else "")))
                self.list.addItem(item)

    def set_updates(self, app_ids: set[str]) -> None:
        self.updates = set(app_ids)
        self.refresh()

    def app_ids(self) -> list[str]:
        """The ids listed, in order (for tests and the Apps menu)."""
        return [self.list.item(i).data(ID_ROLE) for i in range(self.list.count())
                if self.list.item(i).data(ID_ROLE) is not None]

    def item_for(self, app_id: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == app_id:
                return self.list.item(i)
        return None

    def _app(self, item: QListWidgetItem | None):
        return self.directory.find(item.data(ID_ROLE)) if item is not None else None

    def _clicked(self, item: QListWidgetItem) -> None:
        app = self._app(item)
        if app is not None:
            self.launch_requested.emit(app)

    def _menu(self, pos) -> None:
        app = self._app(self.list.itemAt(pos))
        if app is None:
            return
        menu = self.menu_for(app)
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def menu_for(self, app) -> QMenu:
        menu = QMenu(self)
        menu.addAction(_("Open in {tool}").format(tool=tool_name(app.tool)), lambda: self.launch_requested.emit(app))
        menu.addAction(_("About this app…"), lambda: self.page_requested.emit(app))
        if app.source == "hub":
            menu.addAction(_("Check for update"), lambda: self.update_requested.emit(app))
        if app.removable:
            menu.addSeparator()
            menu.addAction(_("Uninstall…"), lambda: self.uninstall_requested.emit(app))
        return menu
