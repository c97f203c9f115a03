"""Running an app: its instructions become the system prompt and its parameters the sampling, in any tool."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator, Protocol

from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import Event, SamplingParams
from desktop_gpt.storage.conversations import Conversation, ConversationStore
from desktop_gpt.tools.templates import Prompt

# What a tool request keeps of the app that made it (tool runs are conversations; the request is their params).
APP_ID_KEY = "app_id"
APP_NAME_KEY = "app_name"
# An app's max_tokens is its longest reply; tools that size each request themselves (a translation sizes every
# paragraph) keep their own length and take only the app's sampling style.
STYLE_KEYS = ("temperature", "top_p", "top_k", "repeat_penalty")


class LaunchableApp(Protocol):
    """What launching needs of an app (``desktop_gpt.store.library.InstalledApp`` has it)."""

    id: str
    name: str
    tool: str
    instructions: str
    parameters: Any
    tool_options: Any
    starters: Any


def app_parameters(app: LaunchableApp) -> dict[str, Any]:
    """Only the sampling parameters the app sets (the user's settings fill in the rest)."""
    params = app.parameters
    if params is None:
        return {}
    if hasattr(params, "as_dict"):
        return dict(params.as_dict())
    if dataclasses.is_dataclass(params):
        params = dataclasses.asdict(params)
    return {k: v for k, v in dict(params).items() if v is not None}


def sampling(defaults: dict[str, Any], app: LaunchableApp | None) -> dict[str, Any]:
    """The user's sampling settings with the app's parameters on top."""
    params = dict(defaults)
    if app is not None:
        params.update(app_parameters(app))
    return params


def start_chat(store: ConversationStore, app: LaunchableApp, title: str = "") -> Conversation:
    """A new chat that remembers its app: the instructions as its system prompt, the parameters as its sampling
    (stored with it, so reopening the chat later uses the same ones even if the app changed or was removed)."""
    return store.create(title=title, system_prompt=app.instructions, tool="chat", app_id=app.id,
                        app_name=app.name, params=app_parameters(app))


def with_instructions(messages: list[dict[str, str]], instructions: str) -> list[dict[str, str]]:
    """``messages`` with the app's instructions first in the system message (the tool's own rules follow them,
    so the task's format rules — "reply with the translation only" — are the last thing the model reads)."""
    instructions = instructions.strip()
    if not instructions:
        return list(messages)
    if messages and messages[0].get("role") == "system":
        system = messages[0]["content"].strip()
        merged = instructions + ("\n\n" + system if system else "")
        return [{"role": "system", "content": merged}, *messages[1:]]
    return [{"role": "system", "content": instructions}, *messages]


def with_app(prompt: Prompt, app: LaunchableApp | None) -> Prompt:
    """The prompt a tool run records when an app is in use: the app's instructions in its system message and
    the app in its request. A raw continuation has no system message and is left as it is."""
    if app is None:
        return prompt
    request = dict(prompt.request, **{APP_ID_KEY: app.id, APP_NAME_KEY: app.name})
    messages = with_instructions(prompt.messages, app.instructions) if prompt.messages is not None else None
    return dataclasses.replace(prompt, messages=messages, request=request)


def apply_style(params: SamplingParams | dict | None, app: LaunchableApp) -> SamplingParams | dict:
    """``params`` with the app's sampling style (not its length: see STYLE_KEYS)."""
    style = {k: v for k, v in app_parameters(app).items() if k in STYLE_KEYS}
    if isinstance(params, SamplingParams):
        return dataclasses.replace(params, **style)
    return {**(params or {}), **style}


class AppEngine:
    """The engine as a tool sees it while an app is in use: every chat request gets the app's instructions and
    sampling style. Raw continuations (which have no system prompt) and everything else pass through.
    It is an EngineBackend itself."""

    def __init__(self, engine: EngineBackend, app: LaunchableApp):
        self._engine = engine
        self.app = app

    kind = property(lambda self: self._engine.kind)
    info = property(lambda self: self._engine.info)
    last_stats = property(lambda self: self._engine.last_stats)
    exact_token_counts = property(lambda self: self._engine.exact_token_counts)
    stop_requested = property(lambda self: self._engine.stop_requested)

    def chat(self, messages: list[dict[str, str]], params: SamplingParams | dict | None = None,
             **options: Any) -> Iterator[Event]:
        return self._engine.chat(with_instructions(messages, self.app.instructions), apply_style(params, self.app),
                                 **options)

    def complete(self, text: str, params: SamplingParams | dict | None = None, **options: Any) -> Iterator[Event]:
        return self._engine.complete(text, params, **options)

    def load(self, *args: Any, **kwargs: Any):
        return self._engine.load(*args, **kwargs)

    def cancel(self) -> None:
        self._engine.cancel()

    def count_tokens(self, text: str | None = None, messages: list[dict[str, str]] | None = None) -> int:
        if messages is not None:
            messages = with_instructions(messages, self.app.instructions)
        return self._engine.count_tokens(text=text, messages=messages)

    def kill(self, restore_previous: bool = True) -> None:
        self._engine.kill(restore_previous)

    def close(self, timeout: float = 5.0) -> None:
        self._engine.close(timeout)
