"""The Hugging Face access token: kept in its own 0600 file in the config folder with the Hub address it was saved
for (it is sent to that address only), and never written to a log."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from desktop_gpt.errors import SettingsError
from desktop_gpt.i18n import _
from desktop_gpt.paths import AppPaths, app_paths, write_private_text

# The redaction lives in the core (desktop_gpt.redaction) so the log needs no store; these names stay importable here.
from desktop_gpt.redaction import REDACTED, TokenRedactor, install_log_redaction, redact, redacting_filter  # noqa: F401

TOKEN_FILENAME = "hub-token"


def token_path(paths: AppPaths | None = None) -> Path:
    return (paths or app_paths()).config / TOKEN_FILENAME


def read_token(paths: AppPaths | None = None) -> str | None:
    """The saved token, or None when there is none (or the file cannot be read)."""
    return read_saved_token(paths)[0]


def read_saved_token(paths: AppPaths | None = None) -> tuple[str | None, str]:
    """The saved token and the origin (scheme://host[:port]) it was saved for; (None, …) when there is none.

    A file from before origins were kept was saved for huggingface.co.
    """
    try:
        lines = token_path(paths).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, origin_of(DEFAULT_ORIGIN)
    token = lines[0].strip() if lines else ""
    origin = lines[1].strip() if len(lines) > 1 and lines[1].strip() else DEFAULT_ORIGIN
    return token or None, origin_of(origin)


DEFAULT_ORIGIN = "https://huggingface.co"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an address, lower case, default ports left out: what a token is bound to."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and (scheme, port) not in (("https", 443), ("http", 80)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def save_token(token: str, paths: AppPaths | None = None, *, endpoint: str | None = None) -> Path:
    """Check and store the token for ``endpoint`` (default: the Hub address in use now), readable by this user
    only; the old file is replaced atomically. The token is later sent to that address's origin and no other."""
    token = token.strip()
    if not token:
        raise SettingsError(_("The access token is empty. Paste a token from huggingface.co/settings/tokens."))
    if len(token) > 512 or not token.isascii() or any(c.isspace() or not c.isprintable() for c in token):
        raise SettingsError(_("That does not look like an access token: it should be one word starting with hf_."))
    if endpoint is None:
        from desktop_gpt.store.hub import current_endpoint  # here: the Hub client imports this module

        endpoint = current_endpoint()
    path = token_path(paths)
    try:
        write_private_text(path, f"{token}\n{origin_of(endpoint)}\n")
    except OSError as exc:  # a read-only or full disk
        raise SettingsError(_("The access token could not be saved to {path}: {reason}.").format(
            path=path, reason=exc.strerror or exc)) from None
    return path


def clear_token(paths: AppPaths | None = None) -> bool:
    """Forget the saved token; True when there was one."""
    try:
        token_path(paths).unlink()
        return True
    except FileNotFoundError:
        return False
