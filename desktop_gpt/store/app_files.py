"""An app's files on the Hub: resolve a revision to a commit, then fetch app.json, icon and README at that commit."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from desktop_gpt import log
from desktop_gpt.errors import AppFormatError, AppInstallError, Cancelled
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
from desktop_gpt.store.hub import HubConfig, download_file, hub_errors

_log = log.get("store")


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

    def files(self) -> dict[str, bytes]:
        out = {MANIFEST_FILE: self.manifest_bytes}
        if self.readme is not None:
            out[README_FILE] = self.readme
        if self.icon is not None:
            out[self.icon[0]] = self.icon[1]
        return out


def hub_cache_dir() -> Path:
    """Where the Hub client keeps the app files it fetched (by commit, so a card is downloaded once)."""
    return app_paths().cache / "hub"


def resolve(config: HubConfig, repo_id: str, revision: str | None = None) -> RemoteApp:
    """The commit ``revision`` (default: main) names now, with the repo's file list and sizes."""
    with hub_errors(config, repo_id=repo_id, revision=revision):
        info = config.api().model_info(repo_id, revision=revision, files_metadata=True)
    files = {}
    for sibling in info.siblings or []:
        lfs = getattr(sibling, "lfs", None)
        files[sibling.rfilename] = RemoteFile(sibling.rfilename, getattr(sibling, "size", None),
                                              getattr(sibling, "blob_id", None),
                                              getattr(lfs, "sha256", None) if lfs else None)
    if not info.sha:
        raise AppInstallError(f"The Hub did not say which commit of '{repo_id}' to install; try again later.")
    return RemoteApp(repo_id, info.sha, files, info)


def fetch_app(config: HubConfig, remote: RemoteApp, *, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> FetchedApp:
    """Download app.json, its icon and README.md at ``remote.sha`` and check them all; raises before returning."""
    report = progress or (lambda step: None)
    if MANIFEST_FILE not in remote.files:
        raise AppFormatError(f"'{remote.repo_id}' is not a Desktop GPT app: it has no app.json.", field="app.json")
    has_readme = README_FILE in remote.files
    total = 1 + has_readme + any(p.lower().endswith((".png", ".svg")) for p in remote.files)
    _check(cancel)
    report(InstallStep("downloading", 1, total, f"Downloading {MANIFEST_FILE} (1 of {total})"))
    manifest_bytes = fetch_file(config, remote, MANIFEST_FILE, MAX_MANIFEST_BYTES)
    manifest = parse_manifest(manifest_bytes)
    total = 1 + has_readme + bool(manifest.icon)
    index = 1
    icon = None
    if manifest.icon:
        if manifest.icon not in remote.files:
            raise AppFormatError(f"The app's icon \"{manifest.icon}\" is not in the repository.", field="icon")
        _check(cancel)
        index += 1
        report(InstallStep("downloading", index, total, f"Downloading {manifest.icon} ({index} of {total})"))
        icon = (manifest.icon, fetch_file(config, remote, manifest.icon, MAX_ICON_BYTES, what="icon"))
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
    return FetchedApp(remote.repo_id, remote.sha, manifest, manifest_bytes, icon, readme)


def fetch_file(config: HubConfig, remote: RemoteApp, path: str, limit: int, *, what: str | None = None) -> bytes:
    """One file at the pinned commit, refused when bigger than ``limit`` and checked against the Hub's hashes."""
    listed = remote.files.get(path)
    if listed is not None and listed.size is not None and listed.size > limit:
        raise _too_big(path, listed.size, limit, what)
    local = download_file(config, remote.repo_id, path, revision=remote.sha, cache_dir=hub_cache_dir())
    data = local.read_bytes()
    if len(data) > limit:
        raise _too_big(path, len(data), limit, what)
    if listed is not None and not _matches(listed, data):
        # The client checks sizes, never hashes: a damaged copy would otherwise stay in its cache for good.
        _forget(local)
        raise AppInstallError(f"'{path}' of '{remote.repo_id}' arrived damaged (it does not match the Hub's "
                              f"checksum). Try again.")
    return data


def fetch_pinned(config: HubConfig, repo_id: str, sha: str, path: str, limit: int) -> bytes:
    """A file at a known commit without listing the repo first (for Store cards); cached by commit on disk."""
    local = download_file(config, repo_id, path, revision=sha, cache_dir=hub_cache_dir())
    size = local.stat().st_size
    if size > limit:
        raise _too_big(path, size, limit, "icon" if path != MANIFEST_FILE else None)
    return local.read_bytes()


def check_readme(data: bytes) -> str:
    """The README as text; AppFormatError when it is too big or not UTF-8."""
    if len(data) > MAX_README_BYTES:
        raise _too_big(README_FILE, len(data), MAX_README_BYTES, "README")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppFormatError("The app's README.md is not UTF-8 text.", field="README.md") from None


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _matches(listed: RemoteFile, data: bytes) -> bool:
    if listed.sha256:
        return hashlib.sha256(data).hexdigest() == listed.sha256
    if listed.blob_id:
        return git_blob_sha1(data) == listed.blob_id
    return True


def _forget(local: Path) -> None:
    for path in {local, Path(os.path.realpath(local))}:
        try:
            path.unlink()
        except OSError:
            pass


def _too_big(path: str, size: int, limit: int, what: str | None) -> AppFormatError:
    field_name = "icon" if what == "icon" else (README_FILE if what == "README" else path)
    subject = f"The app's icon \"{path}\"" if what == "icon" else f"The app's {path}"
    return AppFormatError(f"{subject} is too big ({size / 1024:,.0f} KB); it may be at most {limit // 1024:,} KB.",
                          field=field_name)


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()
