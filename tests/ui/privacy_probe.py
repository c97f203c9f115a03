"""Run as a program (by tests/ui/test_privacy.py): start the real window on the bundled model, use Chat, Writing,
Translation and Code once each, then open the Store, counting every network connection and name lookup the
process makes (an audit hook, installed before anything is imported). Prints one JSON line."""

from __future__ import annotations

import json
import os
import socket
import sys
import time

EVENTS: list[str] = []


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect" and getattr(args[0], "family", None) in (socket.AF_INET, socket.AF_INET6):
        EVENTS.append(f"connect {args[1]!r}")
    elif event == "socket.getaddrinfo":
        EVENTS.append(f"lookup {args[0]!r}")


sys.addaudithook(_hook)

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402 - after the hook, on purpose

from desktop_gpt.ui.app import create_app  # noqa: E402
from desktop_gpt.ui.context import AppContext  # noqa: E402
from desktop_gpt.ui.main_window import MainWindow  # noqa: E402

START = time.monotonic()
HANG_MS = int(os.environ.get("PROBE_HANG_MS", "180000"))  # a hung engine, not a speed target


def wait(signal, action, failed=None) -> None:
    """Do ``action`` and wait for ``signal`` (with a hang limit); ``failed`` (a signal with a message) ends it too."""
    loop, seen = QEventLoop(), []

    def done(*_args):
        seen.append(True)
        loop.quit()

    def broke(message):
        raise SystemExit(f"failed: {message}")

    signal.connect(done)
    if failed is not None:
        failed.connect(broke)
    limit = QTimer()
    limit.setSingleShot(True)
    limit.timeout.connect(loop.quit)
    limit.start(HANG_MS)
    action()
    if not seen:
        loop.exec()
    signal.disconnect(done)
    print(f"{time.monotonic() - START:.1f} s: {signal}", file=sys.stderr, flush=True)
    if not seen:
        raise SystemExit(f"no {signal} within {HANG_MS} ms")


def main() -> None:
    create_app([])
    context = AppContext.create()
    context.settings.temperature = 0.0
    context.settings.max_tokens = 8
    window = MainWindow(context)
    window.show()
    wait(context.controller.loaded, context.controller.load)
    counts = {"start": list(EVENTS)}

    wait(context.controller.reply_finished, lambda: window.chat.send("Say hi."))
    writing = window.writing
    writing.editor.setPlainText("The quick brown fox")
    wait(writing.tracker.finished, writing.assistant.task_buttons["continue"].click, writing.tracker.failed)
    translation = window.translation
    translation.source.setPlainText("Good morning.")
    translation.target_lang.setCurrentIndex(translation.target_lang.findData("zh-Hans"))
    wait(translation.tracker.finished, translation.translate_button.click, translation.tracker.failed)
    code = window.code
    code.description.setPlainText("a function that reverses a string")
    wait(code.tracker.finished, code.run_button.click, code.tracker.failed)
    counts["tools"] = list(EVENTS)

    window.tabs.setCurrentWidget(window.store)  # the Store asks the Hub (HF_ENDPOINT: a closed local port)
    deadline = time.monotonic() + HANG_MS / 1000
    while len(EVENTS) == len(counts["tools"]) and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    counts["store"] = list(EVENTS)
    print(json.dumps(counts), flush=True)
    window.close()
    context.db.close()
    os._exit(0)  # the Store's request may still be retrying; the counts are out


if __name__ == "__main__":
    main()
