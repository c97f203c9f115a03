"""One Desktop GPT per data folder: a second start hands over to the running window (a lock file plus a local
socket, as Qt apps do), so it never runs start-up recovery on the first one's streaming reply."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QThread, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from desktop_gpt import log

_log = log.get("ui.instance")

SHOW = b"show\n"
CONNECT_TRIES = 10  # the first instance may hold the lock a moment before it listens


def server_name(data_dir: Path) -> str:
    """The local socket's name: one per data folder (another DESKTOP_GPT_HOME is another instance)."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"desktop-gpt-{digest}"


class SingleInstance(QObject):
    """The lock that makes this process the one Desktop GPT of a data folder.

    Signals:
        activated(): another start asked this instance to show its window.
    """

    activated = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(Path(data_dir) / "instance.lock"))
        self._lock.setStaleLockTime(0)  # held as long as the app runs; a dead holder's lock is stale at once
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None

    def acquire(self) -> bool:
        """True: this process is the first (it now listens for later starts). False: another one runs and was
        asked to show its window."""
        if not self._lock.tryLock(0):
            if self._ask_first_to_show():
                return False
            # The holder does not answer: its lock is left over (a killed app whose pid was reused).
            _log.warning("the instance lock's holder does not answer; taking the lock over")
            self._lock.removeStaleLockFile()
            if not self._lock.tryLock(0):
                return False
        QLocalServer.removeServer(self.name)  # a socket file a killed instance left behind
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self._server.listen(self.name):
            _log.warning("could not listen on %s: %s", self.name, self._server.errorString())
        self._server.newConnection.connect(self._connected)
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _ask_first_to_show(self) -> bool:
        for _ in range(CONNECT_TRIES):
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(1000):
                socket.write(SHOW)
                socket.waitForBytesWritten(1000)
                socket.disconnectFromServer()
                return True
            QThread.msleep(200)  # not listening yet: it is starting
        return False

    def _connected(self) -> None:
        while self._server is not None and self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            data = b""
            while len(data) < len(SHOW) and (socket.bytesAvailable() or socket.waitForReadyRead(1000)):
                data += bytes(socket.readAll().data())  # the other start writes at once, then leaves
            socket.abort()
            socket.deleteLater()
            if data.startswith(SHOW):
                _log.info("another start asked for this window")
                self.activated.emit()


def bring_to_front(window: QWidget) -> None:
    """Show a window that may be minimised or behind others, and give it the focus."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
