"""Run a slow call (the Hub, a disk scan, the device probe) on a worker thread; its result comes back as a signal."""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop_gpt import log
from desktop_gpt.errors import DesktopGPTError

_log = log.get("ui.tasks")
_running: set["Task"] = set()  # a task keeps itself alive until its answer has been delivered


class Task(QObject):
    """One call on its own thread. Connect to the signals, then ``start()``.

    Signals:
        done(object): the call's result (delivered on the GUI thread).
        failed(str): the call raised a DesktopGPTError: its message; any other error is logged and worded.
    """

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], name: str = "task"):
        super().__init__()
        self.fn = fn
        self.name = name
        self.done.connect(self._release)
        self.failed.connect(self._release)

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

    def _release(self, *_args: Any) -> None:
        _running.discard(self)


def run(fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[str], None] | None = None,
        name: str = "task") -> Task:
    """Start ``fn()`` on a thread; ``on_done(result)`` or ``on_failed(message)`` runs later on the GUI thread."""
    task = Task(fn, name)
    task.done.connect(on_done)
    if on_failed is not None:
        task.failed.connect(on_failed)
    return task.start()
