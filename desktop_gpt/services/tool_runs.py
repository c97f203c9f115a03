"""A Writing, Translation or Code run, kept like a chat: the request is committed first, the result saved as it
streams (so a stop, a crash or closing the window loses nothing), and recent runs are the tool's history."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import Event, SamplingParams
from desktop_gpt.errors import FileAccessError
from desktop_gpt.services import apps
from desktop_gpt.services.apps import LaunchableApp
from desktop_gpt.services.chat import SAVE_INTERVAL_S, ReplyStarted, stream_into
from desktop_gpt.storage.conversations import Conversation, ConversationStore, Message, PageKey
from desktop_gpt.tools.templates import Prompt
from desktop_gpt.i18n import _


EventsOf = Callable[[EngineBackend, Callable[[], bool]], Iterator[Any]]
"""Makes a run's stream on the engine: ``events_of(engine, stopped)``."""


@dataclass
class Progress:
    """Part of a long run is done: ``done`` of ``total`` pieces (paragraphs of a translation)."""

    done: int
    total: int


@dataclass
class ToolRun:
    """One saved run: what the user gave (``input``), what the model wrote (``output``) and how it ended."""

    conversation: Conversation
    input: str
    output: str
    status: str
    reply_id: int | None

    @property
    def request(self) -> dict:
        return self.conversation.params

    @property
    def title(self) -> str:
        return self.conversation.title


def start(store: ConversationStore, prompt: Prompt) -> Message:
    """Save the run's request (a new conversation of ``prompt.tool`` with its input as the user message)."""
    conversation = store.create(title=prompt.title, system_prompt=prompt.system, tool=prompt.tool,
                                params=prompt.request, app_id=prompt.request.get("app_id"),
                                app_name=prompt.request.get("app_name"))
    return store.add_message(conversation.id, None, "user", prompt.input)


def events_for(engine: EngineBackend, prompt: Prompt, params: SamplingParams | dict | None,
               prefix_tokens: list[int] | None = None) -> Iterator[Event]:
    """The engine stream of a prompt: a raw continuation, or a chat reply rendered with the model's template.
    ``prefix_tokens``: the result starts with these tokens ("Continue with this word instead")."""
    extra = {"prefix_tokens": prefix_tokens} if prefix_tokens else {}
    if prompt.raw is not None:
        return engine.complete(prompt.raw, params, **extra)
    return engine.chat(prompt.messages or [], params, **extra)


def begin(store: ConversationStore, prompt: Prompt, params: dict[str, Any], app: LaunchableApp | None = None,
          events: EventsOf | None = None) -> tuple[Message, EventsOf]:
    """Save a run's request and say how to stream it: ``(user_message, events_of)``, where
    ``events_of(engine, stopped)`` makes the engine stream (by default the prompt's chat reply or raw
    continuation). With an app in use, the app's instructions and sampling go into every chat request the run
    makes, and the run records the app. ``stopped()`` turns true when the user presses Stop."""
    params = apps.sampling(params, app)
    user = start(store, apps.with_app(prompt, app))
    make: EventsOf = events or (lambda engine, _stopped: events_for(engine, prompt, params))
    if app is None:
        return user, make
    return user, lambda engine, stopped: make(apps.AppEngine(engine, app), stopped)


def stream(engine: EngineBackend, store: ConversationStore, user_message: Message, events: Iterator[Event],
           save_interval: float = SAVE_INTERVAL_S) -> Iterator[ReplyStarted | Event]:
    """Yield ReplyStarted, then ``events`` while they are saved into the new result message."""
    model = engine.info.name if engine.info is not None else None
    reply = store.add_message(user_message.conversation_id, user_message.id, "assistant", "", "streaming", model)
    yield ReplyStarted(reply)
    yield from stream_into(store, reply, events, save_interval)


def run(engine: EngineBackend, store: ConversationStore, prompt: Prompt, params: SamplingParams | dict | None = None,
        events: Iterator[Event] | None = None) -> Iterator[ReplyStarted | Event]:
    """Start and stream a run in one go (the command line's ``--save``)."""
    user = start(store, prompt)
    yield from stream(engine, store, user, events if events is not None else events_for(engine, prompt, params))


def history(store: ConversationStore, tool: str, limit: int = 50, after: PageKey | None = None,
            **match: Any) -> list[ToolRun]:
    """The most recent runs of a tool, newest first; ``match`` keeps those whose request has these values
    (e.g. ``document_id=3``). For the next page pass ``after``, the last run's ``conversation.page_key``."""
    where, args = "tool = ?", [tool]
    if after is not None:
        where += " AND (updated_at, id) < (?, ?)"
        args += [after[0], after[1]]
    for key, value in match.items():
        if not key.isidentifier():
            raise ValueError(f"bad request key {key!r}")
        where += f" AND json_extract(params, '$.{key}') = ?"
        args.append(value)
    rows = store.db.query(f"SELECT * FROM conversations WHERE {where} ORDER BY updated_at DESC, id DESC LIMIT ?",
                          (*args, limit))
    return [_run_from(store, Conversation.from_row(r)) for r in rows]


def run_of(store: ConversationStore, conversation_id: int) -> ToolRun | None:
    """One saved run, by its conversation id (None if it was deleted)."""
    try:
        return _run_from(store, store.get(conversation_id))
    except KeyError:
        return None


def _run_from(store: ConversationStore, conversation: Conversation) -> ToolRun:
    path = store.path_to(conversation.current_leaf_id)
    user = next((m for m in path if m.role == "user"), None)
    reply = next((m for m in reversed(path) if m.role == "assistant"), None)
    return ToolRun(conversation, user.content if user else "", reply.content if reply else "",
                   reply.status if reply else "error", reply.id if reply else None)


def read_text_file(path: str | Path) -> str:
    """A .txt/.md file's text: UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (Chinese Windows)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileAccessError(
            _("{path} could not be opened: {strerror}.").format(path=path, strerror=exc.strerror or exc)
        ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").replace("\r\n", "\n")
        except UnicodeDecodeError:
            raise FileAccessError(
                _("{name} says it is UTF-16 text but is damaged or not text.").format(name=path.name)
            ) from None
    if b"\x00" in data:
        raise FileAccessError(_("{name} is not a text file.").format(name=path.name))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
    raise FileAccessError(
        _("{name} is not a text file Desktop GPT can read (UTF-8 or GB18030).").format(name=path.name)
    )


def write_text_file(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically: a crash or a full disk mid-write leaves any old file as it was."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise FileAccessError(
            _("{path} could not be saved: {strerror}.").format(path=path, strerror=exc.strerror or exc)
        ) from None
    return path
