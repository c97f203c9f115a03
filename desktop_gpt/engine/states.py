"""Saved llama.cpp sequence states of recent chats, so a long chat resumes without processing its history again.

A state file holds the KV cache of one chat ("session") for one model file and one set of context settings, and
the exact tokens it was computed from. It is used only when everything matches: the model file (path, size,
modification time), the context settings, the tokens' hash and a checksum of the data; otherwise it is ignored
(and removed when damaged). Only the part of its tokens that the new prompt shares is kept, so a chat whose earlier
message changed reprocesses from the change on: a state can make a reply faster, never different.

Layout: ``<cache>/states/<model key>/<session key>.kv``; files are written whole (temporary file, then rename) and
the folder is kept under a size bound, least recently used first out. This module reads and writes files only;
the worker (worker.py) moves the bytes in and out of llama.cpp. Deleting a chat or a model deletes its states
(``forget_session``, ``forget_model``) without touching llama.cpp.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import struct
import threading
import time
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path

from desktop_gpt import log

_log = log.get("engine.states")

MAGIC = b"DGPTKV01"
DEFAULT_LIMIT_MB = 3072
MIN_TOKENS = 256  # shorter chats are reprocessed in a blink; not worth a file


def model_key(model_path: str | os.PathLike) -> str:
    return hashlib.sha256(os.path.abspath(model_path).encode("utf-8")).hexdigest()[:20]


def session_key(session: str) -> str:
    return hashlib.sha256(session.encode("utf-8")).hexdigest()[:24]


def model_identity(model_path: str | os.PathLike) -> dict:
    st = os.stat(model_path)
    return {"path": os.path.abspath(model_path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def tokens_hash(tokens: list[int] | array) -> str:
    return hashlib.sha256(array("i", tokens).tobytes()).hexdigest()


def forget_session(root: str | os.PathLike, session: str) -> int:
    """Delete the saved states of one chat (for every model); returns how many files went."""
    removed = 0
    name = session_key(session) + ".kv"
    for path in Path(root).glob(f"*/{name}"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def forget_model(root: str | os.PathLike, model_path: str | os.PathLike) -> None:
    """Delete every saved state of one model file."""
    shutil.rmtree(Path(root) / model_key(model_path), ignore_errors=True)


def folder_size(root: str | os.PathLike) -> int:
    total = 0
    for path in Path(root).glob("*/*.kv"):
        try:
            total += path.stat().st_size
        except OSError:  # removed meanwhile (evicted, or its chat deleted)
            pass
    return total


@dataclass
class SavedState:
    """A state file's header and tokens (its data is read only when it is used)."""

    path: Path
    header: dict
    tokens: list[int]
    data_offset: int


class StateStore:
    """The state files of one loaded model with one set of context settings.

    Attributes:
        root: the states folder (``<cache>/states``).
        limit_bytes: the bound on the whole folder; 0 turns saving off.
    """

    def __init__(self, root: str | os.PathLike, model_path: str, context: dict, limit_bytes: int) -> None:
        self.root = Path(root)
        self.folder = self.root / model_key(model_path)
        self.identity = model_identity(model_path)
        self.context = context
        self.limit_bytes = limit_bytes
        self._writer: threading.Thread | None = None
        for p in self.folder.glob("*.tmp"):  # left by a process killed mid-write
            p.unlink(missing_ok=True)

    @property
    def enabled(self) -> bool:
        return self.limit_bytes > 0

    def path_for(self, session: str) -> Path:
        return self.folder / (session_key(session) + ".kv")

    # -- reading ----------------------------------------------------------------------------------------------
    def find(self, session: str) -> SavedState | None:
        """The saved state of ``session`` if it exists and was made by this model with these context settings.
        A file that cannot be read is removed."""
        self.wait()
        path = self.path_for(session)
        if not path.exists():
            return None
        try:
            with open(path, "rb") as f:
                if f.read(len(MAGIC)) != MAGIC:
                    raise ValueError("not a state file")
                (n,) = struct.unpack("<I", f.read(4))
                header = json.loads(f.read(n).decode("utf-8"))
                count = int(header["n_tokens"])
                tokens = array("i")
                tokens.frombytes(f.read(4 * count))
                if len(tokens) != count or tokens_hash(tokens) != header["tokens_sha256"]:
                    raise ValueError("tokens do not match their hash")
                offset = f.tell()
            if os.path.getsize(path) != offset + int(header["data_len"]):
                raise ValueError("truncated")
        except (OSError, ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError) as exc:
            _log.warning("removing damaged state file %s: %s", path.name, exc)
            path.unlink(missing_ok=True)
            return None
        if header.get("model") != self.identity or header.get("context") != self.context \
                or header.get("session") != session:
            _log.info("state %s is for another model file or context settings: ignored", path.name)
            return None
        return SavedState(path, header, tokens.tolist(), offset)

    def read_data(self, saved: SavedState) -> memoryview | None:
        """The state's data, checked against its checksum (a damaged file is removed).

        The file is mapped, not read: tens of MB per thousand tokens are neither allocated nor copied before
        llama.cpp copies them into its cache (copy-on-write, so the view is writable, as ctypes needs, and the
        file is never changed). The mapping goes when the last reference to the view does."""
        size = int(saved.header["data_len"])
        try:
            with open(saved.path, "rb") as f:
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        except (OSError, ValueError):
            return None
        data = memoryview(mapped)[saved.data_offset:saved.data_offset + size]
        if len(data) != size or zlib.crc32(data) != int(saved.header["data_crc32"]):
            data.release()
            mapped.close()  # before the file goes (Windows cannot delete a mapped file)
            _log.warning("removing damaged state file %s (checksum)", saved.path.name)
            self.discard(saved)
            return None
        os.utime(saved.path)  # recently used: last out
        return data

    def discard(self, saved: SavedState) -> None:
        saved.path.unlink(missing_ok=True)

    # -- writing ----------------------------------------------------------------------------------------------
    def save_async(self, session: str, tokens: list[int], data, timings: dict | None = None) -> None:
        """Write the state in a background thread (one write at a time; the caller already copied the data)."""
        self.wait()

        def write() -> None:
            started = time.perf_counter()
            self.save(session, tokens, data)
            if timings is not None:
                timings["write_s"] = time.perf_counter() - started

        self._writer = threading.Thread(target=write, daemon=True, name="state-writer")
        self._writer.start()

    def save(self, session: str, tokens: list[int], data) -> Path | None:
        if not self.enabled or len(data) + 4 * len(tokens) > self.limit_bytes:
            return None
        header = {
            "session": session, "model": self.identity, "context": self.context, "n_tokens": len(tokens),
            "tokens_sha256": tokens_hash(tokens), "data_len": len(data), "data_crc32": zlib.crc32(data),
        }
        blob = json.dumps(header, sort_keys=True).encode("utf-8")
        path = self.path_for(session)
        tmp = path.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(MAGIC + struct.pack("<I", len(blob)) + blob)
                f.write(array("i", tokens).tobytes())
                f.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            _log.warning("could not save the chat state: %s", exc)
            tmp.unlink(missing_ok=True)
            return None
        self.evict(keep=path)
        return path

    def evict(self, keep: Path | None = None) -> None:
        """Remove least recently used state files until the folder is under its bound."""
        files = []
        for p in self.root.glob("*/*.kv"):
            try:
                st = p.stat()
            except OSError:
                continue
            files.append((st.st_mtime, st.st_size, p))
        total = sum(size for _, size, _ in files)
        for _, size, p in sorted(files, key=lambda f: f[0]):
            if total <= self.limit_bytes:
                break
            if p == keep:
                continue
            p.unlink(missing_ok=True)
            total -= size

    def wait(self) -> None:
        if self._writer is not None:
            self._writer.join()
            self._writer = None
