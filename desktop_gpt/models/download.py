"""Model downloads that survive anything: ranged resume, stall detection, retries, sha256, atomic landing.

The client's own downloads neither resume across restarts nor check hashes (tests/hub/README.md §1.7, §4), so model files
come through here::

    request = DownloadRequest.from_model_file(pick(repo_files(config, "Qwen/Qwen2.5-0.5B-Instruct-GGUF")))
    path = Download(request, app_paths().models, config, on_progress=print).run()   # blocking; pause()/cancel()
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import Callable

import filelock

from desktop_gpt import log
from desktop_gpt.errors import (
    Cancelled,
    DesktopGPTError,
    DownloadError,
    HubError,
    IntegrityError,
    ModelLoadError,
    NotEnoughSpace,
)
from desktop_gpt.models import partials
from desktop_gpt.models.fit import human_size
from desktop_gpt.models.gguf import read_gguf
from desktop_gpt.models.partials import DownloadPart, DownloadRequest
from desktop_gpt.models.progress import DownloadProgress, SpeedMeter
from desktop_gpt.paths import inside
from desktop_gpt.store import hf
from desktop_gpt.store.hub import HubConfig, hub_errors, translate_error
from desktop_gpt.i18n import _


_log = log.get("downloads")

STALL_TIMEOUT = 30.0  # seconds without a byte before the connection counts as stalled and is reopened
CONNECT_TIMEOUT = 20.0
MAX_RETRIES = 6  # consecutive failed attempts (without a byte of progress) before giving up
BACKOFF = (1.0, 60.0)  # first wait and longest wait between attempts, doubling
SPACE_MARGIN = 64 * 1024 * 1024  # keep this much free beyond the download itself
PROGRESS_INTERVAL = 0.25  # seconds between progress reports
QUIET_NOTICE = 5.0  # seconds without data before the progress message says so
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_HASH_BLOCK = 4 * 1024 * 1024


class DownloadPaused(Exception):
    """The download was paused: its partial files are kept and the same request resumes it."""


class _Retry(Exception):
    """One attempt failed in a way worth another try; ``str()`` says why, for a person.

    ``wait``: seconds the server asked us to wait (Retry-After), if it said.
    """

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class _Restart(Exception):
    """The server did not honour the Range: start the part again from byte 0."""


class Download:
    """One model download (all parts), run with :meth:`run` on any thread; :meth:`pause` / :meth:`cancel` from another.

    Progress goes to ``on_progress(DownloadProgress)`` from the running thread, a few times a second.
    ``run`` returns the landed model path, or raises DownloadPaused (partials kept), Cancelled (partials deleted),
    or a DesktopGPTError in words: HubError (404, gated…), NotEnoughSpace, IntegrityError, DownloadError.
    """

    def __init__(self, request: DownloadRequest, models_dir: Path, config: HubConfig | None = None, *,
                 on_progress: Callable[[DownloadProgress], None] | None = None,
                 stall_timeout: float | None = None, max_retries: int | None = None,
                 backoff: tuple[float, float] | None = None):
        self.request = request
        self.models_dir = Path(models_dir)
        self.config = config
        self.on_progress = on_progress
        # None: the module's figures, read now (so a test can shorten them for a command run in-process)
        self.stall_timeout = STALL_TIMEOUT if stall_timeout is None else stall_timeout
        self.max_retries = MAX_RETRIES if max_retries is None else max_retries
        self.backoff = BACKOFF if backoff is None else backoff
        self._stop: str | None = None  # "pause" or "cancel"
        self._wake = threading.Event()
        self._response = None
        self._speed = SpeedMeter()
        self._last_report = 0.0
        self._report_lock = threading.Lock()
        self._latest: tuple[str, int, str] | None = None  # progress not yet reported (throttled)
        self._shown: tuple[str, int, str] | None = None
        self._base = 0  # bytes of the parts before the current one
        self._part_index = 0
        self._etags: dict[str, str] = {}
        self._hasher = hashlib.sha256()
        self._have = 0  # bytes of the current part on disk, all of them hashed into _hasher
        self._last_byte = time.monotonic()

    # -- control, from any thread ---------------------------------------------------------------------------------
    def pause(self) -> None:
        self._interrupt("pause")

    def cancel(self) -> None:
        self._interrupt("cancel")

    def _interrupt(self, how: str) -> None:
        if self._stop != "cancel":
            self._stop = how
        self._wake.set()
        response = self._response
        if response is not None:  # unblock a read waiting on a silent server: closing alone does not wake it
            try:
                stream = response.extensions.get("network_stream")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
            except Exception:  # noqa: BLE001 - racing the reader is fine: it stops at its next check either way
                _log.debug("could not interrupt the connection", exc_info=True)

    # -- the work ---------------------------------------------------------------------------------------------------
    def run(self) -> Path:
        request, models_dir = self.request, self.models_dir
        partials.partial_dir(models_dir).mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(partials.lock_file(models_dir, request)), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise DownloadError(
                _("{name} is already being downloaded by another Desktop GPT window or command.").format(
                    name=request.name
                )
            ) from None
        finished = threading.Event()
        if self.on_progress is not None:
            threading.Thread(target=self._tick, args=(finished,), daemon=True, name="download-progress").start()
        try:
            return self._run()
        except Cancelled:
            partials.discard_partial(models_dir, request)
            raise
        finally:
            finished.set()
            lock.release()
            partials.lock_file(models_dir, request).unlink(missing_ok=True)

    def _run(self) -> Path:
        request, models_dir = self.request, self.models_dir
        config = self.config or HubConfig.resolve()
        self.config = config
        known = partials.read_sidecar(partials.sidecar_file(models_dir, request))
        if known is not None and known[0] != request:  # a different commit or file set: old bytes are not ours
            _log.info("download record for %s changed; starting over", request.key)
            partials.discard_partial(models_dir, request)
            known = None
        self._etags = known[1] if known else {}
        self._check_space()
        config.require_online()
        partials.write_sidecar(models_dir, request, self._etags, config.endpoint)
        for index, part in enumerate(request.parts):
            self._part_index = index
            self._base = sum(p.size for p in request.parts[:index])
            self._fetch_part(part)
        self._report("verifying", self._base + request.parts[-1].size, force=True)
        self._check_stop()
        for part in request.parts:
            self._validate_gguf(part)
        target = self._land()
        self._report("done", request.total, force=True)
        _log.info("downloaded %s from %s@%s to %s", request.name, request.repo_id, request.revision, target)
        return target

    def _check_space(self) -> None:
        folder = partials.partial_dir(self.models_dir)
        needed = self.request.total - partials.partial_bytes(self.models_dir, self.request)
        free = partials.free_bytes(folder)
        if needed + SPACE_MARGIN > free:
            raise NotEnoughSpace(
                _(
                    "Not enough free disk space to download {name}: it needs {needed} more, and the disk holding "
                    "{models_dir} has {free} free. Free up {needed2} or more and try again."
                ).format(
                    name=self.request.name,
                    needed=human_size(needed),
                    models_dir=self.models_dir,
                    free=human_size(free),
                    needed2=human_size(needed + SPACE_MARGIN - free),
                )
            )

    def _fetch_part(self, part: DownloadPart) -> None:
        path = partials.part_file(self.models_dir, self.request, part)
        self._hasher, self._have = self._rehash(path, part)
        failures = 0
        while self._have < part.size:
            self._check_stop()
            before = self._have
            try:
                self._attempt(part, path)
                failures = 0
            except _Restart as why:
                _log.info("%s: %s; starting the file again", part.path, why)
                path.write_bytes(b"")
                self._hasher, self._have = _new_hasher(part), 0
            except _Retry as why:
                self._check_stop()
                failures = 0 if self._have > before else failures
                failures += 1
                if failures >= self.max_retries:
                    raise DownloadError(
                        _(
                            "The download of {name} stopped: {why} It was tried {failures} times. {base} of "
                            "{total} is kept; resume it later."
                        ).format(
                            name=self.request.name,
                            why=why,
                            failures=failures,
                            base=human_size(self._base + self._have),
                            total=human_size(self.request.total),
                        )
                    ) from None
                delay = min(self.backoff[1], max(self.backoff[0] * 2 ** (failures - 1), why.wait or 0))
                _log.info("%s: %s; retry %d in %.1f s", part.path, why, failures + 1, delay)
                self._report(
                    "retrying", self._base + self._have, force=True, message=f"{why} Retrying in {delay:.0f} s."
                )
                self._wake.wait(delay)
                self._check_stop()
        self._verify_hash(part, path, self._hasher)

    def _rehash(self, path: Path, part: DownloadPart):
        """Hash what an earlier run left, so the final sha256 covers every byte (the file may have been damaged)."""
        hasher = _new_hasher(part)
        if not path.exists():
            path.write_bytes(b"")
            return hasher, 0
        size = path.stat().st_size
        if size > part.size:
            path.write_bytes(b"")
            return hasher, 0
        done = 0
        with open(path, "rb") as fh:
            while done < size:
                self._check_stop()
                block = fh.read(min(_HASH_BLOCK, size - done))
                if not block:
                    break
                hasher.update(block)
                done += len(block)
                self._report("checking", self._base + done)
        return hasher, done

    def _attempt(self, part: DownloadPart, path: Path) -> None:
        """One GET from the bytes we have to the end of the part. Raises _Retry / _Restart / HubError…"""
        have = self._have
        config = self.config
        assert config is not None
        url = config.file_url(self.request.repo_id, part.path, revision=self.request.revision)
        headers = {**config.headers(), "Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        timeout = hf.http().Timeout(CONNECT_TIMEOUT, read=self.stall_timeout, write=CONNECT_TIMEOUT,
                                    pool=CONNECT_TIMEOUT)
        self._report("connecting", self._base + have, force=True)
        try:
            session = hf.utils.get_session()
            with session.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
                self._response = response
                self._check_stop()
                start = self._check_response(response, part, have)
                if start == 0 and have:
                    path.write_bytes(b"")
                    self._hasher, self._have = _new_hasher(part), 0
                    have = 0
                self._remember_etag(part, response)
                self._last_byte = time.monotonic()
                self._speed.reset(self._base + have)
                with open(path, "r+b") as fh:
                    fh.seek(have)
                    fh.truncate()
                    for chunk in response.iter_bytes():
                        self._check_stop()
                        if have + len(chunk) > part.size:
                            raise _Restart(f"the server sent more than the {part.size:,} bytes expected")
                        fh.write(chunk)
                        fh.flush()  # bytes reach the OS at once: a killed process leaves them for the next run
                        self._hasher.update(chunk)
                        have = self._have = have + len(chunk)
                        self._last_byte = time.monotonic()
                        self._report("downloading", self._base + have)
        except (DownloadPaused, Cancelled, DesktopGPTError, _Restart, _Retry):
            raise
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise NotEnoughSpace(
                    _(
                        "The disk holding {models_dir} is full: {name} stopped at {base} of {total}. Free some "
                        "space and resume the download."
                    ).format(
                        models_dir=self.models_dir,
                        name=self.request.name,
                        base=human_size(self._base + have),
                        total=human_size(self.request.total),
                    )
                ) from None
            self._check_stop()
            raise _Retry(self._words(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the HTTP library's errors: all transport trouble is worth a retry
            self._check_stop()
            if isinstance(exc, hf.http().HTTPError) or isinstance(exc, (ConnectionError, TimeoutError)):
                raise _Retry(self._words(exc)) from None
            raise
        finally:
            self._response = None
        if have < part.size:
            raise _Retry(
                f"The connection closed at {human_size(self._base + have)} of {human_size(self.request.total)}."
            )

    def _check_response(self, response, part: DownloadPart, have: int) -> int:
        """The offset the body starts at (``have`` or 0); raises for errors and for answers we cannot use."""
        status = response.status_code
        if status == 416 and have:
            raise _Restart("the server refused the range (416)")
        if status == 429 or status >= 500:
            raise _Retry(
                f"The Hugging Face Hub answered with error {status}"
                + (" (too many requests)." if status == 429 else "."),
                _seconds(response.headers.get("Retry-After")),
            )
        if status >= 400:
            response.read()
            with hub_errors(
                self.config, repo_id=self.request.repo_id, filename=part.path, revision=self.request.revision
            ):
                hf.utils.hf_raise_for_status(response)
            raise DownloadError(
                _("The Hugging Face Hub refused to send {path} (error {status}).").format(path=part.path, status=status)
            )
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != have:
                raise _Restart(f"the server answered the range with {response.headers.get('Content-Range')!r}")
            total = match.group(3)
            if total != "*" and int(total) != part.size:
                self._changed(part, int(total))
            return have
        if status == 200:
            length = response.headers.get("Content-Length")
            if length is not None and int(length) != part.size:
                self._changed(part, int(length))
            if have:
                _log.info("%s: the server ignored the Range header (200); starting from 0", part.path)
            return 0
        raise _Retry(f"The Hugging Face Hub gave an unexpected answer ({status}).")

    def _changed(self, part: DownloadPart, size: int):
        partials.discard_partial(self.models_dir, self.request)
        raise DownloadError(
            _(
                "The Hub now serves {path} with {size:,} bytes instead of the {size2:,} it listed; the file "
                "changed. List the repository's files again and start a new download."
            ).format(path=part.path, size=size, size2=part.size)
        )

    def _remember_etag(self, part: DownloadPart, response) -> None:
        etag = (response.headers.get("ETag") or "").strip('W/"')
        if etag and self._etags.get(part.path) != etag:
            self._etags[part.path] = etag
            partials.write_sidecar(
                self.models_dir, self.request, self._etags, self.config.endpoint if self.config else None
            )

    def _verify_hash(self, part: DownloadPart, path: Path, hasher) -> None:
        self._report("verifying", self._base + part.size, force=True)
        expected = part.sha256 or part.blob_id
        if not expected:
            _log.warning("%s: the Hub gave no hash; size checked only", part.path)
            return
        actual = hasher.hexdigest()
        if actual != expected.lower():
            path.unlink(missing_ok=True)
            if len(self.request.parts) == 1:
                partials.discard_partial(self.models_dir, self.request)
            kind = "sha256" if part.sha256 else "checksum"
            _log.warning("%s: %s mismatch: got %s, expected %s", part.path, kind, actual, expected)
            raise IntegrityError(
                _(
                    "The downloaded file {path} is damaged: its {kind} does not match the one the Hugging Face "
                    "Hub lists ({actual}… instead of {expected}…). It was deleted; download it again."
                ).format(path=part.path, kind=kind, actual=actual[:12], expected=expected[:12])
            )

    def _validate_gguf(self, part: DownloadPart) -> None:
        path = partials.part_file(self.models_dir, self.request, part)
        try:
            read_gguf(path)
        except ModelLoadError as exc:
            partials.discard_partial(self.models_dir, self.request)
            raise DownloadError(
                _(
                    "{path} downloaded completely, but it is not a usable GGUF model ({replace}). It was deleted."
                ).format(path=part.path, replace=str(exc).replace(path.name, part.path))
            ) from None

    def _land(self) -> Path:
        """Move the verified parts into the models folder (same disk: os.replace is atomic), first part last."""
        for part in reversed(self.request.parts):
            source = partials.part_file(self.models_dir, self.request, part)
            target = inside(
                self.models_dir,
                partials.target_file(self.models_dir, self.request, part),
                f"The model file {part.path}",
            )
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
            except OSError as exc:  # e.g. Windows: the old copy of this file is loaded right now
                raise DownloadError(
                    _(
                        "{name} was downloaded and verified, but it could not be moved to {parent} ({strerror}). "
                        "If an older copy is loaded, switch to another model and resume the download."
                    ).format(name=self.request.name, parent=target.parent, strerror=exc.strerror or exc)
                ) from None
        partials.record_download(self.models_dir, self.request)
        partials.sidecar_file(self.models_dir, self.request).unlink(missing_ok=True)
        return partials.target_file(self.models_dir, self.request)

    # -- helpers ----------------------------------------------------------------------------------------------------
    def _check_stop(self) -> None:
        if self._stop == "cancel":
            raise Cancelled()
        if self._stop == "pause":
            raise DownloadPaused()

    def _report(self, phase: str, done: int, *, force: bool = False, message: str = "") -> None:
        """Report progress now if due (or forced); else keep it for the ticker, so a stall still shows."""
        if self.on_progress is None:
            return
        with self._report_lock:
            self._latest = (phase, done, message)
            if force or time.monotonic() - self._last_report >= PROGRESS_INTERVAL:
                self._emit_latest()

    def _emit_latest(self) -> None:
        if self._latest is None:
            return
        phase, done, message = self._latest
        self._latest = None
        self._last_report = time.monotonic()
        speed = self._speed.update(done) if phase == "downloading" else self._speed.rate
        total = self.request.total
        eta = (total - done) / speed if speed > 0 and phase == "downloading" else None
        self._shown = (phase, done, message)
        self.on_progress(
            DownloadProgress(phase, done, total, speed, eta, self._part_index + 1, len(self.request.parts), message)
        )

    def _tick(self, finished: threading.Event) -> None:
        """Every PROGRESS_INTERVAL: send what the reader held back; while no bytes come, let the speed fall."""
        while not finished.wait(PROGRESS_INTERVAL):
            with self._report_lock:
                if self._latest is None and self._shown is not None and self._shown[0] == "downloading":
                    quiet = time.monotonic() - self._last_byte
                    said = (
                        f"No data from the server for {quiet:.0f} s; reconnecting at {self.stall_timeout:g} s."
                        if quiet >= QUIET_NOTICE
                        else ""
                    )
                    self._latest = (self._shown[0], self._shown[1], said)
                if self._latest is not None and time.monotonic() - self._last_report >= PROGRESS_INTERVAL:
                    self._emit_latest()

    def _words(self, exc: BaseException) -> str:
        kinds = {c.__name__ for c in type(exc).__mro__}
        if "ReadTimeout" in kinds or isinstance(exc, TimeoutError):
            return f"The Hub stopped sending data for {self.stall_timeout:g} seconds."
        if kinds & {"RemoteProtocolError", "ReadError"} or isinstance(exc, ConnectionResetError):
            return "The connection broke off."
        error = translate_error(exc, self.config) if self.config else None
        if isinstance(error, HubError):
            return str(error)
        return f"The connection failed ({type(exc).__name__})."


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: not worth parsing, the back-off applies
        return None


def _new_hasher(part: DownloadPart):
    if part.sha256 or not part.blob_id:
        return hashlib.sha256()
    hasher = hashlib.sha1()  # a file outside LFS is checked against its git blob id: sha1("blob <size>\0" + data)
    hasher.update(b"blob %d\0" % part.size)
    return hasher
