"""Conversations and their messages, stored as a tree so edits and regenerations keep earlier branches."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from desktop_gpt.storage.db import Database, now

ACTIVE = "streaming"
SEARCH_SCAN = 3_000  # matching messages read at most per search (newest first)
PageKey = tuple  # (updated_at, id) of the last conversation of a page: where the next page starts


@dataclass
class Conversation:
    """One chat (or one writing/translation/code session): its settings and which branch is shown."""

    id: int
    title: str
    tool: str
    system_prompt: str
    app_id: str | None
    params: dict[str, Any]
    current_leaf_id: int | None
    created_at: float
    updated_at: float
    app_name: str | None = None  # the app's name when the chat was started, kept if the app is uninstalled

    @property
    def page_key(self) -> PageKey:
        """Where the page after this conversation starts (see ``ConversationStore.page``)."""
        return (self.updated_at, self.id)

    @classmethod
    def from_row(cls, row) -> "Conversation":
        return cls(
            row["id"], row["title"], row["tool"], row["system_prompt"], row["app_id"],
            json.loads(row["params"] or "{}"), row["current_leaf_id"], row["created_at"], row["updated_at"],
            row["app_name"],
        )


@dataclass
class Message:
    """One message. ``parent_id`` links it into the conversation's tree.

    Attributes:
        status: "complete", "streaming" (being written now), "incomplete" (stopped or interrupted) or "error".
        finish_reason: why generation ended: "stop", "length", "cancelled", "interrupted", "context", "error".
        stats: tokens, tokens/s, prompt tokens evaluated… of an assistant reply.
    """

    id: int
    conversation_id: int
    parent_id: int | None
    role: str
    content: str
    status: str = "complete"
    finish_reason: str | None = None
    error: str | None = None
    model: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0

    @classmethod
    def from_row(cls, row) -> "Message":
        return cls(
            row["id"], row["conversation_id"], row["parent_id"], row["role"], row["content"], row["status"],
            row["finish_reason"], row["error"], row["model"], json.loads(row["stats"] or "{}"),
            row["created_at"], row["updated_at"],
        )

    @property
    def incomplete(self) -> bool:
        return self.status in ("incomplete", "streaming", "error")


@dataclass
class SearchHit:
    conversation_id: int
    title: str
    message_id: int | None
    snippet: str


class ConversationStore:
    """All reads and writes of conversations and messages. Safe to use from several threads."""

    def __init__(self, db: Database):
        self.db = db

    # -- conversations ---------------------------------------------------------------------------------------
    def create(
        self, title: str = "", system_prompt: str = "", tool: str = "chat", app_id: str | None = None,
        params: dict[str, Any] | None = None, app_name: str | None = None,
    ) -> Conversation:
        t = now()
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO conversations (title, tool, system_prompt, app_id, app_name, params, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (title, tool, system_prompt, app_id, app_name, json.dumps(params or {}), t, t),
            )
            cid = cur.lastrowid
        return self.get(cid)

    def get(self, conversation_id: int) -> Conversation:
        rows = self.db.query("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        if not rows:
            raise KeyError(conversation_id)
        return Conversation.from_row(rows[0])

    def list(self, tool: str | None = "chat", limit: int = 1000) -> list[Conversation]:
        """The most recently changed conversations, newest first (the first page of ``page``)."""
        return self.page(tool, limit=limit)

    def page(self, tool: str | None = "chat", after: PageKey | None = None, limit: int = 200) -> list[Conversation]:
        """Conversations newest first, ``limit`` at a time: pass the ``page_key`` of the last one for the next page.

        Keyset pagination (updated time, then id) walks the index, so the last page of 100,000 chats costs what the
        first does, and a chat changed meanwhile is neither skipped twice nor shown twice within one walk.
        """
        where, args = ["1"], []
        if tool is not None:
            where.append("tool = ?")
            args.append(tool)
        if after is not None:
            where.append("(updated_at, id) < (?, ?)")
            args += [after[0], after[1]]
        rows = self.db.query(
            f"SELECT * FROM conversations WHERE {' AND '.join(where)} ORDER BY updated_at DESC, id DESC LIMIT ?",
            (*args, limit),
        )
        return [Conversation.from_row(r) for r in rows]

    def update(self, conversation_id: int, **changes: Any) -> Conversation:
        allowed = {"title", "system_prompt", "params", "app_id", "app_name", "current_leaf_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        if "params" in changes:
            changes["params"] = json.dumps(changes["params"] or {})
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.db.transaction() as conn:
            conn.execute(
                f"UPDATE conversations SET {sets}, updated_at = ? WHERE id = ?",
                (*changes.values(), now(), conversation_id),
            )
        return self.get(conversation_id)

    def rename(self, conversation_id: int, title: str) -> Conversation:
        return self.update(conversation_id, title=title.strip())

    def delete(self, conversation_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages --------------------------------------------------------------------------------------------
    def add_message(
        self, conversation_id: int, parent_id: int | None, role: str, content: str, status: str = "complete",
        model: str | None = None,
    ) -> Message:
        """Append a message under ``parent_id`` and make it the shown branch's leaf. Committed on return."""
        t = now()
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, status, model, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, parent_id, role, content, status, model, t, t),
            )
            mid = cur.lastrowid
            conn.execute(
                "UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?", (mid, t, conversation_id)
            )
        return self.message(mid)

    def update_message(
        self, message_id: int, content: str | None = None, status: str | None = None,
        finish_reason: str | None = None, error: str | None = None, stats: dict[str, Any] | None = None,
    ) -> None:
        changes: dict[str, Any] = {}
        if content is not None:
            changes["content"] = content
        if status is not None:
            changes["status"] = status
        if finish_reason is not None:
            changes["finish_reason"] = finish_reason
        if error is not None:
            changes["error"] = error
        if stats is not None:
            changes["stats"] = json.dumps(stats)
        if not changes:
            return
        sets = ", ".join(f"{k} = ?" for k in changes)
        t = now()
        with self.db.transaction() as conn:
            conn.execute(f"UPDATE messages SET {sets}, updated_at = ? WHERE id = ?", (*changes.values(), t, message_id))
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                (t, message_id),
            )

    def message(self, message_id: int) -> Message:
        rows = self.db.query("SELECT * FROM messages WHERE id = ?", (message_id,))
        if not rows:
            raise KeyError(message_id)
        return Message.from_row(rows[0])

    def messages(self, conversation_id: int) -> list[Message]:
        rows = self.db.query("SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,))
        return [Message.from_row(r) for r in rows]

    def path_to(self, message_id: int | None) -> list[Message]:
        """Messages from the root down to ``message_id`` (the branch that ends there)."""
        if message_id is None:
            return []
        rows = self.db.query(
            """
            WITH RECURSIVE chain(id, depth) AS (
                SELECT ?, 0
                UNION ALL
                SELECT m.parent_id, chain.depth + 1 FROM messages m JOIN chain ON m.id = chain.id
                WHERE m.parent_id IS NOT NULL
            )
            SELECT messages.* FROM chain JOIN messages ON messages.id = chain.id ORDER BY chain.depth DESC
            """,
            (message_id,),
        )
        return [Message.from_row(r) for r in rows]

    def active_path(self, conversation_id: int) -> list[Message]:
        """The branch the user is looking at, root first."""
        return self.path_to(self.get(conversation_id).current_leaf_id)

    def siblings(self, message: Message) -> list[Message]:
        """The versions of a message: every message with the same parent, oldest first (it is among them)."""
        if message.parent_id is None:
            rows = self.db.query(
                "SELECT * FROM messages WHERE conversation_id = ? AND parent_id IS NULL ORDER BY id",
                (message.conversation_id,),
            )
        else:
            rows = self.db.query("SELECT * FROM messages WHERE parent_id = ? ORDER BY id", (message.parent_id,))
        return [Message.from_row(r) for r in rows]

    def versions(self, conversation_id: int) -> dict[int, list[int]]:
        """For every message of a conversation, the ids of its versions (itself and its siblings), oldest first."""
        by_parent: dict[int | None, list[int]] = {}
        for row in self.db.query(
            "SELECT id, parent_id FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        ):
            by_parent.setdefault(row["parent_id"], []).append(row["id"])
        return {mid: ids for ids in by_parent.values() for mid in ids}

    def latest_leaf(self, message_id: int) -> int:
        """The newest leaf below a message, following the newest child at each step."""
        current = message_id
        while True:
            rows = self.db.query("SELECT id FROM messages WHERE parent_id = ? ORDER BY id DESC LIMIT 1", (current,))
            if not rows:
                return current
            current = rows[0]["id"]

    def switch_branch(self, message_id: int) -> Conversation:
        """Show the branch through ``message_id`` (e.g. an earlier version of an edited message)."""
        message = self.message(message_id)
        return self.update(message.conversation_id, current_leaf_id=self.latest_leaf(message_id))

    def recover_interrupted(self) -> int:
        """Mark replies left "streaming" by a process that died as incomplete; returns how many."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE messages SET status = 'incomplete', finish_reason = 'interrupted' WHERE status = ?", (ACTIVE,)
            )
            return cur.rowcount

    # -- search ----------------------------------------------------------------------------------------------
    def search(self, text: str, tool: str | None = "chat", limit: int = 100) -> list[SearchHit]:
        """Find conversations whose title or any message contains ``text`` (any script, case-insensitive).

        Chats whose title matches come first, then chats by their newest matching message. Matches are read
        newest first and only until ``limit`` chats are found (at most ``SEARCH_SCAN`` messages), so a word found
        in half of a million messages answers as fast as a rare one.
        """
        text = text.strip()
        if not text:
            return []
        tool_sql, tool_args = ("AND c.tool = ?", (tool,)) if tool else ("", ())
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        hits: dict[int, SearchHit] = {}
        for row in self.db.query(
            f"SELECT c.id AS cid, c.title FROM conversations c WHERE c.title LIKE ? ESCAPE '\\' {tool_sql}"
            " ORDER BY c.updated_at DESC LIMIT ?",
            (like, *tool_args, limit),
        ):
            hits[row["cid"]] = SearchHit(row["cid"], row["title"], None, row["title"])
        if self.db.fts and len(text) >= 3:
            # FTS5 walks its matches in rowid order itself: newest first, stopping at the LIMIT.
            sql = """SELECT m.conversation_id, m.id FROM messages_fts f CROSS JOIN messages m ON m.id = f.rowid
                     WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?"""
            args = ('"' + text.replace('"', '""') + '"', SEARCH_SCAN)
        else:  # the messages table alone, newest first by rowid: no sort of every match
            sql = "SELECT conversation_id, id FROM messages WHERE content LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?"
            args = (like, SEARCH_SCAN)
        found: dict[int, int] = {}  # conversation -> its newest matching message
        other_tool: set[int] = set()
        for cid, mid in self.db.connection().execute(sql, args):  # a cursor: rows are read only as far as needed
            if len(hits) + len(found) >= limit:
                break
            if cid in hits or cid in found or cid in other_tool:
                continue
            if tool and self.db.query("SELECT tool FROM conversations WHERE id = ?", (cid,))[0][0] != tool:
                other_tool.add(cid)
                continue
            found[cid] = mid
        if found:
            marks = ",".join("?" * len(found))
            content = dict(self.db.query(f"SELECT id, content FROM messages WHERE id IN ({marks})",
                                         tuple(found.values())))
            titles = dict(self.db.query(f"SELECT id, title FROM conversations WHERE id IN ({marks})",
                                        tuple(found)))
            for cid, mid in found.items():
                hits[cid] = SearchHit(cid, titles[cid], mid, snippet(content[mid], text))
        return list(hits.values())[:limit]


def snippet(content: str, text: str, width: int = 80) -> str:
    """A short piece of ``content`` with the first match of ``text`` in its middle, whole: the piece starts and
    ends at a word boundary where there is one (text without spaces, such as Chinese, is cut at characters)."""
    flat = " ".join(content.split())
    at = flat.lower().find(" ".join(text.split()).lower())
    if at < 0:
        return flat[:width] + ("…" if len(flat) > width else "")
    match_end = at + len(text)
    room = max(0, width - len(text))
    start = max(0, at - room // 2)
    end = min(len(flat), max(match_end, start + width))
    start = max(0, min(start, end - width))
    if start > 0:
        space = flat.find(" ", start, at)
        start = space + 1 if space >= 0 else start
    if end < len(flat):
        space = flat.rfind(" ", match_end, end)
        end = space if space >= 0 else end
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def title_from(text: str, limit: int = 48) -> str:
    """A conversation title from its first message: the first line, shortened at a word where possible."""
    line = " ".join(text.strip().split())
    if len(line) <= limit:
        return line
    cut = line[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut + "…"


def export_markdown(conversation: Conversation, messages: Iterable[Message],
                    probabilities: Callable[[int], tuple[str, list[dict]] | None] | None = None) -> str:
    """The shown branch of a conversation as a Markdown document. With ``probabilities`` (message id → its stored
    token probabilities, storage/probabilities.py), each reply that has them is followed by a list of its tokens
    with their chances and alternatives (only when asked: it is long)."""
    import datetime as _dt

    lines = [f"# {conversation.title or 'Untitled chat'}", ""]
    created = _dt.datetime.fromtimestamp(conversation.created_at).strftime("%Y-%m-%d %H:%M")
    lines += [f"*Exported from Desktop GPT · started {created}*", ""]
    if conversation.system_prompt:
        lines += ["## System", "", conversation.system_prompt, ""]
    names = {"user": "You", "assistant": "Assistant", "system": "System"}
    for m in messages:
        when = _dt.datetime.fromtimestamp(m.created_at).strftime("%H:%M")
        heading = f"## {names.get(m.role, m.role)} · {when}"
        if m.role == "assistant" and m.incomplete:
            heading += " (incomplete)"
        lines += [heading, "", m.content, ""]
        saved = probabilities(m.id) if probabilities is not None and m.role == "assistant" else None
        if saved:
            lines += probability_lines(*saved)
    return "\n".join(lines).rstrip() + "\n"


def probability_lines(kind: str, records: list[dict]) -> list[str]:
    """Markdown for one reply's token probabilities: one line per token, its chance and the alternatives."""
    which = "as sampled" if kind == "sampled" else "the model's own"
    lines = [f"<details><summary>Token probabilities ({which})</summary>", ""]
    for r in records:
        alternatives = ", ".join(f"{json.dumps(text, ensure_ascii=False)} {p:.1%}" for t, text, p, _raw in r["top"]
                                 if [t] != r["ids"])
        lines.append(f"- {json.dumps(r['text'], ensure_ascii=False)} {r['p']:.1%}"
                     + (f" — alternatives: {alternatives}" if alternatives else ""))
    return lines + ["", "</details>", ""]
