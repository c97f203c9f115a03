"""Errors a user can act on: each carries a message written for a person, shown as-is by the UI and the CLI."""

from __future__ import annotations


class DesktopGPTError(Exception):
    """Base of every error the user should see in words. ``str(error)`` is that message."""


class SettingsError(DesktopGPTError):
    """A setting has a value it cannot take."""


class ModelLoadError(DesktopGPTError):
    """A model file could not be loaded (not a GGUF, truncated, unsupported, out of memory…)."""


class NoModelError(DesktopGPTError):
    """No model is configured, bundled or loaded."""


class TemplateError(DesktopGPTError):
    """The model's chat template could not be rendered."""


class ContextFullError(DesktopGPTError):
    """The message does not fit in the model's context window even after dropping history."""


class EngineCrashed(DesktopGPTError):
    """The engine worker process died; it is restarted on the next request."""


class EngineBusy(DesktopGPTError):
    """The engine is already working on another request."""


class StorageError(DesktopGPTError):
    """The database could not be opened or written."""


class Cancelled(Exception):
    """The user stopped the work. Never shown as an error."""


class PromptTemplateError(DesktopGPTError):
    """A prompt template file (desktop_gpt/resources/templates or the user's copy) is missing or has a mistake."""


class ToolInputError(DesktopGPTError):
    """A writing, translation or code request names an unknown language, task or kind, or has no text."""


class FileAccessError(DesktopGPTError):
    """A document the user chose could not be read (missing, not text) or written (no permission, disk full)."""


class UnsafePathError(DesktopGPTError):
    """A path built from data (a Hub answer, a record on disk) would leave the folder it belongs in; nothing was
    moved or deleted."""


class HubError(DesktopGPTError):
    """Talking to the Hugging Face Hub (or a mirror) failed; the message says why, in words.

    Attributes:
        endpoint: the Hub address that was used.
        repo_id: the repository concerned, when there is one.
        status: the HTTP status the Hub answered, when it answered.
    """

    def __init__(self, message: str, *, endpoint: str | None = None, repo_id: str | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.endpoint, self.repo_id, self.status = endpoint, repo_id, status


class HubUnavailable(HubError):
    """The Hub could not be reached: no connection, DNS, refused, timed out, or the connection broke off."""


class HubOffline(HubError):
    """Offline mode is on (the setting or HF_HUB_OFFLINE), so the Hub is not contacted."""


class RepoNotFound(HubError):
    """No such repository, or it is private and the token cannot see it, or the name is not a valid repo id."""


class GatedRepo(HubError):
    """The repository is gated: the user must accept its conditions on the Hub and use a token that has access.

    Attributes:
        url: the repository's page, where access is requested.
    """

    def __init__(self, message: str, *, url: str, **kwargs):
        super().__init__(message, **kwargs)
        self.url = url


class FileNotOnHub(HubError):
    """The repository exists but has no such file at that revision."""


class RevisionNotFound(HubError):
    """The repository has no such branch, tag or commit."""


class HubAuthError(HubError):
    """The Hub refused the access token (wrong, expired) or what it allows (e.g. a read-only token publishing)."""


class HubServerError(HubError):
    """The Hub answered with a server error (5xx) or asked to slow down (429)."""


class HubProtocolError(HubError):
    """The server answered, but not like a Hugging Face Hub (unreadable JSON, missing headers)."""


class HubRequestError(HubError):
    """The Hub refused the request for another reason it gave (a conflict, invalid metadata…)."""


class DownloadError(DesktopGPTError):
    """A model download could not finish; the partial file is kept so the same download can resume."""


class IntegrityError(DownloadError):
    """A downloaded file's sha256 does not match the Hub's; the file was deleted."""


class NotEnoughSpace(DownloadError):
    """The disk has too little free space for a download (the message gives both figures)."""


class ModelNotInstalled(DesktopGPTError):
    """No installed model matches the name given (or several do)."""


class AppFormatError(DesktopGPTError):
    """An app (app.json, its icon or README) breaks the app format; the message names what, in words.

    Attributes:
        field: the field at fault, e.g. "name", "parameters.temperature", "icon", "app.json".
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class AppNotInstalled(DesktopGPTError):
    """No installed app has that id or repo id."""


class AppInstallError(DesktopGPTError):
    """An app could not be installed, updated or removed on this computer (disk full, no permission…)."""


class ServerError(DesktopGPTError):
    """A remote OpenAI-compatible server (or our own local server's client) could not do what was asked."""


class ServerUnreachable(ServerError):
    """The server could not be reached (wrong address, not running, no network) or did not answer in time."""


class ServerAuthError(ServerError):
    """The server refused the API key (401/403)."""


class ServerModelNotFound(ServerError):
    """The server has no model with the name asked for."""


class ServerBusy(ServerError):
    """The server is overloaded (429) or failed (5xx); trying again later may work."""


class StreamInterrupted(ServerError):
    """The connection broke off in the middle of a reply; what arrived is kept, marked incomplete."""
