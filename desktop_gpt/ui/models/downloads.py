"""The download queue as the GUI sees it: models-core's callbacks relayed to the GUI thread as Qt signals."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from desktop_gpt.models.partials import DownloadRequest
from desktop_gpt.services.downloads import DONE, DownloadJob, DownloadQueue
from desktop_gpt.store.hub import HubConfig


class Downloads(QObject):
    """Owns the app's DownloadQueue; lives as long as the window, so downloads go on with the manager closed.

    Signals:
        changed(DownloadJob): a job was added, made progress or changed state (on the GUI thread).
        finished(DownloadJob): a job is done: its model file is in place and verified.
    """

    changed = Signal(object)
    finished = Signal(object)
    _relay = Signal(object)  # emitted on download threads; Qt queues it to the GUI thread

    def __init__(self, models_dir: Path, config_factory: Callable[[], HubConfig], parent: QObject | None = None,
                 **queue_options):
        super().__init__(parent)
        self._relay.connect(self._deliver)
        self.queue = DownloadQueue(models_dir, config_factory=config_factory, on_change=self._relay.emit,
                                   **queue_options)

    def _deliver(self, job: DownloadJob) -> None:
        self.changed.emit(job)
        if job.state == DONE:
            self.finished.emit(job)

    def jobs(self) -> list[DownloadJob]:
        return self.queue.jobs()

    def add(self, request: DownloadRequest) -> DownloadJob:
        return self.queue.add(request)

    def pause(self, job_id: int) -> None:
        self.queue.pause(job_id)

    def resume(self, job_id: int) -> None:
        self.queue.resume(job_id)

    def cancel(self, job_id: int) -> None:
        self.queue.cancel(job_id)

    def remove(self, job_id: int) -> None:
        self.queue.remove(job_id)

    def active(self) -> list[DownloadJob]:
        return [j for j in self.queue.jobs() if not j.finished and j.state != "paused"]

    def shutdown(self) -> None:
        """Pause what is running (partials are kept and listed, paused, next time)."""
        self.queue.shutdown()
