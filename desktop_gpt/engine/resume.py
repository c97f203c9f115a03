"""Moving chat states between llama.cpp and the state files: restore a chat's saved KV cache, save it after a reply.

The files, their validation and their size bound live in states.py; this part runs in the worker and calls
llama.cpp (``llama_state_seq_get_data`` / ``llama_state_seq_set_data`` on sequence 0).
"""

from __future__ import annotations

import ctypes
import time

from desktop_gpt import log
from desktop_gpt.engine.decoder import KVCache, common_prefix
from desktop_gpt.engine.states import DEFAULT_LIMIT_MB, MIN_TOKENS, StateStore

_log = log.get("engine.states")

MB = 1024 * 1024
WORTH_LOADING = 64  # tokens a saved state must add over what the KV cache already has


class Resume:
    """The saved states of the loaded model.

    Attributes:
        slot: the chat ("session") whose tokens the KV cache holds now, or None.
    """

    def __init__(self, lc, ctx, kv: KVCache, model_path: str, context: dict, state_dir: str | None,
                 limit_mb: int = DEFAULT_LIMIT_MB) -> None:
        self.lc, self.ctx, self.kv = lc, ctx, kv
        self.store = StateStore(state_dir, model_path, context, limit_mb * MB) if state_dir else None
        self.slot: str | None = None
        self._saved: dict[str, tuple[int, int]] = {}  # session -> (tokens, hash) last written
        self._skip_restore = False
        self.timings: dict[str, float] = {}  # the last save's and load's seconds and sizes, for bench/resume.py

    @property
    def enabled(self) -> bool:
        return self.store is not None and self.store.enabled

    def restore(self, session: str, prompt: list[int]) -> int:
        """Before ``session``'s prompt is processed: load its saved state when that reuses more of the prompt
        than the KV cache holds now. Returns the prompt tokens the state provided (0 when none was loaded)."""
        previous, self.slot = self.slot, session
        if not self.enabled or self._skip_restore:
            self._skip_restore = False
            return 0
        current = common_prefix(self.kv.tokens, prompt)
        if previous == session and current >= len(self.kv.tokens) - 1:
            return 0  # the cache already holds this chat
        saved = self.store.find(session)
        if saved is None:
            return 0
        usable = common_prefix(saved.tokens, prompt)
        if usable < current + WORTH_LOADING:
            return 0
        started = time.perf_counter()
        data = self.store.read_data(saved)
        if data is None:
            return 0
        self.kv.clear()
        size = len(data)
        buf = (ctypes.c_uint8 * size).from_buffer(data)
        read = self.lc.llama_state_seq_set_data(self.ctx, buf, size, 0)
        del buf
        data.release()  # unmaps the file (before it may be removed below)
        positions = self.lc.llama_memory_seq_pos_max(self.kv.mem, 0) + 1
        if read == 0 or positions != len(saved.tokens):
            _log.warning("state %s did not load (read %s bytes, %s positions): removed", saved.path.name, read,
                         positions)
            self.kv.clear()
            self.store.discard(saved)
            return 0
        self.kv.tokens = list(saved.tokens)
        self.timings.update(load_s=time.perf_counter() - started, load_tokens=len(saved.tokens),
                            load_bytes=size)
        self._saved[session] = (len(saved.tokens), hash(tuple(saved.tokens)))
        _log.info("restored %s tokens of a saved chat state (%s of them used)", len(saved.tokens), usable)
        return usable

    def remember(self, session: str) -> None:
        """After a reply: save ``session``'s state in the background (the data is copied out first)."""
        self.slot = session
        tokens = list(self.kv.tokens)
        if not self.enabled or len(tokens) < MIN_TOKENS:
            return
        mark = (len(tokens), hash(tuple(tokens)))
        if self._saved.get(session) == mark:
            return
        started = time.perf_counter()
        size = self.lc.llama_state_seq_get_size(self.ctx, 0)
        data = bytearray(size)
        written = self.lc.llama_state_seq_get_data(self.ctx, (ctypes.c_uint8 * size).from_buffer(data), size, 0)
        if written == 0:
            return
        self._saved[session] = mark
        self.timings.update(snapshot_s=time.perf_counter() - started, save_tokens=len(tokens), save_bytes=written)
        self.store.save_async(session, tokens, memoryview(data)[:written], self.timings)

    def forget_slot(self) -> None:
        """The KV cache was dropped on request: the next prompt is processed from scratch, not restored."""
        self.slot = None
        self._skip_restore = True

    def close(self) -> None:
        if self.store is not None:
            self.store.wait()
