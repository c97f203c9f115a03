"""Download progress as the UI and CLI show it: bytes, a smoothed speed and the time left."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class DownloadProgress:
    """Where a download stands.

    Attributes:
        phase: "connecting", "checking" (re-hashing a partial before resuming), "downloading", "retrying",
            "verifying" (sha256 and GGUF check), "done".
        done, total: bytes of all parts.
        speed: bytes per second, smoothed (0 until measured).
        eta: seconds left at that speed, or None.
        part, parts: which part (1-based) of how many.
        message: for "retrying": why, and when the next attempt is; for "downloading": that no data has come for a
            while (a stalled server), else "".
    """

    phase: str
    done: int
    total: int
    speed: float = 0.0
    eta: float | None = None
    part: int = 1
    parts: int = 1
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class SpeedMeter:
    """Bytes per second, smoothed over about the last few seconds (an exponential moving average)."""

    def __init__(self, window: float = 3.0):
        self.window = window
        self.rate = 0.0
        self._last: tuple[float, int] | None = None

    def update(self, done: int) -> float:
        now = time.monotonic()
        if self._last is None:
            self._last = (now, done)
            return self.rate
        then, before = self._last
        elapsed = now - then
        if elapsed >= 0.2:
            sample = (done - before) / elapsed
            weight = min(1.0, elapsed / self.window)
            self.rate = sample if self.rate == 0 else self.rate + weight * (sample - self.rate)
            self._last = (now, done)
        return self.rate

    def reset(self, done: int) -> None:
        self._last = (time.monotonic(), done)
