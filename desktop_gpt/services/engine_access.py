"""Turns on the one engine: the window and the local server take it first come, first served (no Qt)."""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

from desktop_gpt import log
from desktop_gpt.errors import Cancelled, DesktopGPTError
from desktop_gpt.i18n import _

_log = log.get("engine.access")

WINDOW = "window"
SERVER = "server"


class QueueFull(DesktopGPTError):
    """Too many requests are already waiting for the engine."""


class EngineAccess:
    """A fair (FIFO) turn on the engine for each request, whoever sends it.

    ``hold(who)`` waits for the requests before it, then keeps the engine until the block ends; ``join`` and
    ``turn`` do the same in two steps, so a request beyond ``max_waiting`` already waiting is refused at once
    with QueueFull (the server answers 503).

    Attributes:
        holder: who has the engine now ("window", "server") or None.
        on_change: called with the new holder (or None) whenever it changes, from the thread that changed it.
    """

    def __init__(self, max_waiting: int = 8):
        self.max_waiting = max_waiting
        self._cond = threading.Condition()
        self._line: deque[tuple[object, str]] = deque()
        self.holder: str | None = None
        self.on_change: list[Callable[[str | None], None]] = []

    def waiting(self, who: str | None = None) -> int:
        """Requests waiting for their turn (of ``who``, or all)."""
        with self._cond:
            return sum(1 for _t, w in self._line if who is None or w == who)

    def join(self, who: str, limit: bool = False) -> object:
        """Take a place at the end of the line and return its ticket (for ``turn``). With ``limit``, a request
        is refused with QueueFull when ``max_waiting`` requests of ``who`` already wait."""
        ticket = object()
        with self._cond:
            if limit and sum(1 for _t, w in self._line if w == who) >= self.max_waiting:
                raise QueueFull(
                    _("{max_waiting} requests are already waiting for the model. Try again soon.").format(
                        max_waiting=self.max_waiting
                    )
                )
            self._line.append((ticket, who))
        return ticket

    def leave(self, ticket: object) -> None:
        """Give up a place in the line that never got its turn."""
        with self._cond:
            for entry in list(self._line):
                if entry[0] is ticket:
                    self._line.remove(entry)
                    self._cond.notify_all()

    @contextmanager
    def turn(self, ticket: object, cancelled: threading.Event | None = None) -> Iterator[None]:
        """Wait until ``ticket`` is first in line and the engine free, then keep the engine for the block.
        ``cancelled`` set while waiting raises Cancelled (the ticket leaves the line)."""
        with self._cond:
            try:
                while self.holder is not None or self._line[0][0] is not ticket:
                    if cancelled is not None and cancelled.is_set():
                        raise Cancelled()
                    self._cond.wait(0.05 if cancelled is not None else None)
            except BaseException:
                for entry in list(self._line):
                    if entry[0] is ticket:
                        self._line.remove(entry)
                self._cond.notify_all()
                raise
            who = self._line.popleft()[1]
            self.holder = who
        self._changed(who)
        try:
            yield
        finally:
            with self._cond:
                self.holder = None
                self._cond.notify_all()
            self._changed(None)

    @contextmanager
    def hold(self, who: str, cancelled: threading.Event | None = None) -> Iterator[None]:
        """Join the line and keep the engine for the block once it is our turn."""
        with self.turn(self.join(who), cancelled):
            yield

    def _changed(self, holder: str | None) -> None:
        for listener in list(self.on_change):
            try:
                listener(holder)
            except Exception:  # noqa: BLE001 - a listener's bug must not take the engine down
                _log.exception("engine access listener failed")
