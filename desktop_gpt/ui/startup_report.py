"""For bench/bundle.py: with DESKTOP_GPT_STARTUP_REPORT=1 the app prints when its window first painted and when
the model was ready, as seconds since the process started (JSON lines on stdout), then quits."""

from __future__ import annotations

import json
import os
import sys
import time

import psutil
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV = "DESKTOP_GPT_STARTUP_REPORT"


def wanted() -> bool:
    return os.environ.get(ENV) == "1"


def _since_start() -> float:
    return round(time.time() - psutil.Process().create_time(), 3)


def _say(event: str, **extra) -> None:
    print(json.dumps({"event": event, "s": _since_start(), **extra}), flush=True)


class _FirstPaint(QObject):
    """Notes the main window's first paint (the window is on screen), once."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._done = False
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            QTimer.singleShot(0, lambda: _say("window"))  # after this paint has finished
        return False


def attach(window: QWidget, controller) -> None:
    """Report the window's first paint and the model load's outcome, then quit the app."""
    _FirstPaint(window)

    def done(event: str, ok: bool) -> None:
        _say(event, ok=ok)
        QTimer.singleShot(0, QApplication.quit)

    controller.loaded.connect(lambda _info: done("model", True))
    controller.load_failed.connect(lambda message: done("model", False))
    controller.no_model.connect(lambda message: done("model", False))
    print(json.dumps({"event": "start", "python": sys.version.split()[0], "frozen": bool(getattr(sys, "frozen", False))}),
          flush=True)
