"""Run a slow call (the Hub, a disk scan, the device probe) on a worker thread; its result comes back as a signal."""

from __future__ import annotations

import threading
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from desktop_gpt import log
from desktop_gpt.errors import DesktopGPTError

_log = log.get("ui.tasks")
_running: set["Task"] = set()  # a task keeps itself alive until its answer has been delivered


class Task(QObject):
    """One call on its own thread.

    The answer is handed to ``on_done(result)`` or ``on_failed(message)`` on the GUI thread, and dropped when
    ``owner`` (the widget that asked) has been deleted in the meantime.

    Signals:
        done(object): the call's result (delivered on the GUI thread).
        failed(str): the call raised a DesktopGPTError: its message; any other error is logged and worded.
    """

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                 on_failed: Callable[[str], None] | None = None, owner: QObject | None = None, name: str = "task"):
        super().__init__()
        self.fn, self.on_done, self.on_failed, self.owner, self.name = fn, on_done, on_failed, owner, name
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_failed)

    def start(self) -> "Task":
        _running.add(self)
        threading.Thread(target=self._run, name=f"ui-{self.name}", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            result = self.fn()
        except DesktopGPTError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: logged with its traceback, shown in words
            _log.exception("%s failed", self.name)
            self.failed.emit(f"Something went wrong ({exc!r}); details are in the log.")
        else:
            self.done.emit(result)

    def _owner_gone(self) -> bool:
        return self.owner is not None and not shiboken6.isValid(self.owner)

    def _deliver_done(self, result: Any) -> None:
        try:
            if self.on_done is not None and not self._owner_gone():
                self.on_done(result)
        finally:
            self._release()

    def _deliver_failed(self, message: str) -> None:
        try:
            if self.on_failed is not None and not self._owner_gone():
                self.on_failed(message)
        finally:
            self._release()

    def _release(self) -> None:
        # Dropped on the next turn of the event loop: dropping the last reference while the signal is still
        # being delivered would delete the QObject under Qt.
        QTimer.singleShot(0, lambda: _running.discard(self))


def run(fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[str], None] | None = None, *,
        owner: QObject | None = None, name: str = "task") -> Task:
    """Start ``fn()`` on a thread; ``on_done(result)`` or ``on_failed(message)`` runs later on the GUI thread,
    unless ``owner`` was deleted by then."""
    return Task(fn, on_done, on_failed, owner, name).start()
