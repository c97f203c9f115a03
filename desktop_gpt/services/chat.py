"""A chat turn: commit the user's message, stream the reply into storage as it arrives, never lose a word."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterator

from desktop_gpt import log
from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import Done, Event, SamplingParams, Token, Trimmed
from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.services.apps import LaunchableApp, start_chat
from desktop_gpt.storage.conversations import Conversation, ConversationStore, Message, title_from
from desktop_gpt.storage.probabilities import ProbabilityStore

_log = log.get("chat")

# Streamed text is handed on and saved in batches at most this often: every batch the window shows is committed
# right after (WAL makes a small commit cheap; bench/save_cost.py measures it), so a kill loses at most the batch
# being committed, and painting cost does not grow with the token rate.
SAVE_INTERVAL_S = 0.04


@dataclass
class ReplyStarted:
    """The assistant message row exists (status "streaming"); its text follows as Token events."""

    message: Message


def new_conversation(store: ConversationStore, system_prompt: str, app: LaunchableApp | None = None,
                     system_override: str | None = None) -> Conversation:
    """A new chat: from an app (its instructions and parameters, see services.apps.start_chat), else a plain chat
    with ``system_prompt``. ``system_override`` is a system prompt the user edited before the first message."""
    if app is not None:
        conversation = start_chat(store, app)
        if system_override is not None:
            store.update(conversation.id, system_prompt=system_override)
            conversation = store.get(conversation.id)
        return conversation
    return store.create(system_prompt=system_override if system_override is not None else system_prompt)


def reply_params(defaults: dict[str, Any], store: ConversationStore, conversation_id: int | None) -> dict[str, Any]:
    """The sampling of a reply: the user's settings with the chat's own parameters (an app's) on top."""
    params = dict(defaults)
    if conversation_id is not None:
        params.update(store.get(conversation_id).params)
    return params


def regenerate_target(store: ConversationStore, conversation_id: int, reply_id: int | None = None) -> Message | None:
    """The user message whose reply is written again: the parent of ``reply_id``, or of the shown branch's last
    reply. None when there is nothing to regenerate."""
    if reply_id is None:
        replies = [m for m in store.active_path(conversation_id) if m.role == "assistant"]
        if not replies:
            return None
        reply_id = replies[-1].id
    reply = store.message(reply_id)
    if reply.parent_id is None:
        return None
    return store.message(reply.parent_id)


def send(store: ConversationStore, conversation_id: int, text: str) -> Message:
    """Commit a user message at the end of the shown branch (before any generation starts)."""
    conversation = store.get(conversation_id)
    message = store.add_message(conversation_id, conversation.current_leaf_id, "user", text)
    if not conversation.title:
        store.rename(conversation_id, title_from(text))
    return message


def edit(store: ConversationStore, message_id: int, text: str) -> Message:
    """A new version of an earlier user message: a sibling, so the old version and its replies stay a branch."""
    old = store.message(message_id)
    if old.role != "user":
        raise ValueError("only user messages are edited and resent")
    return store.add_message(old.conversation_id, old.parent_id, "user", text)


def prompt_messages(store: ConversationStore, conversation_id: int, leaf_id: int | None) -> list[dict[str, str]]:
    """What the model is sent: the system prompt, then the branch ending at ``leaf_id``."""
    conversation = store.get(conversation_id)
    out: list[dict[str, str]] = []
    if conversation.system_prompt.strip():
        out.append({"role": "system", "content": conversation.system_prompt})
    for m in store.path_to(leaf_id):
        if m.role == "assistant" and m.status == "error" and not m.content:
            continue
        out.append({"role": m.role, "content": m.content})
    return out


def stream_reply(
    engine: EngineBackend, store: ConversationStore, user_message: Message, params: SamplingParams | dict | None = None,
    save_interval: float = SAVE_INTERVAL_S,
) -> Iterator[ReplyStarted | Event]:
    """Generate the assistant's reply to ``user_message`` as a new child of it, saving it as it streams.

    Yields ReplyStarted, then the engine's events (Token in batches, Trimmed, Done). Every batch is written to
    the database right after it is passed on (see stream_into); when generation ends it is marked complete, or
    incomplete with the reason (stopped, max length, context full, error). If the process dies mid-reply, the row stays
    "streaming" and ``ConversationStore.recover_interrupted`` marks it incomplete on the next start.
    """
    messages = prompt_messages(store, user_message.conversation_id, user_message.id)
    model = engine.info.name if engine.info is not None else None
    reply = store.add_message(user_message.conversation_id, user_message.id, "assistant", "", "streaming", model)
    yield ReplyStarted(reply)
    yield from stream_into(store, reply, engine.chat(messages, params, session=session_of(user_message)),
                           save_interval)


def continue_with(
    engine, store: ConversationStore, reply: Message, position: int, token: int,
    params: SamplingParams | dict | None = None, save_interval: float = SAVE_INTERVAL_S,
) -> Iterator[ReplyStarted | Event]:
    """"Continue with this word instead": a new version of ``reply`` (a sibling, so the original stays as a
    branch) that keeps its first ``position`` pieces, takes the alternative ``token`` at ``position`` and lets the
    model go on from there. Needs the reply's stored probabilities (it was generated with ``top_logprobs``)."""
    saved = ProbabilityStore(store.db).load(reply.id)
    if saved is None or not 0 <= position < len(saved[1]):
        raise ValueError("this reply has no token probabilities at that position")
    prefix, kept = continued_prefix(saved[1], position, token)
    messages = prompt_messages(store, reply.conversation_id, reply.parent_id)
    model = engine.info.name if getattr(engine, "info", None) else None
    branch = store.add_message(reply.conversation_id, reply.parent_id, "assistant", "", "streaming", model)
    yield ReplyStarted(branch)
    events = engine.chat(messages, params, session=session_of(reply), prefix_tokens=prefix)
    yield from stream_into(store, branch, with_prefix_records(events, kept), save_interval)


def continued_prefix(records: list[dict], position: int, token: int) -> tuple[list[int], list[dict]]:
    """For "Continue with this word instead" at ``position`` with ``token`` (one of that record's alternatives):
    the token ids the new text starts with, and the probability records of that start."""
    chosen = next((alt for alt in records[position]["top"] if alt[0] == token), None)
    if chosen is None:
        raise ValueError("that token was not one of the alternatives")
    first = {"text": chosen[1], "p": chosen[2], "raw": chosen[3], "ids": [token], "top": records[position]["top"]}
    return [t for r in records[:position] for t in r["ids"]] + [token], records[:position] + [first]


def with_prefix_records(events: Iterator[Event], records: list[dict]) -> Iterator[Event]:
    """The kept pieces' probabilities go first, so a continued text shows them like the original."""
    for event in events:
        if isinstance(event, Token) and records is not None:
            event = Token(event.text, event.tokens, records + (event.probabilities or []))
            records = None
        yield event


def session_of(message: Message) -> str:
    """The name the engine keeps a chat's saved state under (engine/states.py)."""
    return f"chat:{message.conversation_id}"


def delete_conversation(store: ConversationStore, engine, conversation_id: int) -> None:
    """Delete a chat with everything kept for it: its messages and the engine's saved states of it."""
    store.delete(conversation_id)
    forget = getattr(engine, "forget_session", None)
    if forget is not None:
        forget(f"chat:{conversation_id}")


def stream_into(
    store: ConversationStore, reply: Message, events: Iterator[Event], save_interval: float = SAVE_INTERVAL_S,
) -> Iterator[Event]:
    """Stream any source of engine events (a chat reply, a raw continuation, a translation made of many
    requests) into the assistant message ``reply``, passing every event on.

    Token text is gathered into batches, one Token at most every ``save_interval`` seconds (and before any
    other event); each batch is passed on first and saved as soon as the caller asks for more, so the saved
    text is always a prefix of what the caller was given and trails it by at most the batch being saved. Done
    marks the message complete, or incomplete with the reason. An error keeps what was written (incomplete),
    and so does a caller that stops reading (closing the window, Ctrl+C): nothing streamed is ever lost.
    Events of other kinds pass through. Token probabilities (``top_logprobs``) ride along in the batches and are
    stored with the message when it ends (storage/probabilities.py).
    """
    parts: list[str] = []  # every piece of text received
    counts: list[int] = []  # tokens in each piece
    probabilities: list[dict] = []  # every probability record received
    handed = 0  # how many of the pieces were passed on
    handed_probs = 0
    last_batch = time.monotonic()
    dropped = 0
    finished = False

    def batch() -> Token:
        nonlocal handed, handed_probs
        token = Token("".join(parts[handed:]), sum(counts[handed:]), probabilities[handed_probs:] or None)
        handed, handed_probs = len(parts), len(probabilities)
        return token

    def save_probabilities(kind: str = "sampled") -> None:
        if probabilities:
            ProbabilityStore(store.db).save(reply.id, probabilities, kind or "sampled")

    try:
        for event in events:
            if isinstance(event, Token):
                parts.append(event.text)
                counts.append(event.tokens)
                probabilities.extend(event.probabilities or ())
                if time.monotonic() - last_batch < save_interval:
                    continue
            if len(parts) > handed:
                yield batch()
                store.update_message(reply.id, content="".join(parts[:handed]))
                last_batch = time.monotonic()
            if isinstance(event, Token):
                continue
            if isinstance(event, Trimmed):
                dropped = event.dropped_messages
            elif isinstance(event, Done):
                finished = True
                reason = event.stats.finish_reason
                stats = event.stats.to_dict()
                stats["dropped_messages"] = dropped
                save_probabilities(event.stats.probabilities)
                store.update_message(
                    reply.id, content="".join(parts), status="complete" if reason == "stop" else "incomplete",
                    finish_reason=reason, stats=stats,
                )
            yield event
        if len(parts) > handed:
            yield batch()
        if not finished:  # a source that ended without saying how: keep the text, say it may be cut
            save_probabilities()
            store.update_message(reply.id, content="".join(parts), status="incomplete", finish_reason="interrupted")
    except DesktopGPTError as exc:
        save_probabilities()
        store.update_message(
            reply.id, content="".join(parts), status="incomplete" if parts else "error", finish_reason="error",
            error=str(exc),
        )
        raise
    except BaseException:
        # The caller went away (window closed, Ctrl+C): keep what was written, marked incomplete.
        if store.message(reply.id).status == "streaming":
            save_probabilities()
            store.update_message(reply.id, content="".join(parts), status="incomplete", finish_reason="cancelled")
        raise
