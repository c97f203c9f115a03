"""An app's files on the Hub: resolve a revision to a commit, then fetch app.json, icon and README at that commit."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from desktop_gpt import log

from desktop_gpt.errors import AppFormatError, AppInstallError, Cancelled, HubUnavailable
from desktop_gpt.paths import app_paths
from desktop_gpt.store.app_format import (
    MANIFEST_FILE,
    MAX_ICON_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_README_BYTES,
    README_FILE,
    AppManifest,
    check_icon,
    parse_manifest,
)
from desktop_gpt.store import hf
from desktop_gpt.store.hub import HubConfig, check_repo_id, hub_errors, is_safe_repo_path
from desktop_gpt.i18n import _

_log = log.get("store")

DOWNLOAD_ATTEMPTS = 3


@dataclass(frozen=True)
class InstallStep:
    """Where an install or update is, for a progress bar.

    Attributes:
        stage: "resolving", "downloading", "validating", "installing" or "done".
        index, total: for "downloading", file ``index`` of ``total`` (1-based); 0 and 0 otherwise.
        message: a short sentence to show, e.g. "Downloading icon.svg (2 of 3)".
    """

    stage: str
    index: int
    total: int
    message: str


Progress = Callable[[InstallStep], None]


@dataclass(frozen=True)
class RemoteFile:
    """A file of the repo at the pinned commit, as the Hub lists it (size and hashes may be None on old Hubs)."""

    path: str
    size: int | None = None
    blob_id: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class RemoteApp:
    """A repo resolved to one commit: everything later is fetched at ``sha``, whatever happens to the branch."""

    repo_id: str
    sha: str
    files: dict[str, RemoteFile] = field(hash=False)
    info: object = field(default=None, hash=False, compare=False, repr=False)


@dataclass(frozen=True)
class FetchedApp:
    """An app's files as downloaded and checked, ready to be written into a folder."""

    repo_id: str
    sha: str
    manifest: AppManifest
    manifest_bytes: bytes
    icon: tuple[str, bytes] | None
    readme: bytes | None
    icon_path: Path | None = None  # the icon in the client's cache (read-only; never edit it)

    def files(self) -> dict[str, bytes]:
        out = {MANIFEST_FILE: self.manifest_bytes}
        if self.readme is not None:
            out[README_FILE] = self.readme
        if self.icon is not None:
            out[self.icon[0]] = self.icon[1]
        return out


def store_cache_dir() -> Path:
    """Where app files fetched from the Hub are kept, by repo and commit (a commit's files never change)."""
    return app_paths().cache / "store"


def resolve(config: HubConfig, repo_id: str, revision: str | None = None) -> RemoteApp:
    """The commit ``revision`` (default: main) names now, with the repo's file list and sizes.

    The id the Hub answers with must be the one asked for (only its case may differ): it becomes a folder name.
    File names that could not be paths inside the app's folder are left out of the list.
    """
    check_repo_id(repo_id)
    with hub_errors(config, repo_id=repo_id, revision=revision):
        info = config.api().model_info(repo_id, revision=revision, files_metadata=True)
    files = {}
    for sibling in info.siblings or []:
        if not is_safe_repo_path(sibling.rfilename):
            _log.warning("%s lists a file name that cannot be a path here: %r", repo_id, sibling.rfilename)
            continue
        lfs = getattr(sibling, "lfs", None)
        files[sibling.rfilename] = RemoteFile(sibling.rfilename, getattr(sibling, "size", None),
                                              getattr(sibling, "blob_id", None),
                                              getattr(lfs, "sha256", None) if lfs else None)
    if not info.sha:
        raise AppInstallError(
            _("The Hub did not say which commit of '{repo_id}' to install; try again later.").format(repo_id=repo_id)
        )
    return RemoteApp(check_repo_id(info.id or repo_id, repo_id), info.sha, files, info)  # the Hub's spelling


def fetch_app(
    config: HubConfig, remote: RemoteApp, *, progress: Progress | None = None, cancel: threading.Event | None = None
) -> FetchedApp:
    """Download app.json, its icon and README.md at ``remote.sha`` and check them all; raises before returning."""
    report = progress or (lambda step: None)
    if MANIFEST_FILE not in remote.files:
        raise AppFormatError(
            _("'{repo_id}' is not a Desktop GPT app: it has no app.json.").format(repo_id=remote.repo_id),
            field="app.json",
        )
    has_readme = README_FILE in remote.files
    total = 1 + has_readme + any(p.lower().endswith((".png", ".svg")) for p in remote.files)
    _check(cancel)
    report(InstallStep("downloading", 1, total, f"Downloading {MANIFEST_FILE} (1 of {total})"))
    manifest_bytes = fetch_file(config, remote, MANIFEST_FILE, MAX_MANIFEST_BYTES)
    manifest = parse_manifest(manifest_bytes)
    total = 1 + has_readme + bool(manifest.icon)
    index = 1
    icon = icon_path = None
    if manifest.icon:
        if manifest.icon not in remote.files:
            raise AppFormatError(
                _('The app\'s icon "{icon}" is not in the repository.').format(icon=manifest.icon), field="icon"
            )
        _check(cancel)
        index += 1
        report(InstallStep("downloading", index, total, f"Downloading {manifest.icon} ({index} of {total})"))
        icon_path, icon_bytes = download_checked(config, remote, manifest.icon, MAX_ICON_BYTES, what="icon")
        icon = (manifest.icon, icon_bytes)
    readme = None
    if has_readme:
        _check(cancel)
        index += 1
        report(InstallStep("downloading", index, total, f"Downloading {README_FILE} ({index} of {total})"))
        readme = fetch_file(config, remote, README_FILE, MAX_README_BYTES, what="README")
    _check(cancel)
    report(InstallStep("validating", 0, 0, "Checking the app"))
    if icon is not None:
        check_icon(*icon)
    if readme is not None:
        check_readme(readme)
    return FetchedApp(remote.repo_id, remote.sha, manifest, manifest_bytes, icon, readme, icon_path)


def fetch_file(config: HubConfig, remote: RemoteApp, path: str, limit: int, *, what: str | None = None) -> bytes:
    """One file at the pinned commit, refused when bigger than ``limit`` and checked against the Hub's hashes."""
    return download_checked(config, remote, path, limit, what=what)[1]


def download_checked(
    config: HubConfig, remote: RemoteApp, path: str, limit: int, *, what: str | None = None
) -> tuple[Path, bytes]:
    """``fetch_file``, also giving the file's place in the on-disk cache (e.g. to show an icon from it)."""
    listed = remote.files.get(path)
    if listed is not None and listed.size is not None and listed.size > limit:
        raise _too_big(path, listed.size, limit, what)
    return fetch_pinned(config, remote.repo_id, remote.sha, path, limit, expected=listed, what=what)


def fetch_pinned(
    config: HubConfig,
    repo_id: str,
    sha: str,
    path: str,
    limit: int,
    *,
    expected: RemoteFile | None = None,
    what: str | None = None,
) -> tuple[Path, bytes]:
    """A file at a known commit, from the on-disk cache (keyed by commit: a Store card is downloaded once) or the
    Hub. Refused past ``limit`` bytes without reading further; checked against ``expected``'s hashes or the
    Hub's ETag. Returns the cached path and the bytes."""
    cached = cache_path(repo_id, sha, path)
    if cached.is_file():
        data = cached.read_bytes()
        if len(data) <= limit and (expected is None or matches(expected, data)):
            return cached, data
    data = _download(config, repo_id, sha, path, limit, what)
    if expected is not None and not matches(expected, data):
        raise _damaged(repo_id, path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    temp = cached.with_name(f".{cached.name}.{os.getpid()}-{threading.get_ident()}.part")
    temp.write_bytes(data)
    os.replace(temp, cached)
    return cached, data


def cache_path(repo_id: str, sha: str, path: str) -> Path:
    root = store_cache_dir() / repo_id.replace("/", "--") / sha
    target = root.joinpath(*path.split("/"))
    if not re.fullmatch(r"[0-9a-f]{40}", sha) or not target.resolve().is_relative_to(root.resolve()):
        raise AppFormatError(_("'{path}' is not a file inside the app's folder.").format(path=path), field="icon")
    return target


def _download(config: HubConfig, repo_id: str, sha: str, path: str, limit: int, what: str | None) -> bytes:
    """GET the file with the client's HTTP session; a connection that breaks off mid-file is tried again.

    Not hf_hub_download: its HEAD is retried five times with pauses (~23 s before "Hub down" for every card), it
    reads a file whatever its size, and it never checks hashes.
    """
    config.api()  # raises HubOffline before any request, and bounds the client's timeouts
    url = config.file_url(repo_id, path, revision=sha)
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            with hub_errors(config, repo_id=repo_id, filename=path, revision=sha):
                return _get(config, url, repo_id, path, limit, what)
        except (HubUnavailable, _Incomplete) as exc:
            cause = exc if isinstance(exc, _Incomplete) else exc.__cause__
            broke_off = isinstance(cause, _Incomplete) or (
                cause is not None and bool({"ProtocolError", "ReadError"} & {c.__name__ for c in type(cause).__mro__})
            )
            if broke_off and attempt < DOWNLOAD_ATTEMPTS:
                _log.info("download of %s from %s broke off (%s); trying again", path, repo_id, cause)
                continue
            if isinstance(exc, _Incomplete):
                raise HubUnavailable(
                    _(
                        "The download of '{path}' from the Hugging Face Hub at {endpoint} stopped before it was "
                        "complete. Try again."
                    ).format(path=path, endpoint=config.endpoint),
                    endpoint=config.endpoint,
                    repo_id=repo_id,
                ) from exc
            raise
    raise AssertionError("unreachable")


class _Incomplete(Exception):
    """The body ended before the length the server announced."""


def _get(config: HubConfig, url: str, repo_id: str, path: str, limit: int, what: str | None) -> bytes:
    # identity: the byte count and hashes are of the file itself, not of a compressed transfer.
    headers = {**config.headers(), "Accept-Encoding": "identity"}
    session = hf.utils.get_session()
    with session.stream("GET", url, headers=headers, follow_redirects=True, timeout=config.timeout) as response:
        if response.status_code >= 400:
            response.read()
            hf.utils.hf_raise_for_status(response)
        declared = response.headers.get("Content-Length")
        if response.headers.get("Content-Encoding", "identity") != "identity":
            declared = None  # the length of the compressed body, not the file's
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_big(path, int(declared), limit, what)
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_big(path, size, limit, what)
            chunks.append(chunk)
        data = b"".join(chunks)
        if declared and declared.isdigit() and size != int(declared):
            raise _Incomplete(f"{size} of {declared} bytes")
        if not _matches_etag(response, data):
            raise _damaged(repo_id, path)
        return data


def _matches_etag(response, data: bytes) -> bool:
    """The Hub's ETag is the git blob id for a regular file; an LFS file's redirect carries its sha256."""
    first = response.history[0] if response.history else response
    linked = (first.headers.get("X-Linked-Etag") or "").strip('W/"')
    if response.history:
        return len(linked) != 64 or hashlib.sha256(data).hexdigest() == linked
    etag = (response.headers.get("ETag") or "").strip('W/"')
    return not re.fullmatch(r"[0-9a-f]{40}", etag) or git_blob_sha1(data) == etag


def check_readme(data: bytes) -> str:
    """The README as text; AppFormatError when it is too big or not UTF-8."""
    if len(data) > MAX_README_BYTES:
        raise _too_big(README_FILE, len(data), MAX_README_BYTES, "README")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppFormatError(_("The app's README.md is not UTF-8 text."), field="README.md") from None


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def matches(listed: RemoteFile, data: bytes) -> bool:
    """Whether ``data`` has the hash the Hub lists for the file (True when it lists none)."""
    if listed.sha256:
        return hashlib.sha256(data).hexdigest() == listed.sha256
    if listed.blob_id:
        return git_blob_sha1(data) == listed.blob_id
    return True


def _damaged(repo_id: str, path: str) -> AppInstallError:
    return AppInstallError(
        _("'{path}' of '{repo_id}' arrived damaged (it does not match the Hub's checksum). Try again.").format(
            path=path, repo_id=repo_id
        )
    )


def _too_big(path: str, size: int, limit: int, what: str | None) -> AppFormatError:
    field_name = "icon" if what == "icon" else (README_FILE if what == "README" else path)
    subject = f'The app\'s icon "{path}"' if what == "icon" else f"The app's {path}"
    return AppFormatError(
        _("{subject} is too big ({size:,.0f} KB); it may be at most {limit:,} KB.").format(
            subject=subject, size=size / 1024, limit=limit // 1024
        ),
        field=field_name,
    )


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()
