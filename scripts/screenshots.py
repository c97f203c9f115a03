"""Take README's screenshots from the real app (run under Xvfb: `make screenshots`).

Each scene drives the real window with the real engine in a throw-away DESKTOP_GPT_HOME and saves a PNG.
Add a scene with ``@scene("name")`` on a function ``(window, qt) -> None``; it is saved as ``name.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEventLoop, QTimer


class Qt:
    """Small helpers to wait for signals without sleeping."""

    def __init__(self, app):
        self.app = app

    def wait(self, signal, timeout_ms: int = 120_000):
        loop = QEventLoop()
        result = []

        def got(*args):
            result.append(args)
            loop.quit()

        signal.connect(got)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        signal.disconnect(got)
        if not result:
            raise TimeoutError(f"no {signal} within {timeout_ms} ms")
        return result[0]

    def settle(self, ms: int = 300) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def until(self, predicate: Callable[[], bool], timeout_ms: int = 120_000) -> None:
        waited = 0
        while not predicate():
            self.settle(50)
            waited += 50
            if waited > timeout_ms:
                raise TimeoutError("condition not met")


SCENES: dict[str, Callable] = {}


def scene(name: str):
    def register(fn: Callable) -> Callable:
        SCENES[name] = fn
        return fn

    return register


@scene("chat")
def scene_chat(window, qt: Qt) -> None:
    window.context.settings.temperature = 0.0
    window.context.settings.max_tokens = 220
    window.tabs.setCurrentIndex(0)
    window.chat.send("Write a Python function that checks whether a word is a palindrome, with a short example.")
    qt.wait(window.controller.reply_finished)
    qt.until(lambda: not window.controller.busy)
    window.chat.new_chat()
    window.chat.send("你好！请用一句话介绍你自己。")
    qt.wait(window.controller.reply_finished)
    qt.until(lambda: not window.controller.busy)
    first = window.chat.conversations.list.item(1)
    window.chat.conversations.list.itemClicked.emit(first)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    wanted = argv[1:] or list(SCENES)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["DESKTOP_GPT_HOME"] = tempfile.mkdtemp(prefix="desktop-gpt-shots-")
    from desktop_gpt.ui.app import create_app
    from desktop_gpt.ui.context import AppContext
    from desktop_gpt.ui.main_window import MainWindow

    app = create_app([])
    qt = Qt(app)
    context = AppContext.create()
    window = MainWindow(context)
    window.resize(1240, 800)
    window.show()
    context.controller.load()
    qt.wait(context.controller.loaded)
    for name in wanted:
        SCENES[name](window, qt)
        qt.settle(500)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        print(f"saved {path}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
