"""llama.cpp's log, captured in the worker: forwarded to engine.log and kept for error messages."""

from __future__ import annotations

import collections
import logging
from typing import Any

from desktop_gpt import log

_llama_log = log.get("engine.llama")


class LlamaLog:
    """llama.cpp's log, captured: forwarded to engine.log, recent lines kept for error messages, and the
    loader's progress dots (llama.cpp prints one per percent when no progress callback is set) counted."""

    LEVELS = {0: logging.CRITICAL, 1: logging.INFO, 2: logging.WARNING, 3: logging.ERROR, 4: logging.DEBUG}

    def __init__(self) -> None:
        self.lines: collections.deque[tuple[int, str]] = collections.deque(maxlen=400)
        self._partial = ""
        self._level = logging.INFO
        self.dots = 0
        self.total = 0
        self.on_dot = None

    def __call__(self, level: int, text: bytes, _user_data: Any) -> None:
        try:
            piece = text.decode("utf-8", errors="replace")
            if level == 5 and piece.strip(".") == "" and "." in piece:  # GGML_LOG_LEVEL_CONT progress dots
                self.dots += piece.count(".")
                if self.on_dot is not None:
                    self.on_dot(self.dots)
                return
            if level != 5:
                self._level = self.LEVELS.get(level, logging.INFO)
            self._partial += piece
            while "\n" in self._partial:
                line, self._partial = self._partial.split("\n", 1)
                if line.strip():
                    self.lines.append((self._level, line))
                    self.total += 1
                    _llama_log.log(logging.DEBUG if self._level < logging.WARNING else self._level, "%s", line)
        except Exception:  # noqa: BLE001 - an exception must never cross back into C
            pass

    def mark(self) -> int:
        return self.total

    def _recent(self, mark: int) -> list[tuple[int, str]]:
        n = min(self.total - mark, len(self.lines))
        return list(self.lines)[-n:] if n > 0 else []

    def since(self, mark: int) -> list[str]:
        return [text for _level, text in self._recent(mark)]

    def errors_since(self, mark: int) -> list[str]:
        return [text for level, text in self._recent(mark) if level >= logging.ERROR]
