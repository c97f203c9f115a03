"""Running the server with uvicorn: in the foreground (``desktop-gpt serve``) or in a thread (the window)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from desktop_gpt import log
from desktop_gpt.errors import SettingsError
from desktop_gpt.i18n import _
from desktop_gpt.store.hub import is_loopback

_log = log.get("server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8742


def check_binding(host: str, api_key: str | None) -> None:
    """Only this computer may use a server without a key: another host needs one."""
    if not is_loopback(host) and not api_key:
        raise SettingsError(
            _(
                "Serving on {host} lets other computers use the model: give an API key with --api-key (clients "
                "then send it as their key)."
            ).format(host=host)
        )


def address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class BackgroundServer:
    """uvicorn serving an ASGI app in a thread; ``start()`` returns once it listens (or raises SettingsError
    in words, e.g. the port is taken), ``stop()`` ends it and waits.

    Attributes:
        host, port: where it listens (port 0 picks a free one, then ``port`` is the one chosen).
    """

    def __init__(self, app: Any, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        import uvicorn

        self.host, self.port = host, port
        self._sock = _bind(host, port)
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # the window (or the command) owns the signals
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="local-server", daemon=True
        )

    @property
    def address(self) -> str:
        return address(self.host, self.port)

    def start(self, timeout: float = 30.0) -> "BackgroundServer":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)  # uvicorn has no "started" event to wait on
        if not self._server.started:
            self.stop()
            raise SettingsError(_("The local server did not start; details are in the log."))
        _log.info("serving on %s", self.address)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(10)
        self._sock.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise SettingsError(
                _(
                    "Port {port} on {host} is already in use. Choose another port (--port, or the port in Settings)."
                ).format(port=port, host=host)
            ) from None
        raise SettingsError(
            _("Cannot listen on {host}:{port}: {strerror}.").format(host=host, port=port, strerror=exc.strerror or exc)
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def model_server(
    engine: Any,
    settings: Any,
    access: Any = None,
    api_key: str | None = None,
    cors_origins: list[str] | None = None,
    max_waiting: int = 8,
    own_app: str | None = None,
) -> Any:
    """The ModelServer on ``engine`` with the user's sampling settings and every installed and built-in app.
    ``own_app``: the app instance whose engine it serves (ServerOptions.own_app)."""
    from desktop_gpt.server.app import ModelServer, ServerOptions
    from desktop_gpt.services.engine_access import EngineAccess
    from desktop_gpt.store.library import AppLibrary

    library = AppLibrary()
    options = ServerOptions(api_key=api_key, cors_origins=list(cors_origins or []), max_waiting=max_waiting,
                            own_app=own_app)
    return ModelServer(engine, access or EngineAccess(max_waiting), settings.sampling, library.apps, options)
