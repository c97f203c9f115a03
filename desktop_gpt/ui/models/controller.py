"""The model manager's place in the main window: the Models menu, the download queue, the GPU probe, fit checks."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox

from desktop_gpt import log
from desktop_gpt.engine import devices
from desktop_gpt.engine.devices import SystemInfo
from desktop_gpt.models.library import ModelLibrary
from desktop_gpt.store.hub import HubConfig
from desktop_gpt.ui import tasks
from desktop_gpt.ui.models.downloads import Downloads
from desktop_gpt.ui.models.fit_warning import confirm_fit
from desktop_gpt.i18n import _

_log = log.get("ui.models")


class ModelsController(QObject):
    """Wires the model manager into the main window (``window.context``, ``window.controller``, ``window.status``).

    The download queue is created when the manager first opens and lives as long as the window; downloads go on
    when the manager is closed and are paused (resumable) when the window closes.

    Signals:
        system_detected(SystemInfo): the GPU/backend probe answered (once per app run).
    """

    system_detected = Signal(object)

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.context = window.context
        self.settings = window.context.settings
        self.library = ModelLibrary(self.settings, window.context.paths)
        self.downloads: Downloads | None = None
        self.manager = None
        self.system: SystemInfo | None = devices.cached()
        self.action = QAction(_("&Manage models…"), window)
        self.action.setShortcut(QKeySequence("Ctrl+M"))
        self.action.setStatusTip(_("Installed models, recommended models, Hub search and downloads"))
        self.action.triggered.connect(lambda: self.open())
        window.status.manage_models.connect(lambda: self.open())
        window.controller.loaded.connect(self._model_loaded)
        window.settings_changed.connect(self._settings_changed)
        if self.system is None:
            tasks.run(devices.detect, self._detected, lambda text: _log.warning("GPU probe failed: %s", text),
                      owner=self, name="gpu-probe")

    def add_menu(self, bar):
        """The Models menu (placed by the main window in its menu bar)."""
        menu = bar.addMenu(_("&Models"))
        menu.addAction(self.action)
        return menu

    def _model_loaded(self, info) -> None:
        if self.manager is not None:  # the model in use is marked in Installed
            self.manager.installed.set_in_use(info.path)

    def _settings_changed(self) -> None:
        if self.manager is not None:
            self.manager.settings_changed()

    def _detected(self, system: SystemInfo) -> None:
        self.system = system
        self.system_detected.emit(system)

    def config(self) -> HubConfig:
        return HubConfig.resolve(self.settings)

    # -- the manager ----------------------------------------------------------------------------------------
    def ensure_downloads(self) -> Downloads:
        if self.downloads is None:
            self.downloads = Downloads(self.context.paths.models, self.config, self,
                                       max_active=getattr(self.settings, "download_threads", 1))
        return self.downloads

    def open(self, tab: int | None = None):
        """Show the model manager (created on first use), on ``tab`` if given."""
        from desktop_gpt.ui.models.window import TAB_INSTALLED, ModelManager

        if self.manager is None:
            self.manager = ModelManager(self.settings, self.library, self.ensure_downloads(), self.config,
                                        self.window)
            self.manager.use.connect(self.use)
            info = self.window.controller.info
            self.manager.installed.set_in_use(info.path if info is not None else None)
        self.manager.show_tab(TAB_INSTALLED if tab is None and not self.manager.isVisible() else
                              (tab if tab is not None else self.manager.tabs.currentIndex()))
        return self.manager

    # -- loading --------------------------------------------------------------------------------------------
    def use(self, path: str) -> QMessageBox | None:
        """Load a model the person chose, after warning when it will not fit (load anyway / cancel)."""
        return confirm_fit(self.window, path, self.settings.context_size,
                           lambda: self.window.controller.load(str(path)))

    def settings_dialog_args(self) -> dict:
        """What the settings dialog needs for its GPU controls: the probe's answer and the model's layer count."""
        info = self.window.controller.info
        return {"system": self.system, "layers_total": info.layers_total if info is not None else 0}

    def watch_gpu(self, gpu_controls) -> None:
        """Give a settings dialog's GPU controls the probe's answer when it arrives after the dialog opened."""
        if self.system is None:
            self.system_detected.connect(gpu_controls.set_system)

    def shutdown(self) -> None:
        """Pause downloads (their partial files are kept and listed as paused next time)."""
        if self.downloads is not None:
            self.downloads.shutdown()
