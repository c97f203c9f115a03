"""The download queue: model downloads one or two at a time on plain threads, reported through callbacks.

Unfinished downloads found on disk at start (a crash, quitting mid-download) come back as paused jobs, resumable.
The GUI wraps the callbacks in Qt signals; they are called from the download threads.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from desktop_gpt import log
from desktop_gpt.errors import Cancelled, DesktopGPTError
from desktop_gpt.models import partials
from desktop_gpt.models.download import Download, DownloadPaused, DownloadProgress
from desktop_gpt.models.partials import DownloadRequest
from desktop_gpt.paths import app_paths
from desktop_gpt.store.hub import HubConfig

_log = log.get("downloads")

# Job states
QUEUED, RUNNING, PAUSED, FAILED, CANCELLED, DONE = "queued", "running", "paused", "failed", "cancelled", "done"
ACTIVE = (QUEUED, RUNNING)


@dataclass(frozen=True)
class DownloadJob:
    """A snapshot of one download in the queue (a new object on every change; safe to hand to another thread).

    Attributes:
        id: stable while the queue lives.
        request: what is downloaded (repo, commit, parts, sizes, hashes).
        state: "queued", "running", "paused", "failed", "cancelled" or "done".
        progress: the latest DownloadProgress (phase, bytes done/total, speed, ETA, part i of n, retry message).
        error: for "failed": the reason in words; error_kind: the error's class name ("GatedRepo", "NotEnoughSpace"…).
        path: for "done": the model file to load.
        restored: True for a download found unfinished on disk at start.
    """

    id: int
    request: DownloadRequest
    state: str
    progress: DownloadProgress
    error: str = ""
    error_kind: str = ""
    path: Path | None = None
    restored: bool = False

    @property
    def name(self) -> str:
        return self.request.name

    @property
    def finished(self) -> bool:
        return self.state in (FAILED, CANCELLED, DONE)


class DownloadQueue:
    """Owns every model download of this process.

    Callbacks (called from download threads; never touch widgets from them):
        on_change(job: DownloadJob): a job was added, changed state or made progress (a few times a second).
    """

    def __init__(self, models_dir: Path | None = None, *, max_active: int = 1,
                 config_factory: Callable[[], HubConfig] | None = None,
                 on_change: Callable[[DownloadJob], None] | None = None, restore: bool = True,
                 download_options: dict | None = None):
        self.models_dir = Path(models_dir) if models_dir is not None else app_paths().models
        self.max_active = max(1, max_active)
        self.config_factory = config_factory or HubConfig.resolve
        self.on_change = on_change
        self.download_options = dict(download_options or {})  # e.g. stall_timeout, backoff (tests)
        self._lock = threading.RLock()
        self._emit_lock = threading.RLock()  # callbacks run one at a time, in order, and never under _lock
        self._pending: list[DownloadJob] = []
        self._jobs: dict[int, DownloadJob] = {}
        self._running: dict[int, Download] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._done_events: dict[int, threading.Event] = {}
        self._ids = itertools.count(1)
        if restore:
            self.restore()

    # -- queries ----------------------------------------------------------------------------------------------------
    def jobs(self) -> list[DownloadJob]:
        with self._lock:
            return list(self._jobs.values())

    def job(self, job_id: int) -> DownloadJob:
        with self._lock:
            return self._jobs[job_id]

    def find(self, request: DownloadRequest) -> DownloadJob | None:
        """The job for the same repo and model that is not done or cancelled (queued, running, paused, failed)."""
        with self._lock:
            for job in self._jobs.values():
                if job.request.key == request.key and job.state not in (DONE, CANCELLED):
                    return job
        return None

    # -- commands ---------------------------------------------------------------------------------------------------
    def restore(self) -> list[DownloadJob]:
        """List unfinished downloads left on disk as paused jobs (not started: the user resumes them)."""
        found = []
        for partial in partials.list_partials(self.models_dir):
            if self.find(partial.request) is not None:
                continue
            if partials.already_downloaded(self.models_dir, partial.request) is not None:
                partial.sidecar.unlink(missing_ok=True)  # stopped just after landing: nothing left to do
                continue
            progress = DownloadProgress("paused", partial.done, partial.request.total,
                                        parts=len(partial.request.parts))
            found.append(self._add(partial.request, PAUSED, progress, restored=True))
        self._flush()
        return found

    def add(self, request: DownloadRequest) -> DownloadJob:
        """Queue a download (or resume the same one if it is already listed and paused or failed).

        When these exact files were downloaded before and are still there, the job is "done" at once.
        """
        with self._lock:
            existing = self.find(request)
            if existing is not None and existing.state not in (PAUSED, FAILED):
                return existing
        if existing is not None:
            return self.resume(existing.id)
        with self._lock:
            landed = partials.already_downloaded(self.models_dir, request)
            if landed is not None:
                progress = DownloadProgress("done", request.total, request.total, parts=len(request.parts))
                job = self._add(request, DONE, progress, path=landed)
            else:
                done = partials.partial_bytes(self.models_dir, request)
                job = self._add(request, QUEUED, DownloadProgress("queued", done, request.total,
                                                                  parts=len(request.parts)))
        self._schedule()
        return self.job(job.id)

    def pause(self, job_id: int) -> DownloadJob:
        """Stop a queued or running download, keeping its partial files."""
        with self._lock:
            job = self._jobs[job_id]
            if job.state == QUEUED:
                self._update(job_id, state=PAUSED, progress=replace(job.progress, phase="paused"))
            elif job.state == RUNNING:
                self._running[job_id].pause()  # its thread marks it paused when it has stopped
            job = self._jobs[job_id]
        self._flush()
        return job

    def resume(self, job_id: int) -> DownloadJob:
        """Queue a paused or failed download again; it continues from its partial files."""
        with self._lock:
            job = self._jobs[job_id]
            if job.state in (PAUSED, FAILED):
                self._update(job_id, state=QUEUED, error="", error_kind="",
                             progress=replace(job.progress, phase="queued", message=""))
        self._schedule()
        return self.job(job_id)

    def cancel(self, job_id: int) -> DownloadJob:
        """Stop a download and delete its partial files."""
        with self._lock:
            job = self._jobs[job_id]
            if job.state == RUNNING:
                self._running[job_id].cancel()  # its thread deletes the partials and marks it cancelled
                return job
            if job.state in (QUEUED, PAUSED, FAILED):
                partials.discard_partial(self.models_dir, job.request)
                self._update(job_id, state=CANCELLED, progress=replace(job.progress, phase="cancelled", done=0))
            job = self._jobs[job_id]
        self._flush()
        return job

    def remove(self, job_id: int) -> None:
        """Forget a finished job (done, failed or cancelled) from the list."""
        with self._lock:
            if self._jobs[job_id].finished:
                del self._jobs[job_id]

    def wait(self, job_id: int, timeout: float | None = None) -> DownloadJob:
        """Block until the job is done, failed, cancelled or paused (for the CLI and tests)."""
        with self._lock:
            event = self._done_events[job_id]
        event.wait(timeout)
        return self.job(job_id)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Pause every running download (partials kept, resumed next time) and wait for the threads."""
        with self._lock:
            for job_id, download in list(self._running.items()):
                download.pause()
            for job_id, job in list(self._jobs.items()):
                if job.state == QUEUED:
                    self._update(job_id, state=PAUSED, progress=replace(job.progress, phase="paused"))
            threads = list(self._threads.values())
        self._flush()
        for thread in threads:
            thread.join(timeout)

    # -- internals --------------------------------------------------------------------------------------------------
    def _add(self, request: DownloadRequest, state: str, progress: DownloadProgress, restored: bool = False,
             path: Path | None = None):
        with self._lock:
            job = DownloadJob(next(self._ids), request, state, progress, restored=restored, path=path)
            self._jobs[job.id] = job
            self._done_events[job.id] = threading.Event()
            if state not in ACTIVE:
                self._done_events[job.id].set()
            self._pending.append(job)
        return job

    def _update(self, job_id: int, **changes) -> DownloadJob:
        with self._lock:
            job = replace(self._jobs[job_id], **changes)
            self._jobs[job_id] = job
            event = self._done_events[job_id]
            if job.state in ACTIVE:
                event.clear()
            else:
                event.set()
            self._pending.append(job)
        return job

    def _flush(self) -> None:
        """Tell the listener about every change so far, in order, outside the queue's lock."""
        with self._emit_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            for job in batch:
                if self.on_change is None:
                    continue
                try:
                    self.on_change(job)
                except Exception:  # noqa: BLE001 - a listener's bug must not kill a download
                    _log.exception("download listener failed")

    def _schedule(self) -> None:
        try:
            self._start_queued()
        finally:
            self._flush()

    def _start_queued(self) -> None:
        with self._lock:
            while len(self._running) < self.max_active:
                queued = [j for j in self._jobs.values() if j.state == QUEUED]
                if not queued:
                    return
                job = queued[0]
                download = Download(job.request, self.models_dir, None,
                                    on_progress=lambda p, jid=job.id: self._progress(jid, p), **self.download_options)
                self._running[job.id] = download
                self._update(job.id, state=RUNNING, progress=replace(job.progress, phase="connecting"))
                thread = threading.Thread(target=self._work, args=(job.id, download), daemon=True,
                                          name=f"download-{job.id}")
                self._threads[job.id] = thread
                thread.start()

    def _progress(self, job_id: int, progress: DownloadProgress) -> None:
        with self._lock:
            if self._jobs.get(job_id) is None or self._jobs[job_id].state != RUNNING:
                return
            self._update(job_id, progress=progress)
        self._flush()

    def _work(self, job_id: int, download: Download) -> None:
        try:
            download.config = self.config_factory()
            path = download.run()
        except DownloadPaused:
            self._end(job_id, PAUSED, phase="paused")
        except Cancelled:
            self._end(job_id, CANCELLED, phase="cancelled", done=0)
        except DesktopGPTError as exc:
            _log.info("download %s failed: %s", download.request.key, exc)
            self._end(job_id, FAILED, phase="failed", error=str(exc), error_kind=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - a bug: the job fails with a reason, the log keeps the traceback
            _log.exception("download %s crashed", download.request.key)
            self._end(job_id, FAILED, phase="failed", error=f"The download failed unexpectedly ({exc!r}); "
                      "details are in the log.", error_kind=type(exc).__name__)
        else:
            self._end(job_id, DONE, phase="done", path=path, done=download.request.total)
        finally:
            self._schedule()

    def _end(self, job_id: int, state: str, *, phase: str, done: int | None = None, **changes) -> None:
        with self._lock:
            self._running.pop(job_id, None)
            self._threads.pop(job_id, None)
            job = self._jobs[job_id]
            if done is None:
                done = partials.partial_bytes(self.models_dir, job.request) if state != DONE else job.request.total
            progress = replace(job.progress, phase=phase, done=done, speed=0.0, eta=None)
            self._update(job_id, state=state, progress=progress, **changes)
