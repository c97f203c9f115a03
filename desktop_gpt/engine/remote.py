"""A remote engine: any OpenAI-compatible server (llama-server, vLLM, Ollama, LM Studio, our own) through the
official ``openai`` client. Stop shuts the stream's socket at once; every failure is a worded ServerError."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from desktop_gpt import log
from desktop_gpt.engine.protocol import (
    Done,
    Event,
    GenerationStats,
    LoadProgress,
    ModelInfo,
    SamplingParams,
    Token,
    Trimmed,
)
from desktop_gpt.errors import (
    ContextFullError,
    EngineBusy,
    NoModelError,
    ServerAuthError,
    ServerBusy,
    ServerError,
    ServerModelNotFound,
    ServerUnreachable,
    StreamInterrupted,
)
from desktop_gpt.instance import APP_INSTANCE, HEADER
from desktop_gpt.redaction import register_secret
from desktop_gpt.i18n import _, ngettext

_log = log.get("engine.remote")

CONNECT_TIMEOUT_S = 10.0
# Between two pieces of a stream: a big prompt on a busy server can take minutes before the first token.
READ_TIMEOUT_S = 600.0
# Without the server's tokenizer: about 4 characters a token for Latin text, one for each CJK character.
CHARS_PER_TOKEN = 4


def api_base(url: str) -> str:
    """The OpenAI base URL of a server address: ``http://host:8080`` and ``http://host:8080/v1`` both give
    ``http://host:8080/v1``. Raises ServerError for an address that is not http(s)."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServerError(_("“{url}” is not a server address. Write it like http://192.168.1.20:8080 or "
            "https://example.com/v1.").format(url=url))
    return url if parts.path.endswith("/v1") else url + "/v1"


def host_of(url: str) -> str:
    """What the status bar shows of a server: ``host:port``."""
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1]


def estimate_tokens(text: str) -> int:
    """A stated estimate when the server cannot count: CJK characters count one each, the rest 4 characters."""
    wide = sum(1 for c in text if ord(c) >= 0x2E80)
    return wide + (len(text) - wide + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


class RemoteEngine:
    """An OpenAI-compatible server as an EngineBackend (see engine/backend.py).

    ``load(model)`` selects one of the models the server lists (the first when ``model`` is empty). Chat uses
    ``/v1/chat/completions`` and raw continuation ``/v1/completions``, both streamed; ``cancel()`` shuts the
    connection at once, which also tells the server to stop. Token counts use the server's ``/tokenize`` when it
    has one (llama-server, vLLM, llama-cpp-python's ``/extras/tokenize``), else ``estimate_tokens``.

    Attributes:
        base_url: the server's OpenAI base URL (ends in /v1).
        host: ``host:port`` for the status bar.
    """

    kind = "remote"

    def __init__(self, url: str, api_key: str | None = None, timeout: float = READ_TIMEOUT_S):
        import openai  # its own Timeout and HTTP client: the same across openai versions (httpx or httpx2)

        self.base_url = api_base(url)
        self.host = host_of(self.base_url)
        self._root = self.base_url[: -len("/v1")]
        register_secret(api_key)
        # Every request says which app sent it: the app's own local server refuses it (server/own_app.py)
        # instead of waiting on the app for ever.
        own = {HEADER: APP_INSTANCE}
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or "no-key", max_retries=0,
            timeout=openai.Timeout(timeout, connect=CONNECT_TIMEOUT_S), default_headers=own,
        )
        self._http = openai.DefaultHttpxClient(timeout=openai.Timeout(30.0, connect=CONNECT_TIMEOUT_S),
                                  headers={**own, "Authorization": f"Bearer {api_key}"} if api_key else own)
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._response = None  # the httpx response being streamed, so cancel() can shut it
        self._tokenize: Callable[[str], int] | None = None
        self.info: ModelInfo | None = None
        self.last_stats: GenerationStats | None = None
        self.exact_token_counts = False
        self.stop_requested: Callable[[], bool] = lambda: False  # as on the local engine: asked as a request starts

    # -- models ---------------------------------------------------------------------------------------------
    def models(self) -> list[str]:
        """The ids of the models the server offers."""
        return [m.id for m in self._model_list()]

    def _model_list(self) -> list[Any]:
        try:
            return list(self._client.models.list())
        except Exception as exc:  # noqa: BLE001 - mapped to a worded error
            raise self._worded(exc) from None

    def load(self, model: str | Path = "", context_size: int = 4096, gpu_layers: int = -1, threads: int = 0,
             on_progress: Callable[[LoadProgress], None] | None = None) -> ModelInfo:
        """Select ``model`` on the server (no file is loaded here; gpu_layers and threads are the server's)."""
        if on_progress is not None:
            on_progress(LoadProgress(0.1, f"Connecting to {self.host}"))
        listed = self._model_list()
        ids = [m.id for m in listed]
        name = str(model or "")
        if not ids:
            raise NoModelError(_("The server at {host} offers no model.").format(host=self.host))
        if not name:
            name = ids[0]
        elif name not in ids:
            raise ServerModelNotFound(
                _("The server at {host} has no model called “{name}”. It offers: ").format(host=self.host, name=name)
                + ", ".join(ids[:10])
                + ("…" if len(ids) > 10 else "")
                + "."
            )
        entry = listed[ids.index(name)]
        extra = getattr(entry, "model_extra", None) or {}
        context = (
            _int(extra.get("max_model_len"))
            or _int(extra.get("context_length"))
            or _int((extra.get("meta") or {}).get("n_ctx_train"))
        )
        self._tokenize = self._find_tokenizer(name)
        self.exact_token_counts = self._tokenize is not None
        self.info = ModelInfo(
            path="",
            name=name,
            architecture="",
            parameters=0,
            quantization=None,
            file_size=0,
            context_train=context or None,
            context_size=self._server_context(context or context_size),
            has_chat_template=True,
            template_source="server",
            backend="Server",
            title=name,
            server=self.host,
        )
        if on_progress is not None:
            on_progress(LoadProgress(1.0, "Ready"))
        _log.info(
            "using model %s on %s (token counts %s)",
            name,
            self.host,
            "from the server" if self.exact_token_counts else "estimated",
        )
        return self.info

    def _server_context(self, fallback: int) -> int:
        """llama-server tells its context size in /props; other servers keep the one the model lists."""
        try:
            r = self._http.get(f"{self._root}/props")
            if r.status_code == 200:
                n_ctx = _int((r.json().get("default_generation_settings") or {}).get("n_ctx"))
                if n_ctx:
                    return n_ctx
        except Exception:  # noqa: BLE001 - an optional extra: many servers have no /props
            pass
        return fallback

    def _find_tokenizer(self, model: str) -> Callable[[str], int] | None:
        """The server's own token counter, if it has one we know."""
        candidates = [
            (f"{self._root}/tokenize", lambda text: {"content": text, "prompt": text, "model": model}),
            (f"{self._root}/extras/tokenize", lambda text: {"input": text, "model": model}),
        ]
        for url, body in candidates:
            try:
                r = self._http.post(url, json=body("hello"))
                if r.status_code == 200 and isinstance(r.json().get("tokens"), list):
                    return lambda text, url=url, body=body: len(self._http.post(url, json=body(text)).json()["tokens"])
            except Exception:  # noqa: BLE001 - no tokenizer there: try the next, else estimate
                continue
        return None

    def count_tokens(self, text: str | None = None, messages: list[dict[str, str]] | None = None) -> int:
        if messages is not None:
            text = "\n".join(f"{m.get('role', '')}: {m.get('content', '')}" for m in messages)
        text = text or ""
        if self._tokenize is not None:
            try:
                return self._tokenize(text)
            except Exception as exc:  # noqa: BLE001 - fall back to the estimate, and say so in the log
                _log.info("the server's tokenizer failed (%s); estimating", type(exc).__name__)
        return estimate_tokens(text)

    # -- generation -----------------------------------------------------------------------------------------
    def chat(self, messages: list[dict[str, str]], params: SamplingParams | dict | None = None,
             session: str | None = None, prefix_tokens: list[int] | None = None) -> Iterator[Event]:
        _no_prefix(prefix_tokens)  # ``session``: a server keeps its own cache
        return self._stream("chat", messages, params)

    def fit(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[list[dict[str, str]], int]:
        """``messages`` cut to fit the model's context with room for the reply: the oldest turns go first, never
        the system prompt or the newest message. Returns the messages kept and how many were left out."""
        size = self.info.context_size if self.info is not None else 0
        budget = size - min(max_tokens, size // 2)
        if not size or self.count_tokens(messages=messages) <= budget:
            return messages, 0
        head = messages[:1] if messages and messages[0].get("role") == "system" else []
        rest = messages[len(head) :]
        sizes = [self.count_tokens(messages=[m]) for m in rest]
        total = self.count_tokens(messages=head) + sum(sizes)
        dropped = 0
        while len(rest) - dropped > 1 and total > budget:
            total -= sizes[dropped]
            dropped += 1
        return head + rest[dropped:], dropped

    def complete(self, text: str, params: SamplingParams | dict | None = None,
                 prefix_tokens: list[int] | None = None) -> Iterator[Event]:
        _no_prefix(prefix_tokens)
        return self._stream("complete", text, params)

    def cancel(self) -> None:
        """Stop the current stream now: its socket is shut, so even a reply waiting on the server ends."""
        self._cancel.set()
        response = self._response
        if response is not None:
            _shut(response)

    def _stream(self, kind: str, prompt: Any, params: SamplingParams | dict | None) -> Iterator[Event]:
        if isinstance(params, dict) or params is None:
            params = SamplingParams.from_dict(params)
        return self._events(kind, prompt, params)

    def _events(self, kind: str, prompt: Any, params: SamplingParams) -> Iterator[Event]:
        if not self._lock.acquire(blocking=False):
            raise EngineBusy(_("The model is busy with another request. Stop it first, or wait for it to finish."))
        if self.stop_requested():  # a Stop pressed while this request waited its turn
            self._cancel.set()
        else:
            self._cancel.clear()
        started = time.monotonic()
        stats = GenerationStats(context_size=self.info.context_size if self.info else 0)
        first = 0.0
        pieces = 0
        finish = ""
        stream = None
        try:
            if self.info is None:
                raise NoModelError(_("No model is selected on the server. Choose one in Settings → Engine."))
            if kind == "chat":
                prompt, dropped = self.fit(prompt, params.max_tokens)
                if dropped:
                    stats.dropped_messages = dropped
                    yield Trimmed(dropped, _trim_message(dropped, self.exact_token_counts))
            args = dict(
                model=self.info.name,
                stream=True,
                stream_options={"include_usage": True},
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                extra_body={"top_k": params.top_k, "min_p": params.min_p, "repeat_penalty": params.repeat_penalty},
            )
            if params.seed is not None:
                args["seed"] = params.seed
            try:
                if self._cancel.is_set():  # stopped before it was sent: the server never hears of it
                    finish = "cancelled"
                elif kind == "chat":
                    stream = self._client.chat.completions.create(messages=prompt, **args)
                else:
                    stream = self._client.completions.create(prompt=prompt, **args)
            except Exception as exc:  # noqa: BLE001 - mapped to a worded error
                if not self._cancel.is_set():
                    raise self._worded(exc) from None
                finish = "cancelled"
            if stream is not None:
                self._response = stream.response
                if self._cancel.is_set():  # Stop pressed while the request was being sent
                    _shut(stream.response)
                try:
                    for chunk in stream:
                        usage = getattr(chunk, "usage", None)
                        if usage is not None:
                            stats.prompt_tokens = usage.prompt_tokens or 0
                            stats.prompt_evaluated = stats.prompt_tokens
                            stats.completion_tokens = usage.completion_tokens or 0
                        for choice in chunk.choices or []:
                            text = choice.delta.content if kind == "chat" else choice.text
                            if text:
                                if not first:
                                    first = time.monotonic() - started
                                pieces += 1
                                yield Token(text)
                            if choice.finish_reason:
                                finish = choice.finish_reason
                        if self._cancel.is_set():
                            finish = "cancelled"
                            break
                except GeneratorExit:  # the caller stopped reading: that is a Stop too
                    finish = "cancelled"
                    raise
                except Exception as exc:  # noqa: BLE001 - a cut stream, or our own Stop shutting the socket
                    if not self._cancel.is_set():
                        raise self._cut(exc, pieces) from None
                    finish = "cancelled"
                if not finish:
                    if not self._cancel.is_set():
                        raise StreamInterrupted(
                            _(
                                "The server at {host} ended the reply without finishing it; what arrived is "
                                "kept, marked incomplete."
                            ).format(host=self.host)
                        )
                    finish = "cancelled"
        finally:
            self._response = None
            if stream is not None:
                try:
                    stream.close()
                except Exception:  # noqa: BLE001 - already shut
                    pass
            if finish:
                stats.finish_reason = {"stop": "stop", "length": "length", "cancelled": "cancelled"}.get(finish, "stop")
                if not stats.completion_tokens:
                    stats.completion_tokens = pieces
                stats.total_s = round(time.monotonic() - started, 3)
                stats.ttft_s = round(first, 3)
                gen_s = stats.total_s - first
                if pieces > 1 and gen_s > 0:
                    stats.tokens_per_s = round((stats.completion_tokens - 1) / gen_s, 1)
                stats.context_used = stats.prompt_tokens + stats.completion_tokens
                self.last_stats = stats
            self._lock.release()
        yield Done(stats)

    # -- errors ---------------------------------------------------------------------------------------------
    def _worded(self, exc: Exception) -> ServerError | ContextFullError:
        """An openai/httpx exception as the error a person reads; the detail goes to the log."""
        import openai

        _log.info("server request failed: %s: %s", type(exc).__name__, exc)
        where = f"the server at {self.host}"
        if isinstance(exc, openai.APIStatusError) and is_own_server(exc.response):
            return ServerError(
                _(
                    "That address is this app's own server (Settings → Engine → “Serve the model to other programs "
                    "on this computer”), which serves the model this app uses, so the app would wait on itself. "
                    "Choose “This computer (llama.cpp)” to use the model here, or enter the address of another "
                    "server."
                )
            )
        if isinstance(exc, openai.APITimeoutError):
            return ServerUnreachable(
                _("{capitalize} did not answer in time. Check that it is running.").format(
                    capitalize=where.capitalize()
                )
            )
        if isinstance(exc, openai.APIConnectionError):
            return ServerUnreachable(
                _("Could not reach {where}. Check the address and that the server is running.").format(where=where)
            )
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return ServerAuthError(
                _("{capitalize} refused the API key. Check the key in Settings → Engine.").format(
                    capitalize=where.capitalize()
                )
            )
        if isinstance(exc, openai.NotFoundError):
            name = self.info.name if self.info else "the model"
            return ServerModelNotFound(
                _(
                    "{capitalize} does not know “{name}” (or this endpoint). Choose another model in Settings → Engine."
                ).format(capitalize=where.capitalize(), name=name)
            )
        if isinstance(exc, openai.RateLimitError):
            return ServerBusy(
                _("{capitalize} is busy (too many requests). Try again in a moment.").format(
                    capitalize=where.capitalize()
                )
            )
        if isinstance(exc, openai.APIStatusError):
            detail = _detail(exc)
            if exc.status_code >= 500:
                return ServerBusy(
                    _("{capitalize} failed (error {status_code}){detail}. Try again later.").format(
                        capitalize=where.capitalize(), status_code=exc.status_code, detail=detail
                    )
                )
            if "context" in detail.lower():
                return ContextFullError(
                    _("The conversation is too long for the model's context on {where}{detail}.").format(
                        where=where, detail=detail
                    )
                )
            return ServerError(
                _("{capitalize} refused the request (error {status_code}){detail}.").format(
                    capitalize=where.capitalize(), status_code=exc.status_code, detail=detail
                )
            )
        return ServerError(_("Talking to {where} failed ({name}).").format(where=where, name=type(exc).__name__))

    def _cut(self, exc: Exception, pieces: int) -> ServerError:
        import openai

        if isinstance(exc, openai.APIStatusError):
            return self._worded(exc)
        _log.info("stream from %s cut after %d pieces: %s: %s", self.host, pieces, type(exc).__name__, exc)
        return StreamInterrupted(
            _(
                "The connection to the server at {host} broke off in the middle of the reply; what arrived is "
                "kept, marked incomplete."
            ).format(host=self.host)
        )

    def kill(self, restore_previous: bool = True) -> None:
        """End what runs now (here: shut the stream; the server's model stays selected)."""
        self.cancel()

    def close(self, timeout: float = 5.0) -> None:
        self.cancel()
        got = self._lock.acquire(timeout=timeout)  # the stream being shut lets go of it at once
        try:
            self._client.close()
            self._http.close()
            self.info = None
        finally:
            if got:
                self._lock.release()


def is_own_server(response: Any) -> bool:
    """The answer is this app's own local server refusing it (server/own_app.py: 508 Loop Detected)."""
    return response.status_code == 508 and response.headers.get(HEADER) == APP_INSTANCE


def _shut(response: Any) -> None:
    """Shut a streaming response's socket (wakes the thread blocked reading it), then close the response."""
    try:
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # noqa: BLE001 - already closed
        pass


def _trim_message(dropped: int, exact: bool) -> str:
    if exact:
        return ngettext("The conversation is longer than the model's context, so the oldest {n} message was left "
                        "out of what the model sees. The system prompt is kept.",
                        "The conversation is longer than the model's context, so the oldest {n} messages were left "
                        "out of what the model sees. The system prompt is kept.", dropped).format(n=dropped)
    return ngettext("The conversation is longer than the model's context (by an estimate of its length: this server "
                    "does not count tokens), so the oldest {n} message was left out of what the model sees. The "
                    "system prompt is kept.",
                    "The conversation is longer than the model's context (by an estimate of its length: this server "
                    "does not count tokens), so the oldest {n} messages were left out of what the model sees. The "
                    "system prompt is kept.", dropped).format(n=dropped)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    message = ""
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message", "") if isinstance(error, dict) else str(error)
    message = " ".join(str(message).split())[:200]
    return f": {message}" if message else ""


def _no_prefix(prefix_tokens: list[int] | None) -> None:
    if prefix_tokens:
        raise ServerError(_("Continuing with another word needs the model on this computer; a server engine "
                            "cannot start a reply from given tokens."))
