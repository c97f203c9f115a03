"""The local OpenAI-compatible server: /v1/models, /v1/chat/completions, /v1/completions on the app's engine,
with every app as a model (``app:<id>``). Starlette; streaming through sse-starlette. No prompt text is logged."""

from __future__ import annotations

import asyncio
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desktop_gpt import log
from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import Token
from desktop_gpt.errors import ContextFullError, DesktopGPTError, EngineBusy, NoModelError
from desktop_gpt.server import logprobs as lp
from desktop_gpt.server.generation import Failed, Finished, Generation
from desktop_gpt.server.own_app import RefuseOwnApp
from desktop_gpt.server.requests import GenerationRequest, RequestError, error_response, parse_generation, parse_json
from desktop_gpt.services import apps as app_service
from desktop_gpt.services.engine_access import EngineAccess, QueueFull
from desktop_gpt.i18n import _

_log = log.get("server")

APP_PREFIX = "app:"
BUILTIN_PREFIX = "builtin:"


def app_model_id(app: Any) -> str:
    """The model id of an app: ``app:poet`` for the built-in Poet, ``app:owner/name`` for a Hub app."""
    return APP_PREFIX + app.id.removeprefix(BUILTIN_PREFIX)


@dataclass
class ServerOptions:
    """How the server answers.

    Attributes:
        api_key: every /v1 request must carry ``Authorization: Bearer <api_key>`` (None: no key needed).
        cors_origins: web pages (origins) allowed to call the server from a browser; empty: none.
        max_waiting: requests that may wait for the engine before the next gets 503.
        own_app: the app instance (desktop_gpt.instance) whose engine this server serves, whatever it is now;
            its own requests are refused (server/own_app.py). None: a server on an engine of its own.
    """

    api_key: str | None = None
    cors_origins: list[str] = field(default_factory=list)
    max_waiting: int = 8
    own_app: str | None = None


class ModelServer:
    """The server's state: the engine, the line for it, the user's sampling defaults and the apps.

    ``defaults()`` gives the sampling settings (the user's); ``list_apps()`` the installed and built-in apps.
    """

    def __init__(self, engine: EngineBackend, access: EngineAccess, defaults: Callable[[], dict[str, Any]],
                 list_apps: Callable[[], list[Any]], options: ServerOptions | None = None):
        self.engine = engine
        self.access = access
        self.defaults = defaults
        self.list_apps = list_apps
        self.options = options or ServerOptions()
        self.access.max_waiting = self.options.max_waiting

    # -- the application ------------------------------------------------------------------------------------
    def asgi(self) -> Starlette:
        middleware = []
        if self.options.cors_origins:
            middleware.append(Middleware(CORSMiddleware, allow_origins=self.options.cors_origins,
                                         allow_methods=["GET", "POST"], allow_headers=["Authorization",
                                                                                       "Content-Type"]))
        if self.options.own_app:  # outermost: refused before anything else looks at the request
            middleware.insert(0, Middleware(RefuseOwnApp, instance=self.options.own_app))
        routes = [
            Route("/health", self.health, methods=["GET"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/chat/completions", self.chat_completions, methods=["POST"]),
            Route("/v1/completions", self.completions, methods=["POST"]),
        ]
        handlers = {HTTPException: _http_error, Exception: _internal_error}
        return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)

    async def health(self, request: Request) -> Response:
        info = self.engine.info
        return JSONResponse({"status": "ok" if info is not None else "no_model",
                             "model": info.name if info is not None else None})

    def _check_key(self, request: Request) -> None:
        key = self.options.api_key
        if not key:
            return
        given = request.headers.get("authorization", "")
        scheme, _unused, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.encode()):
            raise RequestError(401, "Missing or wrong API key: send Authorization: Bearer <key>.",
                               kind="invalid_request_error", code="invalid_api_key")

    async def models(self, request: Request) -> Response:
        try:
            self._check_key(request)
        except RequestError as exc:
            return exc.response()
        created = int(time.time())
        data = []
        if self.engine.info is not None:
            data.append({"id": self.engine.info.name, "object": "model", "created": created,
                         "owned_by": "desktop-gpt", "context_length": self.engine.info.context_size})
        for app in self.list_apps():
            data.append({"id": app_model_id(app), "object": "model", "created": created, "owned_by": "desktop-gpt",
                         "name": app.name, "description": app.description, "tool": app.tool})
        return JSONResponse({"object": "list", "data": data})

    # -- generation -----------------------------------------------------------------------------------------
    async def chat_completions(self, request: Request) -> Response:
        return await self._generate(request, chat=True)

    async def completions(self, request: Request) -> Response:
        return await self._generate(request, chat=False)

    def _resolve(self, model: str) -> Any:
        """The app a model id names (None for the model itself); RequestError 404 for anything else."""
        info = self.engine.info
        if info is None:
            raise RequestError(503, "No model is loaded yet. Try again when Desktop GPT has loaded one.",
                               kind="server_error", code="model_not_loaded")
        if model == info.name:
            return None
        if model.startswith(APP_PREFIX):
            key = model[len(APP_PREFIX):]
            for app in self.list_apps():
                if key.casefold() in (app.id.casefold(), app_model_id(app)[len(APP_PREFIX):].casefold()):
                    return app
        raise RequestError(404, f"The model '{model}' does not exist. GET /v1/models lists the model and apps "
                           "this server has.", param="model", code="model_not_found")

    async def _generate(self, request: Request, chat: bool) -> Response:
        try:
            self._check_key(request)
            req = parse_generation(parse_json(await request.body()), chat)
            app = self._resolve(req.model)
            params = {**app_service.sampling(self.defaults(), app), **req.sampling}
            params["top_logprobs"] = req.sampling.get("top_logprobs", 0)  # only for a client that asked
            if chat:
                messages = req.messages if app is None else app_service.with_instructions(req.messages,
                                                                                           app.instructions)
                make = lambda: self.engine.chat(messages, params)  # noqa: E731
            else:
                make = lambda: self.engine.complete(req.prompt, params)  # noqa: E731
            generation = Generation(self.engine, self.access, make, req.stop, asyncio.get_running_loop())
            generation.start()
        except RequestError as exc:
            return exc.response()
        except QueueFull as exc:
            return error_response(503, str(exc), kind="server_error", code="queue_full")
        _log.info("%s request for %s (stream=%s)", "chat" if chat else "completion", req.model, req.stream)
        if req.stream:
            return EventSourceResponse(self._stream(generation, req, chat), ping=15, sep="\n")
        return await self._whole(request, generation, req, chat)

    async def _stream(self, generation: Generation, req: GenerationRequest, chat: bool) -> AsyncIterator[str]:
        ident, created = _ident(chat), int(time.time())
        kind = "chat.completion.chunk" if chat else "text_completion"

        def chunk(choices: list[dict], **extra: Any) -> str:
            return json.dumps({"id": ident, "object": kind, "created": created, "model": req.model,
                               "choices": choices, **extra}, ensure_ascii=False)

        offset = 0  # characters of the reply so far (the legacy logprobs' text_offset)

        def choice(text: str | None, finish: str | None, records: list[dict] | None = None) -> dict:
            logprobs = None
            if req.logprobs is not None and text is not None:
                logprobs = (lp.chat_logprobs(records or [], req.logprobs) if chat
                            else lp.completion_logprobs(records or [], req.logprobs, offset))
            if chat:
                delta = {} if text is None else {"content": text}
                return {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
            return {"index": 0, "text": text or "", "logprobs": logprobs, "finish_reason": finish}

        try:
            if chat:
                yield chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            while (item := await generation.queue.get()) is not None:
                if isinstance(item, Token):
                    yield chunk([choice(item.text, None, item.probabilities)])
                    offset += len(item.text)
                elif isinstance(item, Finished):
                    yield chunk([choice(None, item.finish_reason)])
                    if req.include_usage:
                        yield chunk([], usage=_usage(item))
                elif isinstance(item, Failed):
                    status, kind_, code = _status_of(item.error)
                    yield json.dumps({"error": {"message": str(item.error), "type": kind_, "param": None,
                                                "code": code}}, ensure_ascii=False)
            yield "[DONE]"
        finally:
            generation.stop()  # a client that went away (the task is cancelled here) stops the engine

    async def _whole(self, request: Request, generation: Generation, req: GenerationRequest, chat: bool
                     ) -> Response:
        watcher = asyncio.ensure_future(_stop_on_disconnect(request, generation))
        parts: list[str] = []
        records: list[dict] = []
        finished: Finished | None = None
        failed: Failed | None = None
        try:
            while (item := await generation.queue.get()) is not None:
                if isinstance(item, Token):
                    parts.append(item.text)
                    records.extend(item.probabilities or [])
                elif isinstance(item, Finished):
                    finished = item
                elif isinstance(item, Failed):
                    failed = item
        finally:
            watcher.cancel()
            generation.stop()
        if failed is not None or finished is None:
            error = failed.error if failed is not None else DesktopGPTError(_("The request was stopped."))
            status, kind, code = _status_of(error)
            return error_response(status, str(error), kind=kind, code=code)
        text = "".join(parts)
        logprobs = None
        if req.logprobs is not None:
            logprobs = (lp.chat_logprobs(records, req.logprobs) if chat
                        else lp.completion_logprobs(records, req.logprobs))
        if chat:
            choice = {"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": logprobs,
                      "finish_reason": finished.finish_reason}
        else:
            choice = {"index": 0, "text": text, "logprobs": logprobs, "finish_reason": finished.finish_reason}
        return JSONResponse({"id": _ident(chat), "object": "chat.completion" if chat else "text_completion",
                             "created": int(time.time()), "model": req.model, "choices": [choice],
                             "usage": _usage(finished)})


async def _stop_on_disconnect(request: Request, generation: Generation) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            generation.stop()
            return


def _ident(chat: bool) -> str:
    return ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]


def _usage(finished: Finished) -> dict[str, int]:
    prompt, completion = finished.stats.prompt_tokens, finished.stats.completion_tokens
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _status_of(error: Exception) -> tuple[int, str, str | None]:
    if isinstance(error, ContextFullError):
        return 400, "invalid_request_error", "context_length_exceeded"
    if isinstance(error, (NoModelError, EngineBusy)):
        return 503, "server_error", "engine_unavailable"
    return 500, "server_error", None


async def _http_error(request: Request, exc: HTTPException) -> Response:
    messages = {404: f"There is no {request.url.path} here. This server has /v1/models, /v1/chat/completions "
                     "and /v1/completions.", 405: f"{request.method} is not allowed on {request.url.path}."}
    return error_response(exc.status_code, messages.get(exc.status_code, str(exc.detail)))


async def _internal_error(request: Request, exc: Exception) -> Response:
    _log.error("server error on %s: %s", request.url.path, type(exc).__name__)
    return error_response(500, "The server failed unexpectedly; details are in Desktop GPT's log.",
                          kind="server_error")
