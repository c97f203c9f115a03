"""The window's local server: started and stopped from Settings, on the window's engine, in turn with it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop_gpt import log
from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.settings import Settings
from desktop_gpt.ui.engine_controller import EngineController

_log = log.get("ui.server")


class LocalServerSwitch(QObject):
    """Runs ``desktop-gpt serve``'s server inside the window while ``settings.serve`` is on (loopback only).

    Signals:
        changed(str): the server's address now ("" when it is off).
        failed(str): the server could not start; the message is for the user.
    """

    changed = Signal(str)
    failed = Signal(str)

    def __init__(self, controller: EngineController, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.settings = settings
        self._running = None
        self._server = None
        controller.engine_changed.connect(self._engine_changed)

    @property
    def address(self) -> str:
        return self._running.address if self._running is not None else ""

    def apply(self) -> None:
        """Start or stop the server as the settings say (a new port restarts it)."""
        wanted = self.settings.serve
        if self._running is not None and (not wanted or self._running.port != self.settings.serve_port):
            self.stop()
        if wanted and self._running is None:
            self.start()

    def start(self) -> None:
        from desktop_gpt.instance import APP_INSTANCE
        from desktop_gpt.server.run import DEFAULT_HOST, BackgroundServer, model_server

        try:
            # It follows the window's engine (_engine_changed): were that a remote engine pointed here, the
            # window's requests would wait on themselves, so the server refuses them (server/own_app.py).
            self._server = model_server(self.controller.engine, self.settings, self.controller.access,
                                        own_app=APP_INSTANCE)
            self._running = BackgroundServer(self._server.asgi(), DEFAULT_HOST, self.settings.serve_port).start()
        except DesktopGPTError as exc:
            self._running = self._server = None
            self.failed.emit(str(exc))
            self.changed.emit("")
            return
        self.changed.emit(self._running.address)

    def stop(self) -> None:
        if self._running is not None:
            self._running.stop()
            self._running = self._server = None
            self.changed.emit("")

    def _engine_changed(self, engine) -> None:
        if self._server is not None:
            self._server.engine = engine
