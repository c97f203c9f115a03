"""Many conversations written in one transaction: imports, and the tests and benchmarks that fill a home."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from desktop_gpt.storage.conversations import ConversationStore
from desktop_gpt.storage.db import now

_CHUNK = 5_000  # rows per executemany: bounded memory however many messages come


@dataclass
class NewConversation:
    """A conversation to write: ``turns`` are (role, content) pairs, each one answering the one before."""

    title: str
    turns: Sequence[tuple[str, str]]
    tool: str = "chat"
    system_prompt: str = ""
    updated_at: float | None = None  # default: now; older times put it further down the list
    params: dict[str, Any] = field(default_factory=dict)
    app_id: str | None = None
    app_name: str | None = None


def import_conversations(store: ConversationStore, conversations: Iterable[NewConversation]) -> list[int]:
    """Write every conversation (and its messages as one branch) in one transaction; returns their ids.

    Ids are given here, not by SQLite one row at a time, so each table takes a few ``executemany`` calls: the
    write lock is held from the first id read to the commit, so no other writer can take the same ids.
    """
    ids: list[int] = []
    with store.db.transaction() as conn:
        cid = conn.execute("SELECT COALESCE(MAX(id), 0) FROM conversations").fetchone()[0]
        mid = conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]
        chats: list[tuple] = []
        messages: list[tuple] = []
        for conv in conversations:
            cid += 1
            t = now() if conv.updated_at is None else conv.updated_at
            parent = None
            for role, content in conv.turns:
                mid += 1
                messages.append((mid, cid, parent, role, content, t, t))
                parent = mid
            chats.append((cid, conv.title, conv.tool, conv.system_prompt, conv.app_id, conv.app_name,
                          json.dumps(conv.params), parent, t, t))
            ids.append(cid)
            if len(messages) >= _CHUNK or len(chats) >= _CHUNK:
                _write(conn, chats, messages)
        _write(conn, chats, messages)
    return ids


def _write(conn, chats: list[tuple], messages: list[tuple]) -> None:
    # Conversations first: messages refer to them (foreign keys are on).
    conn.executemany(
        "INSERT INTO conversations (id, title, tool, system_prompt, app_id, app_name, params, current_leaf_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chats)
    conn.executemany(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", messages)
    chats.clear()
    messages.clear()
