"""The app's one way to reach the Hugging Face Hub: where (endpoint, mirror, offline), with which token, and why not.

Every Hub call goes through a :class:`HubConfig` resolved at call time, and inside :func:`hub_errors`, which turns
whatever the client or the network raised into a :class:`~desktop_gpt.errors.HubError` a person can act on::

    config = HubConfig.resolve(settings)
    with hub_errors(config):
        models = list(config.api().list_models(search="qwen", limit=20))  # list() inside: the listing is lazy

huggingface_hub reads HF_ENDPOINT only when it is imported, so the endpoint is always passed explicitly.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

from desktop_gpt import __version__, log
from desktop_gpt.errors import (
    DesktopGPTError,
    FileNotOnHub,
    GatedRepo,
    HubAuthError,
    HubError,
    HubOffline,
    HubProtocolError,
    HubRequestError,
    HubServerError,
    HubUnavailable,
    RepoNotFound,
    RevisionNotFound,
)
from desktop_gpt.i18n import _
from desktop_gpt.settings import Settings, load_settings
from desktop_gpt.store import hf
from desktop_gpt.store.token import origin_of, read_saved_token

_log = log.get("hub")


def _transport_error() -> type[BaseException]:
    """The HTTP library's base error (on huggingface_hub 1.18–1.29: the base of HfHubHTTPError)."""
    module = hf.http()
    return getattr(module, "HTTPError", None) or hf.utils.HfHubHTTPError.__bases__[0]

DEFAULT_ENDPOINT = "https://huggingface.co"
API_TIMEOUT = 30.0  # seconds; the client's own default is to wait forever for an API answer
LIBRARY = {"library_name": "desktop-gpt", "library_version": __version__}
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class HubConfig:
    """Where and how to reach the Hub, decided once per operation from settings and environment.

    Attributes:
        endpoint: the Hub or mirror address, without a trailing slash.
        token: the access token sent to it (None: anonymous). Never shown in repr. The saved token is used only
            for the address it was saved for, and HF_TOKEN only for huggingface.co: a mirror gets a token only
            when the user saves one for it in Settings.
        token_source: "settings" (the app's saved token), "HF_TOKEN" (environment) or "given"; None without one.
        offline: True when the Hub must not be contacted; offline_reason says why ("settings", "HF_HUB_OFFLINE").
        store_repo: the Hub repo holding the Store's featured list.
        timeout: seconds to wait for an API answer.
    """

    endpoint: str = DEFAULT_ENDPOINT
    token: str | None = field(default=None, repr=False)
    token_source: str | None = None
    offline: bool = False
    offline_reason: str | None = None
    store_repo: str = "desktop-gpt/store"
    timeout: float = API_TIMEOUT

    @classmethod
    def resolve(cls, settings: Settings | None = None, *, token: str | None = None) -> "HubConfig":
        """Settings ``hub_endpoint`` → ``HF_ENDPOINT`` → huggingface.co; the saved token → ``HF_TOKEN``.

        The app's saved token wins over ``HF_TOKEN`` when it was saved for this address; ``HF_TOKEN`` goes only to
        huggingface.co; ``token=`` overrides both (e.g. to test a token being typed).
        """
        settings = settings if settings is not None else load_settings().settings
        endpoint = current_endpoint(settings)
        source = "given" if token else None
        if not token:
            saved, origin = read_saved_token()
            token = saved if saved and origin == origin_of(endpoint) else None
            source = "settings" if token else None
        if not token and is_hugging_face(endpoint):
            token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN") or None
            source = "HF_TOKEN" if token else None
        env_offline = any(os.environ.get(name, "").strip().lower() in _TRUE
                          for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
        reason = "settings" if settings.offline else ("HF_HUB_OFFLINE" if env_offline else None)
        return cls(endpoint=endpoint.rstrip("/"), token=token, token_source=source, offline=reason is not None,
                   offline_reason=reason, store_repo=settings.store_repo)

    @property
    def is_mirror(self) -> bool:
        host = urlsplit(self.endpoint).hostname or ""
        return not (host == "huggingface.co" or host.endswith(".huggingface.co") or host == "hf.co")

    def repo_url(self, repo_id: str, repo_type: str = "model") -> str:
        """The repository's page, e.g. to request access to a gated model."""
        prefix = "" if repo_type in (None, "model") else f"{repo_type}s/"
        return f"{self.endpoint}/{prefix}{repo_id}"

    def file_url(self, repo_id: str, filename: str, *, revision: str | None = None, repo_type: str = "model") -> str:
        return hf.hub.hf_hub_url(repo_id, filename, revision=revision, repo_type=repo_type, endpoint=self.endpoint)

    def require_online(self) -> None:
        """Raise HubOffline when offline mode forbids contacting the Hub, HubRequestError for a plain-http address
        other than this computer's (a token and every answer would cross the network unprotected)."""
        if self.offline:
            raise HubOffline(_offline_message(self.offline_reason), endpoint=self.endpoint)
        if not is_secure(self.endpoint):
            raise HubRequestError(_("The Hub address {endpoint} is not encrypted. Desktop GPT uses only https:// "
                                    "addresses (http:// only for this computer: localhost or 127.0.0.1). Change it "
                                    "in Settings or HF_ENDPOINT.").format(endpoint=self.endpoint),
                                  endpoint=self.endpoint)
        _remember_home(self)

    def api(self) -> hf.hub.HfApi:
        """An HfApi for this endpoint and token (never the client's implicit token); raises HubOffline."""
        self.require_online()
        _prepare_client(self.timeout, self)
        return hf.hub.HfApi(endpoint=self.endpoint, token=self.token or False, **LIBRARY)

    def headers(self) -> dict[str, str]:
        """The headers the client would send (user agent, Authorization), for the app's own downloader."""
        _remember_home(self)
        return hf.utils.build_hf_headers(token=self.token or False, **LIBRARY)


_api_timeout = API_TIMEOUT  # the client's HTTP session is shared by the whole process, so this is too


def current_endpoint(settings: Settings | None = None) -> str:
    """The Hub address in use: settings ``hub_endpoint`` → ``HF_ENDPOINT`` → huggingface.co, without a final /."""
    settings = settings if settings is not None else load_settings().settings
    return (settings.hub_endpoint.strip() or os.environ.get("HF_ENDPOINT", "").strip() or DEFAULT_ENDPOINT).rstrip("/")


def is_hugging_face(endpoint: str) -> bool:
    """Whether the address is Hugging Face's own Hub (https), the only one ``HF_TOKEN`` is sent to."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host in ("huggingface.co", "hf.co") or host.endswith(".huggingface.co"))


def is_secure(endpoint: str) -> bool:
    """https, or plain http to this computer only."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    return is_loopback((parts.hostname or "").lower())


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_token_homes: dict[str, set[str]] = {}  # token → the origins it may be sent to (where it was saved or given for)


def _prepare_client(timeout: float, config: "HubConfig | None" = None) -> None:
    # The app promises no telemetry; the client checks this constant on every call.
    global _api_timeout
    hf.constants.HF_HUB_DISABLE_TELEMETRY = True
    _api_timeout = timeout
    if config is not None:
        _remember_home(config)
    session = hf.utils.get_session()
    hooks = session.event_hooks
    missing = [hook for hook in (_bound_timeouts, _keep_token_home) if hook not in hooks["request"]]
    if missing:
        session.event_hooks = {**hooks, "request": [*hooks["request"], *missing]}


def _remember_home(config: "HubConfig") -> None:
    """The token of ``config`` may go to its endpoint's origin (and only to the origins it was used with)."""
    if config.token:
        _token_homes.setdefault(config.token, set()).add(origin_of(config.endpoint))
    session = hf.utils.get_session()
    if _keep_token_home not in session.event_hooks["request"]:
        session.event_hooks = {**session.event_hooks, "request": [*session.event_hooks["request"], _keep_token_home]}


def _keep_token_home(request: Any) -> None:
    """Take our token off any request to another origin: a next-page link, a redirect, a mirror's CDN."""
    value = request.headers.get("authorization", "")
    token = value[7:].strip() if value[:7].lower() == "bearer " else ""
    homes = _token_homes.get(token)
    if homes is not None and origin_of(str(request.url)) not in homes:
        del request.headers["authorization"]


def _bound_timeouts(request: Any) -> None:
    """Give every request the timeouts the client left unset.

    HfApi's listing and info calls pass ``timeout=None``, which means "wait forever": on a network that drops
    packets to the Hub instead of refusing them, the Store would spin for good. Downloads set their own.
    """
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, dict) and None in timeouts.values():
        bounded = {key: _api_timeout if value is None else value for key, value in timeouts.items()}
        request.extensions = {**request.extensions, "timeout": bounded}


def download_file(config: HubConfig, repo_id: str, filename: str, *, revision: str | None = None,
                  repo_type: str = "model", cache_dir: str | Path | None = None, local_dir: str | Path | None = None,
                  force_download: bool = False, tqdm_class: Any = None) -> Path:
    """``hf_hub_download`` for this config (endpoint, token), with errors in words. Returns the local path.

    Good for small files (an app's JSON, icon, README). The client neither resumes across restarts nor checks
    hashes (tests/hub/README.md §1.7, §4), so model files need a downloader of their own.
    """
    config.require_online()
    _prepare_client(config.timeout, config)
    with hub_errors(config, repo_id=repo_id, filename=filename, revision=revision, repo_type=repo_type):
        path = hf.hub.hf_hub_download(repo_id, filename, revision=revision, repo_type=repo_type,
                                      endpoint=config.endpoint, token=config.token or False, cache_dir=cache_dir,
                                      local_dir=local_dir, force_download=force_download,
                                      etag_timeout=hf.constants.HF_HUB_ETAG_TIMEOUT, tqdm_class=tqdm_class,
                                      **LIBRARY)
    return Path(path)


def file_metadata(config: HubConfig, repo_id: str, filename: str, *, revision: str | None = None,
                  repo_type: str = "model"):
    """What a HEAD on the file says: ``location`` (the CDN URL for LFS files), ``etag``, ``commit_hash``, ``size``."""
    config.require_online()
    _prepare_client(config.timeout, config)
    url = config.file_url(repo_id, filename, revision=revision, repo_type=repo_type)
    with hub_errors(config, repo_id=repo_id, filename=filename, revision=revision, repo_type=repo_type):
        return hf.hub.get_hf_file_metadata(url, token=config.token or False,
                                           timeout=hf.constants.HF_HUB_ETAG_TIMEOUT, endpoint=config.endpoint,
                                           **LIBRARY)


# The client retries a listing 5 times with 1-2-4-8-8 s pauses (~23 s before "Hub down"); a list a person is
# waiting for should say so within a second or two and offer Retry instead.
QUICK_RETRIES = 1
QUICK_WAIT = 0.5


def quick_get(config: HubConfig, url: str, *, params: Any = None, **kwargs: Any) -> Any:
    """GET ``url`` with this config's headers and one short retry; raises the client's errors (use inside
    ``hub_errors``). Returns the response."""
    config.api()  # raises HubOffline before any request, and bounds the client's timeouts
    response = hf.utils.http_backoff("GET", url, params=params, headers=config.headers(),
                                     max_retries=QUICK_RETRIES, base_wait_time=QUICK_WAIT, max_wait_time=QUICK_WAIT,
                                     timeout=config.timeout, **kwargs)
    hf.utils.hf_raise_for_status(response)
    return response


@contextmanager
def hub_errors(config: HubConfig, *, repo_id: str | None = None, filename: str | None = None,
               revision: str | None = None, repo_type: str = "model",
               expected: tuple[type[HubError], ...] = ()) -> Iterator[None]:
    """Run Hub calls; any failure leaves as a HubError in words (the detail goes to the log: as a warning,
    unless it is one of the ``expected`` kinds the caller handles as a normal answer).

    Consume lazy listings (``list_models``, ``list_repo_tree``…) inside the block: they fail while iterating.
    """
    try:
        yield
    except DesktopGPTError:
        raise
    except Exception as exc:
        error = translate_error(exc, config, repo_id=repo_id, filename=filename, revision=revision,
                                repo_type=repo_type)
        if error is None:
            raise
        level = logging.INFO if isinstance(error, expected) else logging.WARNING
        _log.log(level, "%s [%s: %s]", error, type(exc).__name__, exc)
        raise error from exc


def translate_error(exc: BaseException, config: HubConfig, *, repo_id: str | None = None,
                    filename: str | None = None, revision: str | None = None,
                    repo_type: str = "model") -> HubError | None:
    """The HubError that explains ``exc`` to a person; None when ``exc`` is not about the Hub (a bug)."""
    ep = config.endpoint
    response = getattr(exc, "response", None) if isinstance(exc, hf.utils.HfHubHTTPError) else None
    url = str(response.url) if response is not None and response.request is not None else ""
    repo_id = getattr(exc, "repo_id", None) or repo_id
    status = response.status_code if response is not None else None
    kw: dict[str, Any] = {"endpoint": ep, "repo_id": repo_id, "status": status}
    name = f"'{repo_id}'" if repo_id else "that repository"

    if isinstance(exc, hf.utils.LocalEntryNotFoundError):
        # hf_hub_download wraps why it could not reach the Hub (and found no cached copy): explain the cause.
        cause = exc.__cause__ or exc.__context__
        if cause is not None:
            found = translate_error(cause, config, repo_id=repo_id, filename=filename, revision=revision,
                                    repo_type=repo_type)
            if found is not None:
                return found
        return HubUnavailable(_unreachable(ep), **kw)
    if isinstance(exc, hf.utils.OfflineModeIsEnabled):
        return HubOffline(_offline_message("HF_HUB_OFFLINE"), **kw)
    if isinstance(exc, hf.utils.GatedRepoError):
        page = config.repo_url(repo_id or "", repo_type)
        if config.token:
            message = (f"Your access token has not been given access to the gated repository {name} yet. "
                       f"Open {page} to request access; its authors may take a while to approve it.")
        else:
            message = (f"{name} is a gated repository: its authors ask you to accept their conditions first. "
                       f"Open {page}, request access, then add your access token in Settings.")
        return GatedRepo(message, url=page, **kw)
    if isinstance(exc, hf.utils.RepositoryNotFoundError):
        hint = ("your access token does not give access to it" if config.token
                else "add an access token in Settings to see it")
        return RepoNotFound(_("There is no repository {name} on the Hugging Face Hub at {ep}, or it is private "
                              "({hint}).").format(name=name, ep=ep, hint=hint), **kw)
    if isinstance(exc, hf.utils.RevisionNotFoundError):
        revision = revision or _from_url(url, 1)
        return RevisionNotFound(
            _("{name} has no branch, tag or commit called '{revision}'.").format(name=name, revision=revision), **kw
        )
    if isinstance(exc, hf.utils.EntryNotFoundError):
        filename = filename or _from_url(url, 2) or "That file"
        at = f" (revision {revision})" if revision and revision != "main" else ""
        return FileNotOnHub(
            _("'{filename}' is not in {name}{at} on the Hugging Face Hub.").format(filename=filename, name=name, at=at),
            **kw,
        )
    if isinstance(exc, hf.utils.HfHubHTTPError) and status is not None:
        said = _server_said(exc)
        if status == 401:
            message = (
                f"The Hugging Face Hub at {ep} did not accept your access token; it may be mistyped, revoked "
                f"or expired. Check it in Settings."
                if config.token
                else f"The Hugging Face Hub at {ep} needs an access token for this. Add one in Settings."
            )
            return HubAuthError(message, **kw)
        if status == 403:
            return HubAuthError(
                _(
                    "The Hugging Face Hub at {ep} did not allow this ({said}). Check that your access token has "
                    "the permission it needs, such as write access to publish."
                ).format(ep=ep, said=said or "access denied"),
                **kw,
            )
        if status == 429:
            return HubServerError(
                _(
                    "The Hugging Face Hub at {ep} received too many requests from this computer. Wait a minute "
                    "and try again."
                ).format(ep=ep),
                **kw,
            )
        if status >= 500:
            return HubServerError(
                _(
                    "The Hugging Face Hub at {ep} had a problem on its side (error {status}). Try again in a few "
                    "minutes."
                ).format(ep=ep, status=status),
                **kw,
            )
        return HubRequestError(
            _("The Hugging Face Hub at {ep} refused the request (error {status})").format(ep=ep, status=status)
            + (f": {said}" if said else "."),
            **kw,
        )
    if isinstance(exc, hf.errors.FileMetadataError):
        return HubProtocolError(_not_a_hub(ep) + _(" (a file answer lacked the Hub's headers)"), **kw)
    if isinstance(exc, hf.utils.HFValidationError):
        return RepoNotFound(
            _("{name} is not a valid repository name: it should look like owner/name.").format(name=name), **kw
        )
    if isinstance(exc, _transport_error()) or isinstance(exc, (ConnectionError, TimeoutError)):
        kinds = {c.__name__ for c in type(exc).__mro__}
        if "TimeoutException" in kinds or isinstance(exc, TimeoutError):
            return HubUnavailable(
                _(
                    "The Hugging Face Hub at {ep} did not answer in time. Check your connection, or set a mirror "
                    "in Settings."
                ).format(ep=ep),
                **kw,
            )
        if kinds & {"ProtocolError", "ReadError", "WriteError"} or isinstance(exc, ConnectionResetError):
            return HubUnavailable(
                _(
                    "The connection to the Hugging Face Hub at {ep} broke off. Check your connection and try again."
                ).format(ep=ep),
                **kw,
            )
        return HubUnavailable(_unreachable(ep), **kw)
    if isinstance(exc, (json.JSONDecodeError, KeyError)):
        return HubProtocolError(_not_a_hub(ep) + ".", **kw)
    if isinstance(exc, ValueError) and "Invalid metadata in README.md" in str(exc):
        return HubRequestError(
            _("The Hugging Face Hub rejected the README's metadata: {exc}").format(exc=str(exc).splitlines()[-1]), **kw
        )
    if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
        what = f"'{filename}'" if filename else "the file"
        return HubUnavailable(
            _(
                "The download of {what} from the Hugging Face Hub at {ep} stopped before it was complete. Try again."
            ).format(what=what, ep=ep),
            **kw,
        )
    return None


def check_repo_id(repo_id: object, asked: str | None = None) -> str:
    """``repo_id`` when it follows the Hub's rules (owner/name: ASCII letters, digits, "-", "_", "."; no "--" or
    "..") and, given ``asked``, names that same repo (the Hub may answer with another case). Else
    HubProtocolError: a server answering with ``..\\..\\Documents`` must not become a folder name."""
    ok = isinstance(repo_id, str) and repo_id.isascii() and repo_id.count("/") <= 1
    if ok:
        try:
            hf.utils.validate_repo_id(repo_id)
        except hf.utils.HFValidationError:
            ok = False
    if not ok or (asked is not None and repo_id.casefold() != asked.casefold()):  # type: ignore[union-attr]
        shown = repr(repo_id)[:80]
        raise HubProtocolError(
            _("The Hub answered with the repository name {shown}").format(shown=shown)
            + (_(" when asked for '{asked}'").format(asked=asked) if asked else "")
            + _("; Desktop GPT does not use it. If you set a mirror in Settings, check its address."),
            repo_id=asked,
        )
    return repo_id  # type: ignore[return-value]


_BAD_SEGMENTS = ("", ".", "..")


def is_safe_repo_path(path: object) -> bool:
    """Whether a file name from the Hub can become a path under our folders: relative, "/" between folders, no
    "..", "\\", ":", control character or empty part, at most 255 bytes a part."""
    if not isinstance(path, str) or not path or len(path) > 1024 or "\\" in path or ":" in path:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return False
    return all(
        part not in _BAD_SEGMENTS and part == part.strip() and len(part.encode("utf-8")) <= 255
        for part in path.split("/")
    )


def _unreachable(endpoint: str) -> str:
    return (
        f"The Hugging Face Hub could not be reached at {endpoint}. Check your connection, or set a mirror in Settings."
    )


def _not_a_hub(endpoint: str) -> str:
    return (
        f"The server at {endpoint} did not answer like a Hugging Face Hub; if you set a mirror in Settings, "
        f"check its address"
    )


def _offline_message(reason: str | None) -> str:
    if reason == "settings":
        return (
            "Desktop GPT is in offline mode, so it does not contact the Hugging Face Hub. Turn off offline mode "
            "in Settings to browse the Store or download models."
        )
    return (
        "Offline mode is on (HF_HUB_OFFLINE is set), so Desktop GPT does not contact the Hugging Face Hub. "
        "Unset HF_HUB_OFFLINE to go online."
    )


def _server_said(exc: hf.utils.HfHubHTTPError) -> str:
    said = (getattr(exc, "server_message", None) or "").strip().splitlines()
    return said[0][:200] if said else ""


def _from_url(url: str, part: int) -> str | None:
    """From a ``…/resolve/<revision>/<file>`` URL: the revision (part 1) or the file (part 2)."""
    path = urlsplit(url).path
    if "/resolve/" not in path:
        return None
    revision, _unused, filename = path.split("/resolve/", 1)[1].partition("/")
    return unquote(revision if part == 1 else filename) or None
