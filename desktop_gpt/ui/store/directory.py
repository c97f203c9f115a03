"""The apps this computer has (installed and built-in) as the window sees them: names, icons, lookups."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon, QPixmap

from desktop_gpt import log
from desktop_gpt.store.library import AppLibrary, InstalledApp
from desktop_gpt.ui.store.icons import app_icon, app_pixmap

_log = log.get("ui.store")

SUGGESTED_BUILTINS = ("tutor", "poet", "summariser", "code-reviewer")


class AppDirectory(QObject):
    """Wraps the AppLibrary for the GUI; read on the GUI thread (a few small local files), written by tasks.

    Signals:
        changed(): an app was installed, updated or removed (the list was read again).
    """

    changed = Signal()

    def __init__(self, library: AppLibrary | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library or AppLibrary()
        self._apps: list[InstalledApp] = []
        self._by_id: dict[str, InstalledApp] = {}
        self.refresh(quiet=True)

    def refresh(self, quiet: bool = False) -> None:
        """Read the installed and built-in apps again."""
        self._apps = list(self.library.apps())
        self._by_id = {}
        for app in self._apps:
            self._by_id[app.id] = app
            if app.repo_id:
                self._by_id.setdefault(app.repo_id, app)
        if not quiet:
            self.changed.emit()

    def apps(self) -> list[InstalledApp]:
        """Installed apps (by name), then the built-in ones (by name)."""
        return list(self._apps)

    def installed(self) -> list[InstalledApp]:
        return [a for a in self._apps if a.source != "builtin"]

    def builtin(self) -> list[InstalledApp]:
        return [a for a in self._apps if a.source == "builtin"]

    def suggestions(self, count: int = 4) -> list[InstalledApp]:
        """Apps to offer in an empty new chat: chat apps, installed ones first, then a varied set of built-ins."""
        chat = [a for a in self._apps if a.tool == "chat"]
        picked = [a for a in chat if a.source != "builtin"][:count]
        preferred = [self._by_id.get(f"builtin:{name}") for name in SUGGESTED_BUILTINS]
        for app in [a for a in preferred if a is not None] + chat:
            if len(picked) >= count:
                break
            if app not in picked:
                picked.append(app)
        return picked

    def find(self, app_id: str | None) -> InstalledApp | None:
        """The app with this id (or Hub repo id), if it is on this computer."""
        return self._by_id.get(app_id) if app_id else None

    def pixmap(self, app_id: str | None, name: str, size: int = 32) -> QPixmap:
        """The app's icon; a letter tile for an app without one, or one no longer installed."""
        app = self.find(app_id)
        return app_pixmap(app.name if app else name, app.icon_path if app else None, size)

    def icon(self, app_id: str | None, name: str) -> QIcon:
        app = self.find(app_id)
        return app_icon(app.name if app else name, app.icon_path if app else None)
