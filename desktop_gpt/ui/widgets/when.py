"""When something happened, as a list row says it: the time for today, the date before."""

from __future__ import annotations

import datetime as _dt


def when_text(timestamp: float) -> str:
    """"14:05" today, "2026-11-28" before."""
    when = _dt.datetime.fromtimestamp(timestamp)
    return when.strftime("%H:%M") if when.date() == _dt.date.today() else when.strftime("%Y-%m-%d")
