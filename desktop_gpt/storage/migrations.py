"""Schema migrations: an ordered list of small named functions, each applied once and recorded."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable

from desktop_gpt import log
from desktop_gpt.storage.db import now

if TYPE_CHECKING:
    from desktop_gpt.storage.db import Database

_log = log.get("storage")

MIGRATIONS: list[tuple[str, Callable[["Database", sqlite3.Connection], None]]] = []


def migration(fn: Callable[["Database", sqlite3.Connection], None]):
    """Register a migration; its name is its identity, so never rename or reorder one once released."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_conversations(db: "Database", conn: sqlite3.Connection) -> None:
    run_script(conn, 
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            tool TEXT NOT NULL DEFAULT 'chat',
            system_prompt TEXT NOT NULL DEFAULT '',
            app_id TEXT,
            params TEXT NOT NULL DEFAULT '{}',
            current_leaf_id INTEGER,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX conversations_tool ON conversations(tool, updated_at);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'complete'
                CHECK (status IN ('complete', 'streaming', 'incomplete', 'error')),
            finish_reason TEXT,
            error TEXT,
            model TEXT,
            stats TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX messages_conversation ON messages(conversation_id);
        CREATE INDEX messages_parent ON messages(parent_id);
        CREATE INDEX messages_status ON messages(status);
        """
    )


@migration
def m002_message_search(db: "Database", conn: sqlite3.Connection) -> None:
    # Trigram FTS finds any substring of 3+ characters, so Chinese, Japanese and Korean text (no spaces between
    # words) is searchable too; shorter queries use LIKE.
    if not db.fts:
        return
    run_script(conn, 
        """
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            content, content='messages', content_rowid='id', tokenize='trigram'
        );
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END;
        INSERT INTO messages_fts(rowid, content) SELECT id, content FROM messages;
        """
    )


@migration
def m003_documents(db: "Database", conn: sqlite3.Connection) -> None:
    # Writing documents live here (saved as they are typed) so closing the app never loses one; ``dirty`` says
    # the text has changes not yet written to ``path``. Their assistant runs are conversations of tool "writing".
    run_script(conn,
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            path TEXT,
            content TEXT NOT NULL DEFAULT '',
            dirty INTEGER NOT NULL DEFAULT 0,
            cursor INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX documents_updated ON documents(updated_at);
        """
    )


@migration
def m004_apps(db: "Database", conn: sqlite3.Connection) -> None:
    # conversations.app_id exists since m001; the app's name is kept beside it so a chat started from an app still
    # says which one after the app is uninstalled. Writing, translation and code runs are conversations too, so
    # they record the app that made them the same way.
    run_script(conn,
        """
        ALTER TABLE conversations ADD COLUMN app_name TEXT;
        CREATE INDEX conversations_app ON conversations(app_id);
        """
    )


@migration
def m005_token_probabilities(db: "Database", conn: sqlite3.Connection) -> None:
    # Each token's probability and its alternatives, for replies generated with "Show probabilities"; a compressed
    # blob beside the message (storage/probabilities.py), so messages without it cost nothing.
    run_script(conn,
        """
        CREATE TABLE message_probabilities (
            message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
            kind TEXT NOT NULL DEFAULT 'sampled',
            data BLOB NOT NULL
        );
        """
    )


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction (``executescript`` would commit it first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


def applied(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM migrations ORDER BY rowid")]


def migrate(db: "Database") -> list[str]:
    """Apply every migration not yet recorded, each in its own transaction; returns the names applied."""
    with db.transaction() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    done = set(applied(db.connection()))
    ran = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.transaction() as conn:
            fn(db, conn)
            conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, now()))
        _log.info("applied migration %s", name)
        ran.append(name)
    return ran
