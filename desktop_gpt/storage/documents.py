"""Writing documents: their text is kept in the database as it is typed, apart from any file they were opened from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_gpt.storage.db import Database, now


@dataclass
class Document:
    """One document of the Writing tab.

    Attributes:
        path: the file it was opened from or last saved to (None until saved as a file).
        dirty: the text has changes not yet written to ``path``.
        cursor: where the text cursor was, to put it back when the document is opened again.
    """

    id: int
    title: str
    path: str | None
    content: str
    dirty: bool
    cursor: int
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row) -> "Document":
        return cls(row["id"], row["title"], row["path"], row["content"], bool(row["dirty"]), row["cursor"],
                   row["created_at"], row["updated_at"])

    @property
    def page_key(self) -> tuple[float, int]:
        """Where the page of documents after this one starts (see ``DocumentStore.list``)."""
        return (self.updated_at, self.id)

    @property
    def name(self) -> str:
        """What to call it: its title, else its file's name, else "Untitled"."""
        return self.title or (Path(self.path).name if self.path else "") or "Untitled"


class DocumentStore:
    """All reads and writes of documents. Safe to use from several threads."""

    def __init__(self, db: Database):
        self.db = db

    def create(self, title: str = "", content: str = "", path: str | None = None, dirty: bool = False) -> Document:
        t = now()
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO documents (title, path, content, dirty, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (title, path, content, int(dirty), t, t),
            )
            did = cur.lastrowid
        return self.get(did)

    def get(self, document_id: int) -> Document:
        rows = self.db.query("SELECT * FROM documents WHERE id = ?", (document_id,))
        if not rows:
            raise KeyError(document_id)
        return Document.from_row(rows[0])

    def list(self, limit: int = 100, after: tuple[float, int] | None = None) -> list[Document]:
        """Documents, most recently changed first; for the next page pass the last one's ``page_key``."""
        if after is None:
            rows = self.db.query("SELECT * FROM documents ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.query("SELECT * FROM documents WHERE (updated_at, id) < (?, ?)"
                                 " ORDER BY updated_at DESC, id DESC LIMIT ?", (after[0], after[1], limit))
        return [Document.from_row(r) for r in rows]

    def by_path(self, path: str) -> Document | None:
        rows = self.db.query("SELECT * FROM documents WHERE path = ? ORDER BY updated_at DESC LIMIT 1", (path,))
        return Document.from_row(rows[0]) if rows else None

    def update(self, document_id: int, **changes: Any) -> Document:
        allowed = {"title", "path", "content", "dirty", "cursor"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        if "dirty" in changes:
            changes["dirty"] = int(bool(changes["dirty"]))
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.db.transaction() as conn:
            conn.execute(f"UPDATE documents SET {sets}, updated_at = ? WHERE id = ?",
                         (*changes.values(), now(), document_id))
        return self.get(document_id)

    def delete(self, document_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
