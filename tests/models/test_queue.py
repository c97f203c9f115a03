"""The download queue: pause, resume, cancel, restart after quitting, and several downloads at once."""

from __future__ import annotations

import threading
import time

from desktop_gpt.models import partials
from desktop_gpt.models.catalog import pick, repo_files
from desktop_gpt.models.partials import DownloadRequest
from desktop_gpt.services.downloads import CANCELLED, DONE, FAILED, PAUSED, DownloadQueue
from tests.models.helpers import sha256_file

HALF = 200_000
SLOW = {"stall_timeout": 20.0, "backoff": (0.01, 0.05)}  # a stall outlasts the test step: only pause ends it


class Recorder:
    """Collects on_change snapshots (from download threads) and waits for one that matches."""

    def __init__(self):
        self.seen = []
        self._cond = threading.Condition()

    def __call__(self, job):
        with self._cond:
            self.seen.append(job)
            self._cond.notify_all()

    def wait(self, predicate, timeout=15.0, since=0):
        """The first update (from index ``since`` on) that matches; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for job in self.seen[since:]:
                    if predicate(job):
                        return job
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching job update; last: {self.seen[-1:]}")
                self._cond.wait(left)


def _request(config, seeded, quant):
    return DownloadRequest.from_model_file(pick(repo_files(config, seeded.repo_id), quant=quant))


def _queue(models_dir, config, recorder, **kw):
    kw.setdefault("download_options", SLOW)
    return DownloadQueue(models_dir, config_factory=lambda: config, on_change=recorder, **kw)


def test_pause_keeps_the_partial_and_resume_continues_from_it(hub, hub_config, tiny_repo, models_dir):
    sha = tiny_repo.sha256("tiny-Q8_0.gguf")
    hub.stall_after[sha] = (HALF, 30)
    seen = Recorder()
    queue = _queue(models_dir, hub_config, seen)
    request = _request(hub_config, tiny_repo, "Q8_0")
    job = queue.add(request)
    seen.wait(lambda j: j.progress.done >= HALF)

    started = time.monotonic()
    queue.pause(job.id)
    paused = seen.wait(lambda j: j.state == PAUSED)
    assert time.monotonic() - started < 3, "pause does not wait for the silent server"
    assert paused.progress.done == HALF
    assert partials.part_file(models_dir, request, request.parts[0]).stat().st_size == HALF

    queue.resume(job.id)
    done = seen.wait(lambda j: j.state == DONE)
    assert hub.requests_to(r"^/cdn/", "GET")[-1].range == f"bytes={HALF}-"
    assert sha256_file(done.path) == sha
    queue.shutdown()


def test_cancel_deletes_the_partial(hub, hub_config, tiny_repo, models_dir):
    request = _request(hub_config, tiny_repo, "Q8_0")
    hub.stall_after[tiny_repo.sha256("tiny-Q8_0.gguf")] = (HALF, 30)
    seen = Recorder()
    queue = _queue(models_dir, hub_config, seen)
    job = queue.add(request)
    seen.wait(lambda j: j.progress.done >= HALF)
    queue.cancel(job.id)
    seen.wait(lambda j: j.state == CANCELLED)

    assert not partials.part_file(models_dir, request, request.parts[0]).exists()
    assert partials.list_partials(models_dir) == []
    assert not partials.target_file(models_dir, request).exists()
    queue.shutdown()


def test_an_unfinished_download_survives_a_restart(hub, hub_config, tiny_repo, models_dir):
    sha = tiny_repo.sha256("tiny-Q8_0.gguf")
    hub.stall_after[sha] = (HALF, 30)
    seen = Recorder()
    first = _queue(models_dir, hub_config, seen)
    first.add(_request(hub_config, tiny_repo, "Q8_0"))
    seen.wait(lambda j: j.progress.done >= HALF)
    first.shutdown()  # quitting the app pauses what is running

    again = Recorder()
    second = _queue(models_dir, hub_config, again)
    [restored] = second.jobs()
    assert restored.state == PAUSED and restored.restored
    assert restored.progress.done == HALF and restored.request.name == "tiny-Q8_0.gguf"
    second.resume(restored.id)
    done = again.wait(lambda j: j.state == DONE)
    assert hub.requests_to(r"^/cdn/", "GET")[-1].range == f"bytes={HALF}-"
    assert sha256_file(done.path) == sha
    assert second.jobs()[0].state == DONE and partials.list_partials(models_dir) == []


def test_downloads_queue_one_at_a_time_and_a_failure_does_not_stop_the_next(hub, hub_config, tiny_repo,
                                                                            models_dir):
    hub.body_override[tiny_repo.sha256("tiny-Q4_K_M.gguf")] = bytes(len(tiny_repo.files["tiny-Q4_K_M.gguf"]))
    seen = Recorder()
    queue = _queue(models_dir, hub_config, seen, max_active=1)
    bad = queue.add(_request(hub_config, tiny_repo, "Q4_K_M"))
    good = queue.add(_request(hub_config, tiny_repo, "Q8_0"))
    assert queue.job(good.id).state in ("queued", "running")

    failed = seen.wait(lambda j: j.id == bad.id and j.state == FAILED)
    finished = seen.wait(lambda j: j.id == good.id and j.state == DONE)
    assert failed.error_kind == "IntegrityError" and "damaged" in failed.error
    assert sha256_file(finished.path) == tiny_repo.sha256("tiny-Q8_0.gguf")
    running = [j.id for j in seen.seen if j.state == "running"]
    assert running.index(good.id) > running.index(bad.id), "the second waited for the first"
    again = queue.add(_request(hub_config, tiny_repo, "Q8_0"))
    assert again.id != good.id and again.state == DONE and again.path == finished.path, "not downloaded twice"
    assert len(hub.requests_to(r"^/cdn/", "GET")) == 2
    mark = len(seen.seen)
    retried = queue.add(_request(hub_config, tiny_repo, "Q4_K_M"))
    assert retried.id == bad.id, "adding a failed download again retries it"
    seen.wait(lambda j: j.id == bad.id and j.state == FAILED, since=mark)
    assert len(hub.requests_to(r"^/cdn/", "GET")) == 3
    queue.shutdown()


def test_adding_the_same_model_twice_gives_the_same_job(hub, hub_config, tiny_repo, models_dir):
    hub.stall_after[tiny_repo.sha256("tiny-Q8_0.gguf")] = (HALF, 30)
    seen = Recorder()
    queue = _queue(models_dir, hub_config, seen)
    first = queue.add(_request(hub_config, tiny_repo, "Q8_0"))
    assert queue.add(_request(hub_config, tiny_repo, "Q8_0")).id == first.id
    queue.shutdown()
    assert queue.job(first.id).state == PAUSED


def test_a_failed_download_can_be_retried(hub, hub_config, tiny_repo, models_dir):
    hub.fail_next(r"^/cdn/", 503, times=None)
    seen = Recorder()
    queue = _queue(models_dir, hub_config, seen, download_options={"stall_timeout": 1.0, "backoff": (0.01, 0.02),
                                                                   "max_retries": 2})
    job = queue.add(_request(hub_config, tiny_repo, "Q4_K_M"))
    failed = seen.wait(lambda j: j.state == FAILED)
    assert "error 503" in failed.error and "tried 2 times" in failed.error
    hub.clear_faults()
    queue.resume(job.id)
    done = seen.wait(lambda j: j.state == DONE)
    assert sha256_file(done.path) == tiny_repo.sha256("tiny-Q4_K_M.gguf")
    queue.shutdown()


def test_a_record_left_after_landing_is_not_a_download_to_resume(hub, hub_config, tiny_repo, models_dir):
    from desktop_gpt.models.download import Download

    request = _request(hub_config, tiny_repo, "Q4_K_M")
    Download(request, models_dir, hub_config).run()
    partials.write_sidecar(models_dir, request)  # as if the app stopped between the move and the clean-up
    queue = _queue(models_dir, hub_config, Recorder())
    assert queue.jobs() == [] and partials.list_partials(models_dir) == []
