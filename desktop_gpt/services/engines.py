"""The one place an engine backend is chosen and made: the GUI, the command line and the local server call it."""

from __future__ import annotations

from pathlib import Path

from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.errors import SettingsError
from desktop_gpt.paths import AppPaths, app_paths, write_private_text
from desktop_gpt.settings import Settings
from desktop_gpt.i18n import _

API_KEY_FILENAME = "server-api-key"


def create_engine(settings: Settings | None = None, log_dir: str | Path | None = None, server: str | None = None,
                  api_key: str | None = None) -> EngineBackend:
    """The engine the settings choose, or ``server`` when given (the command line's ``--server``): llama.cpp in
    a worker process on this computer, or an OpenAI-compatible server. A server's API key is ``api_key``, else
    the saved one (see save_api_key)."""
    if server is None and settings is not None and settings.engine == "server":
        server = settings.server_url
        if not server:
            raise SettingsError(
                _(
                    "Settings → Engine says “A server” but gives no address. Enter the server's address, or "
                    "choose “This computer”."
                )
            )
    if server:
        from desktop_gpt.engine.remote import RemoteEngine

        return RemoteEngine(server, api_key if api_key is not None else read_api_key())
    from desktop_gpt.engine.client import Engine

    return Engine(log_dir=log_dir)


def api_key_path(paths: AppPaths | None = None) -> Path:
    return (paths or app_paths()).config / API_KEY_FILENAME


def read_api_key(paths: AppPaths | None = None) -> str | None:
    """The saved API key of the remote server, or None."""
    try:
        key = api_key_path(paths).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return key or None


def save_api_key(key: str, paths: AppPaths | None = None) -> Path | None:
    """Keep the remote server's API key in its own file readable by this user only (never in settings.json or
    a log). An empty key removes the file."""
    key = key.strip()
    if not key:
        api_key_path(paths).unlink(missing_ok=True)
        return None
    if len(key) > 1024 or any(c.isspace() or not c.isprintable() for c in key):
        raise SettingsError(_("That does not look like an API key: it should be one word, with no spaces."))
    return write_private_text(api_key_path(paths), key)
