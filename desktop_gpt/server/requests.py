"""What an OpenAI client sends the local server, checked field by field, and the errors it gets back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

# OpenAI's sampling fields, plus llama.cpp's that many clients send (the engine takes them too).
FLOAT_FIELDS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0), "min_p": (0.0, 1.0), "repeat_penalty": (0.0, 2.0)}
INT_FIELDS = {"max_tokens": (1, 1_000_000), "max_completion_tokens": (1, 1_000_000), "top_k": (0, 100_000),
              "seed": (-(2**63), 2**63 - 1), "n": (1, 1)}
MAX_STOPS = 4
MAX_TOP_LOGPROBS = {True: 20, False: 5}  # alternatives per token: chat, legacy completions


class RequestError(Exception):
    """A request the server refuses, answered in OpenAI's error shape."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, self.kind, self.param, self.code)


def error_response(status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
                   code: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


@dataclass
class GenerationRequest:
    """A checked /v1/chat/completions or /v1/completions request.

    Attributes:
        messages: role/content messages (chat), or None for a raw completion of ``prompt``.
        sampling: only the sampling fields the client set (the server's defaults fill in the rest).
        stop: up to four strings that end the reply (not included in it).
        include_usage: send a last chunk with the token counts (``stream_options.include_usage``).
        logprobs: how many alternatives to report with each token's logprob; None: no logprobs.
    """

    model: str
    stream: bool
    messages: list[dict[str, str]] | None = None
    prompt: str | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    stop: list[str] = field(default_factory=list)
    include_usage: bool = False
    logprobs: int | None = None


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RequestError(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise RequestError(400, "The request body must be a JSON object.")
    return data


def parse_generation(data: dict[str, Any], chat: bool) -> GenerationRequest:
    model = data.get("model")
    if not isinstance(model, str) or not model.strip():
        raise RequestError(400, "'model' is required: one of the ids GET /v1/models lists.", param="model")
    stream = data.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError(400, "'stream' must be true or false.", param="stream")
    request = GenerationRequest(model=model.strip(), stream=stream, sampling=_sampling(data), stop=_stops(data))
    options = data.get("stream_options")
    if options is not None:
        if not isinstance(options, dict):
            raise RequestError(400, "'stream_options' must be an object.", param="stream_options")
        request.include_usage = options.get("include_usage") is True
    request.logprobs = _logprobs(data, chat)
    if request.logprobs is not None:
        request.sampling["top_logprobs"] = max(1, request.logprobs)  # the engine reports at least one
    if chat:
        request.messages = _messages(data.get("messages"))
    else:
        request.prompt = _prompt(data.get("prompt"))
    return request


def _sampling(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (lo, hi) in FLOAT_FIELDS.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise RequestError(400, f"'{name}' must be a number from {lo:g} to {hi:g}.", param=name)
        out[name] = float(value)
    for name, (lo, hi) in INT_FIELDS.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            hint = " (this server writes one choice per request)" if name == "n" else ""
            raise RequestError(400, f"'{name}' must be a whole number from {lo} to {hi}{hint}.", param=name)
        out[name] = value
    if "max_completion_tokens" in out:
        out["max_tokens"] = out.pop("max_completion_tokens")
    out.pop("n", None)
    return out


def _logprobs(data: dict[str, Any], chat: bool) -> int | None:
    """Chat: ``logprobs: true`` with ``top_logprobs`` 0–20; legacy completions: ``logprobs`` 0–5."""
    top = MAX_TOP_LOGPROBS[chat]
    value = data.get("logprobs")
    if chat:
        if value is not None and not isinstance(value, bool):
            raise RequestError(400, "'logprobs' must be true or false.", param="logprobs")
        count = data.get("top_logprobs")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= top):
            raise RequestError(400, f"'top_logprobs' must be a whole number from 0 to {top}.", param="top_logprobs")
        if count is not None and not value:
            raise RequestError(400, "'top_logprobs' needs 'logprobs': true.", param="top_logprobs")
        return (count or 0) if value else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise RequestError(400, f"'logprobs' must be a whole number from 0 to {top}.", param="logprobs")
    return value


def _stops(data: dict[str, Any]) -> list[str]:
    stop = data.get("stop")
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops) or len(stops) > MAX_STOPS:
        raise RequestError(400, f"'stop' must be a string or a list of up to {MAX_STOPS} non-empty strings.",
                           param="stop")
    return list(stops)


def _messages(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise RequestError(400, "'messages' must be a non-empty list of {role, content} objects.", param="messages")
    out = []
    for i, message in enumerate(value):
        if not isinstance(message, dict) or message.get("role") not in ("system", "developer", "user", "assistant"):
            raise RequestError(400, f"messages[{i}] needs a role of system, user or assistant.",
                               param=f"messages[{i}].role")
        content = message.get("content")
        if isinstance(content, list):  # content parts: only text is understood here
            texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
            if len(texts) != len(content) or not all(isinstance(t, str) for t in texts):
                raise RequestError(400, f"messages[{i}].content: this server understands text parts only.",
                                   param=f"messages[{i}].content")
            content = "".join(texts)
        if content is None and message["role"] == "assistant":
            content = ""
        if not isinstance(content, str):
            raise RequestError(400, f"messages[{i}].content must be text.", param=f"messages[{i}].content")
        role = "system" if message["role"] == "developer" else message["role"]
        out.append({"role": role, "content": content})
    return out


def _prompt(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        value = value[0]
    if not isinstance(value, str):
        raise RequestError(400, "'prompt' must be a string (one prompt per request).", param="prompt")
    return value
