"""The apps on this computer: built-in ones, and installs from the Hub or a folder, each pinned and swapped in whole."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import psutil

from desktop_gpt import log
from desktop_gpt.errors import AppFormatError, AppInstallError, AppNotInstalled, Cancelled, DesktopGPTError
from desktop_gpt.paths import app_paths, inside
from desktop_gpt.resources import resource
from desktop_gpt.store import app_files
from desktop_gpt.store.app_diff import FieldChange, describe_changes, instructions_diff
from desktop_gpt.store.app_files import FetchedApp, InstallStep, Progress
from desktop_gpt.store.app_format import MANIFEST_FILE, README_FILE, AppManifest, check_icon, parse_manifest
from desktop_gpt.store.hub import HubConfig, check_repo_id
from desktop_gpt.i18n import _

_log = log.get("store")

INSTALL_FILE = "install.json"
TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"  # the previous version during an update's swap: restored if the swap was cut
GONE_PREFIX = ".gone-"  # an uninstalled app being deleted
SOURCES = ("hub", "builtin", "local")
_FRONT_MATTER = re.compile(r"\A\ufeff?---\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class InstalledApp:
    """An app ready to launch: checked manifest, its folder, and where it came from.

    Attributes:
        id: "owner/name" for a Hub app, "builtin:<folder>" for a built-in one, "local:<name>" for a folder install.
        source: "hub", "builtin" or "local".
        repo_id, sha: the Hub repo and the commit installed (None for built-in and local apps).
        installed_at: when it was installed (None for built-in apps).
    """

    id: str
    manifest: AppManifest
    folder: Path
    source: str
    repo_id: str | None = None
    sha: str | None = None
    installed_at: datetime | None = None

    name = property(lambda self: self.manifest.name)
    description = property(lambda self: self.manifest.description)
    tool = property(lambda self: self.manifest.tool)
    instructions = property(lambda self: self.manifest.instructions)
    starters = property(lambda self: self.manifest.starters)
    category = property(lambda self: self.manifest.category)
    tool_options = property(lambda self: dict(self.manifest.tool_options))

    @property
    def parameters(self) -> dict[str, Any]:
        """The sampling the app sets (keys as in Settings.sampling()); the rest stays the user's."""
        return self.manifest.parameters.as_dict()

    @property
    def icon_path(self) -> Path | None:
        if not self.manifest.icon:
            return None
        path = self.folder / self.manifest.icon
        return path if path.is_file() else None

    @property
    def readme(self) -> str:
        """README.md without its YAML front matter; "" when the app has none."""
        try:
            text = (self.folder / README_FILE).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return ""
        return strip_front_matter(text)

    @property
    def removable(self) -> bool:
        return self.source != "builtin"

    def hub_url(self, config: HubConfig) -> str | None:
        return config.repo_url(self.repo_id) if self.repo_id else None


@dataclass(frozen=True)
class AppUpdate:
    """A newer commit of an installed Hub app, and what it changes (read it before applying)."""

    app: InstalledApp
    sha: str
    manifest: AppManifest
    changes: tuple[FieldChange, ...]
    instructions_diff: str
    files_changed: tuple[str, ...] = ()  # of app.json, README.md and the icon: those the update replaces


def strip_front_matter(text: str) -> str:
    return _FRONT_MATTER.sub("", text, count=1).lstrip("\r\n")


def load_app_folder(folder: Path, source: str = "local", *, app_id: str | None = None) -> InstalledApp:
    """Read and check an app folder (app.json, icon, README.md); raises AppFormatError."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST_FILE
    try:
        manifest_bytes = manifest_path.read_bytes()
    except FileNotFoundError:
        raise AppFormatError(_("There is no app.json in {folder}.").format(folder=folder), field="app.json") from None
    except OSError as exc:
        raise AppFormatError(
            _("app.json in {folder} could not be read ({strerror}).").format(folder=folder, strerror=exc.strerror),
            field="app.json",
        ) from None
    manifest = parse_manifest(manifest_bytes)
    if manifest.icon:
        icon = folder / manifest.icon
        if not icon.is_file():
            raise AppFormatError(
                _("The app's icon \"{icon}\" is not in the app's folder.").format(icon=manifest.icon), field="icon"
            )
        check_icon(manifest.icon, icon.read_bytes())
    readme = folder / README_FILE
    if readme.is_file():
        app_files.check_readme(readme.read_bytes())
    record: dict[str, Any] = {}
    if source != "builtin":
        try:
            record = json.loads((folder / INSTALL_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        record = record if isinstance(record, dict) else {}
    return InstalledApp(
        id=app_id or record.get("id") or f"local:{_slug(folder.name)}",
        manifest=manifest,
        folder=folder,
        source=record.get("source", source),
        repo_id=record.get("repo_id"),
        sha=record.get("sha"),
        installed_at=_when(record.get("installed_at")),
    )


def builtin_apps(root: Path | None = None) -> list[InstalledApp]:
    """The apps shipped in desktop_gpt/resources/apps/<folder>/ (available offline); a broken one is logged and left out."""
    root = root or resource("apps")
    apps = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not folder.is_dir() or folder.name.startswith((".", "_")):
            continue
        try:
            apps.append(load_app_folder(folder, "builtin", app_id=f"builtin:{folder.name}"))
        except DesktopGPTError as exc:
            _log.error("built-in app %s is broken: %s", folder.name, exc)
    return sorted(apps, key=lambda a: a.name.casefold())


def folder_name(repo_id: str) -> str:
    """apps/<owner>--<name>: Hub names never contain "--", so this cannot collide."""
    return repo_id.replace("/", "--")


class AppLibrary:
    """The installed apps under the data folder's ``apps/``, one folder each, plus the built-in apps.

    Installs are built in a temp folder next to the others and swapped in with ``os.replace``; an interrupted
    install leaves at most a temp folder, which the next AppLibrary removes. Thread-safe for one process.
    """

    _active: set[str] = set()  # temp folders this process is still writing (shared by every library object)
    _lock = threading.RLock()

    def __init__(self, root: Path | None = None, *, builtin_root: Path | None = None):
        self.root = Path(root) if root is not None else app_paths().apps
        self.builtin_root = builtin_root
        self.cleanup()

    # -- reading ----------------------------------------------------------------------------------------------
    def installed(self) -> list[InstalledApp]:
        """The apps installed from the Hub or a folder, by name; a damaged one is logged and left out."""
        apps = []
        for folder in sorted(self.root.iterdir()) if self.root.is_dir() else []:
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            try:
                apps.append(load_app_folder(folder, "local"))
            except DesktopGPTError as exc:
                _log.error("installed app %s cannot be read: %s", folder.name, exc)
        return sorted(apps, key=lambda a: a.name.casefold())

    def builtin(self) -> list[InstalledApp]:
        return builtin_apps(self.builtin_root)

    def apps(self) -> list[InstalledApp]:
        """Installed apps, then built-in ones."""
        return self.installed() + self.builtin()

    def get(self, key: str) -> InstalledApp | None:
        """The app with this id or repo id (case-insensitive, as on the Hub); None when there is none."""
        wanted = key.strip().casefold()
        for app in self.apps():
            if wanted in (app.id.casefold(), (app.repo_id or "").casefold(), app.folder.name.casefold()):
                return app
        return None

    def require(self, key: str) -> InstalledApp:
        app = self.get(key)
        if app is None:
            raise AppNotInstalled(
                _("No installed app is called '{key}'. `desktop-gpt apps list` shows them.").format(key=key)
            )
        return app

    # -- installing -------------------------------------------------------------------------------------------
    def install(
        self,
        config: HubConfig,
        repo_id: str,
        revision: str | None = None,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> InstalledApp:
        """Install ``repo_id`` at the commit ``revision`` (default main) names now; replaces an installed copy."""
        report = progress or (lambda step: None)
        report(InstallStep("resolving", 0, 0, f"Looking up {repo_id} on the Hub"))
        remote = app_files.resolve(config, repo_id, revision)
        fetched = app_files.fetch_app(config, remote, progress=report, cancel=cancel)
        return self._place(fetched, report, cancel, endpoint=config.endpoint, revision=revision)

    def install_folder(self, path: Path | str) -> InstalledApp:
        """Install an app from a folder on this computer (e.g. one being written before it is published)."""
        source = load_app_folder(Path(path), "local")
        files = {MANIFEST_FILE: (source.folder / MANIFEST_FILE).read_bytes()}
        if source.manifest.icon:
            files[source.manifest.icon] = (source.folder / source.manifest.icon).read_bytes()
        if (source.folder / README_FILE).is_file():
            files[README_FILE] = (source.folder / README_FILE).read_bytes()
        slug = _slug(Path(path).resolve().name)
        record = {"id": f"local:{slug}", "source": "local", "path": str(Path(path).resolve())}
        return self._write(f"local+{slug}", files, record, lambda step: None, None)

    def uninstall(self, key: str) -> InstalledApp:
        """Remove an installed app (its folder); returns what was removed. Built-in apps cannot be removed."""
        app = self.require(key)
        if not app.removable:
            raise AppInstallError(
                _("'{name}' is built into Desktop GPT and cannot be uninstalled.").format(name=app.name)
            )
        with self._lock:
            inside(self.root, app.folder, f"The folder of '{app.name}'")  # an installed app is one of ours
            graveyard = self.root / f"{GONE_PREFIX}{os.getpid()}-{os.urandom(4).hex()}--{app.folder.name}"
            try:
                os.replace(app.folder, graveyard)  # one step: the app is gone even if deleting is interrupted
            except FileNotFoundError:
                raise AppNotInstalled(_("'{name}' is no longer installed.").format(name=app.name)) from None
            except OSError as exc:
                raise AppInstallError(
                    _("'{name}' could not be removed: {strerror}.").format(name=app.name, strerror=exc.strerror)
                ) from None
            shutil.rmtree(graveyard, ignore_errors=True)
        return app

    def check_update(self, config: HubConfig, app: InstalledApp) -> AppUpdate | None:
        """A newer commit of a Hub app on main that changes the app's files, with what it changes; None when the
        installed one is current (a commit that only touches other files of the repo is not an update)."""
        if app.source != "hub" or not app.repo_id:
            return None
        remote = app_files.resolve(config, app.repo_id)
        if remote.sha == app.sha:
            return None
        changed = [
            name for name in (MANIFEST_FILE, README_FILE) if not _same(app.folder / name, remote.files.get(name))
        ]
        manifest = app.manifest
        if MANIFEST_FILE in changed:
            manifest = parse_manifest(app_files.fetch_file(config, remote, MANIFEST_FILE, app_files.MAX_MANIFEST_BYTES))
        if manifest.icon and not _same(app.folder / manifest.icon, remote.files.get(manifest.icon)):
            changed.append(manifest.icon)
        if not changed:
            return None
        return AppUpdate(
            app,
            remote.sha,
            manifest,
            describe_changes(app.manifest, manifest),
            instructions_diff(app.manifest.instructions, manifest.instructions),
            tuple(changed),
        )

    def update(
        self,
        config: HubConfig,
        update: AppUpdate,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> InstalledApp:
        """Install exactly the commit the user reviewed; the old version stays until the new one is checked."""
        return self.install(config, update.app.repo_id or "", update.sha, progress=progress, cancel=cancel)

    # -- the swap ---------------------------------------------------------------------------------------------
    def _place(
        self,
        fetched: FetchedApp,
        report: Progress,
        cancel: threading.Event | None,
        *,
        endpoint: str,
        revision: str | None,
    ) -> InstalledApp:
        record = {
            "id": fetched.repo_id,
            "source": "hub",
            "repo_id": fetched.repo_id,
            "sha": fetched.sha,
            "revision": revision or "main",
            "endpoint": endpoint,
        }
        return self._write(folder_name(check_repo_id(fetched.repo_id)), fetched.files(), record, report, cancel)

    def _write(
        self, name: str, files: Mapping[str, bytes], record: dict, report: Progress, cancel: threading.Event | None
    ) -> InstalledApp:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        report(InstallStep("installing", 0, 0, "Installing"))
        record = {**record, "installed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with self._lock:
                temp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=self.root))
                self._active.add(temp.name)
        except OSError as exc:
            raise AppInstallError(
                _("The app could not be installed in {root}: {strerror}.").format(root=self.root, strerror=exc.strerror)
            ) from None
        try:
            for rel, data in files.items():
                target = temp.joinpath(*rel.split("/"))
                if not target.resolve().is_relative_to(temp.resolve()):  # parse_manifest refused this already
                    raise AppFormatError(
                        _("The app's file \"{rel}\" would leave the app's folder.").format(rel=rel), field="icon"
                    )
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            (temp / INSTALL_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            app = load_app_folder(temp, record["source"])  # what is swapped in is checked once more, as written
            with self._lock:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                final = self._swap(temp, inside(self.root, self.root / name, "The app's folder"))
        except OSError as exc:
            shutil.rmtree(temp, ignore_errors=True)
            raise AppInstallError(
                _("The app could not be installed in {root}: {strerror}.").format(
                    root=self.root, strerror=exc.strerror or exc
                )
            ) from None
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        finally:
            self._active.discard(temp.name)
        installed = load_app_folder(final, record["source"])
        report(InstallStep("done", 0, 0, f"Installed {app.name}"))
        _log.info("installed %s (%s) at %s", installed.id, installed.sha or installed.source, final)
        return installed

    def _swap(self, temp: Path, final: Path) -> Path:
        old = None
        if final.exists():
            old = self.root / f"{OLD_PREFIX}{os.getpid()}-{os.urandom(4).hex()}--{final.name}"
            os.replace(final, old)
        try:
            os.replace(temp, final)
        except OSError:
            if old is not None:
                os.replace(old, final)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def cleanup(self) -> list[Path]:
        """Remove what an interrupted install or removal left (a crashed process's temp folders); restore an app
        whose update was cut between its two renames. Returns the paths removed."""
        removed: list[Path] = []
        if not self.root.is_dir():
            return removed
        with self._lock:
            for path in sorted(self.root.iterdir()):
                if not path.name.startswith((TMP_PREFIX, OLD_PREFIX, GONE_PREFIX)) or self._in_use(path):
                    continue
                if path.name.startswith(OLD_PREFIX):
                    final = self.root / path.name.split("--", 1)[-1]
                    if not final.exists():
                        try:
                            os.replace(path, final)
                            _log.warning("restored %s after an interrupted update", final.name)
                            continue
                        except OSError:
                            pass
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
                _log.info("removed leftover %s", path.name)
        return removed

    def _in_use(self, path: Path) -> bool:
        if path.name in self._active:
            return True
        match = re.match(r"\.(?:tmp|old|gone)-(\d+)-", path.name)
        pid = int(match.group(1)) if match else None
        return pid is not None and pid != os.getpid() and psutil.pid_exists(pid)


def _same(local: Path, remote: app_files.RemoteFile | None) -> bool:
    """Whether the installed file is the one the Hub lists (unknown hashes count as different)."""
    if remote is None or not local.is_file():
        return remote is None and not local.is_file()
    if not (remote.sha256 or remote.blob_id):
        return False
    return app_files.matches(remote, local.read_bytes())


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.")
    return slug[:60] or "app"


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


__all__ = [
    "AppLibrary",
    "AppUpdate",
    "FieldChange",
    "InstallStep",
    "InstalledApp",
    "builtin_apps",
    "describe_changes",
    "folder_name",
    "instructions_diff",
    "load_app_folder",
]
