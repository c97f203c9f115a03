"""Slow calls (the Hub, disk scans, the device probe) off the GUI thread; results come back as signals."""

from __future__ import annotations

import threading
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from desktop_gpt import log
from desktop_gpt.errors import Cancelled, DesktopGPTError
from desktop_gpt.i18n import _

_log = log.get("ui.tasks")
_detached: set["Task"] = set()  # tasks started by run(): each keeps itself alive until it has answered


class Task(QObject):
    """One blocking call on a worker thread. Its signals are emitted on the GUI thread (the worker hands each
    result to the Task's own slot, queued), so connecting after ``start`` returns loses nothing.

    Signals:
        done(object): the call's result.
        failed(object): the DesktopGPTError it raised (its str() is the message for the user).
        progress(object): whatever the call reported through its ``progress`` callback.
        cancelled(): the user cancelled it (never shown as an error).
        finished(): after any of the above.
    """

    done = Signal(object)
    failed = Signal(object)
    progress = Signal(object)
    cancelled = Signal()
    finished = Signal()
    _report = Signal(str, object)

    def __init__(self, fn: Callable[..., Any], *, wants_progress: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self.fn = fn
        self.wants_progress = wants_progress
        self.cancel_event = threading.Event()
        self._report.connect(self._deliver)

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        """Runs on the worker thread."""
        try:
            if self.wants_progress:
                result = self.fn(lambda step: self._emit("progress", step), self.cancel_event)
            else:
                result = self.fn()
        except Cancelled:
            self._emit("cancelled", None)
        except DesktopGPTError as exc:
            _log.info("task failed: %s", exc)
            self._emit("failed", exc)
        except Exception as exc:  # noqa: BLE001 - a bug must still reach the user as words, with the detail logged
            _log.exception("task crashed")
            self._emit(
                "failed", DesktopGPTError(_("Something went wrong: {exc}. The details are in the log.").format(exc=exc))
            )
        else:
            self._emit("done", result)

    def _emit(self, kind: str, value: object) -> None:
        try:
            self._report.emit(kind, value)
        except RuntimeError:  # the window closed while the call ran: nobody is left to tell
            _log.debug("task result dropped: the window is gone")

    @Slot(str, object)
    def _deliver(self, kind: str, value: object) -> None:
        if kind == "progress":
            self.progress.emit(value)
            return
        if kind == "done":
            self.done.emit(value)
        elif kind == "failed":
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, task: Task):
        super().__init__()
        self.task = task

    def run(self) -> None:
        self.task.run()


class TaskRunner(QObject):
    """A small thread pool (the Store's). Deleting it (with its parent) waits for running calls to end."""

    def __init__(self, parent: QObject | None = None, threads: int = 4):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._running: set[Task] = set()

    def start(self, fn: Callable[..., Any], *, wants_progress: bool = False) -> Task:
        """Run ``fn()`` (or ``fn(progress, cancel_event)``) on the pool; connect to the Task's signals at once."""
        task = Task(fn, wants_progress=wants_progress, parent=self)
        self._running.add(task)
        task.finished.connect(self._forget)
        self.pool.start(_Runnable(task))
        return task

    @Slot()
    def _forget(self) -> None:
        task = self.sender()
        self._running.discard(task)
        task.deleteLater()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, ms: int = 3_000) -> bool:
        """Cancel what can be cancelled and wait up to ``ms`` for the calls to end."""
        for task in list(self._running):
            task.cancel()
        return self.pool.waitForDone(ms)


def run(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[str], None] | None = None,
    *,
    owner: QObject | None = None,
    name: str = "task",
) -> Task:
    """Start ``fn()`` on a daemon thread (nothing waits for it at exit); ``on_done(result)`` or
    ``on_failed(message)`` runs later on the GUI thread, unless ``owner`` was deleted by then."""
    task = Task(fn)
    _detached.add(task)

    def alive() -> bool:
        return owner is None or shiboken6.isValid(owner)

    task.done.connect(lambda result: on_done(result) if alive() else None)
    if on_failed is not None:
        task.failed.connect(lambda exc: on_failed(str(exc)) if alive() else None)
    # Dropped on the next turn of the event loop: dropping the last reference while the signal is still being
    # delivered would delete the QObject under Qt.
    task.finished.connect(lambda: QTimer.singleShot(0, lambda: _detached.discard(task)))
    threading.Thread(target=task.run, name=f"ui-{name}", daemon=True).start()
    return task
