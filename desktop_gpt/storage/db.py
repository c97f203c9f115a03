"""The database file: one connection per thread, WAL, foreign keys, and the migration runner."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from desktop_gpt import log
from desktop_gpt.errors import StorageError
from desktop_gpt.i18n import _
from desktop_gpt.paths import private_dir

_log = log.get("storage")


class Database:
    """Owner of the SQLite file. Each thread gets its own connection (SQLite connections are per thread).

    Attributes:
        path: the database file.
        fts: whether full-text search (FTS5 trigram) is available in this SQLite build.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        private_dir(self.path.parent)
        _private_file(self.path)
        from desktop_gpt.storage.migrations import migrate

        try:
            with self.transaction() as conn:
                self.fts = _has_fts_trigram(conn)
            migrate(self)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise _unusable(self.path, exc) from exc

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA busy_timeout=10000")
            except sqlite3.DatabaseError as exc:
                raise _unusable(self.path, exc) from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that commits on success and rolls back on error."""
        conn = self.connection()
        if conn.in_transaction:  # nested: join the outer one
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()


def _unusable(path: Path, exc: sqlite3.DatabaseError) -> StorageError:
    """The words for a database that cannot be used at start: locked by another program, or damaged."""
    if "locked" in str(exc) or "busy" in str(exc):
        return StorageError(_(
            "The chat database {path} is in use by another program and stayed locked. Close that program (or "
            "another Desktop GPT) and start again."
        ).format(path=path))
    return StorageError(_(
        "The chat database {path} could not be opened: {reason}. Your chats were not changed; move the file away "
        "to start with an empty one, or restore it from a backup."
    ).format(path=path, reason=exc))


def _private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it (its -wal and -shm files take the same mode)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_mode & 0o777 != 0o600:
                os.chmod(path, 0o600)
        finally:
            os.close(fd)
    except OSError:  # SQLite's own error, in words, comes next
        pass


def _has_fts_trigram(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp._probe USING fts5(x, tokenize='trigram')")
        conn.execute("DROP TABLE temp._probe")
        return True
    except sqlite3.OperationalError:
        _log.info("SQLite has no FTS5 trigram tokenizer; search falls back to LIKE")
        return False


def now() -> float:
    return time.time()
