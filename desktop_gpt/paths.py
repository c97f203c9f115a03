"""Where Desktop GPT keeps its config, data, cache and logs (platformdirs, or one DESKTOP_GPT_HOME folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop_gpt import APP_ID
from desktop_gpt.i18n import _

HOME_ENV = "DESKTOP_GPT_HOME"


@dataclass(frozen=True)
class AppPaths:
    """The four folders the app writes to.

    Attributes:
        config: settings.json lives here.
        data: the SQLite database, installed apps and downloaded models.
        cache: anything that can be thrown away.
        logs: rotating log files (app.log, engine.log).
    """

    config: Path
    data: Path
    cache: Path
    logs: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def database(self) -> Path:
        return self.data / "desktop-gpt.sqlite3"

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def apps(self) -> Path:
        return self.data / "apps"

    @property
    def states(self) -> Path:
        """Saved chat states (engine/states.py): a cache, rebuilt by processing a chat again."""
        return self.cache / "states"

    def ensure(self) -> "AppPaths":
        """Create the four folders, readable by this user only (chats, tokens and logs are nobody else's)."""
        for folder in (self.config, self.data, self.cache, self.logs):
            private_dir(folder)
        return self


def inside(root: Path, path: Path, what: str = "A file") -> Path:
    """``path`` resolved, when it lies inside ``root`` (symbolic links followed); else UnsafePathError.

    Every path built from data (a repo id, a file name from the Hub, a record on disk) is checked with this
    before anything is moved to it or deleted.
    """
    from desktop_gpt.errors import UnsafePathError

    resolved, base = Path(path).resolve(), Path(root).resolve()
    if resolved == base or not resolved.is_relative_to(base):
        raise UnsafePathError(
            _(
                "{what} would be at {path}, outside {root}; Desktop GPT did not touch it. The server or the file "
                "that named it is not to be trusted."
            ).format(what=what, path=path, root=root)
        )
    return resolved


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (and its parents) and make it 0700; an existing one is narrowed to 0700 too."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if folder.stat().st_mode & 0o777 != 0o700:
            os.chmod(folder, 0o700)
    except OSError:  # not ours (a shared DESKTOP_GPT_HOME), or Windows: its ACLs already keep it to the user
        pass
    return folder


def app_paths() -> AppPaths:
    """The folders for this run: all under $DESKTOP_GPT_HOME when it is set, else the platform's own."""
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser().resolve()
        return AppPaths(root / "config", root / "data", root / "cache", root / "logs")
    return AppPaths(
        Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
    )


_NOT_IN_FILE_NAMES = set('\\/:*?"<>|')


def safe_file_name(title: str, fallback: str, limit: int = 120) -> str:
    """A title made fit to be a file name on any system: no path separators or characters Windows refuses, no
    control characters, and no dots or spaces at the end ("Give me three tips." → "Give me three tips", so that
    adding ".md" gives one dot)."""
    kept = (
        " " if c.isspace() else c for c in title if c.isspace() or (c.isprintable() and c not in _NOT_IN_FILE_NAMES)
    )
    name = " ".join("".join(kept).split())[:limit].strip(" .")
    return name or fallback


def write_private_text(path: Path, text: str) -> Path:
    """Write a secret (an access token, an API key) readable by this user only, replacing any old file
    atomically. The file is 0600 from the start: never world-readable, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)  # in case the file already existed with wider permissions
    os.replace(tmp, path)
    return path
