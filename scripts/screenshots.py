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


ESSAY = """# Why local models matter

Running a language model on your own computer means your drafts, notes and code never leave it. There is no account to create, no monthly bill and no waiting for a server on the other side of the world. The trade-off used to be quality, but small quantized models have become surprisingly capable for everyday writing, and a laptop from the last few years runs them at reading speed.

Privacy is only part of the story. A local model is always there: on a train, on a plane, during an outage. It answers in the same way tomorrow as today, because nobody updates it behind your back.
"""


@scene("writing")
def scene_writing(window, qt: Qt) -> None:
    window.context.settings.temperature = 0.0
    window.context.settings.max_tokens = 120
    window.tabs.setCurrentIndex(1)
    pane = window.writing
    pane.editor.setPlainText(ESSAY)
    cursor = pane.editor.textCursor()
    start = ESSAY.index("Running")
    cursor.setPosition(start)
    cursor.setPosition(start + len(ESSAY[start:].split("\n", 1)[0]), cursor.MoveMode.KeepAnchor)
    pane.editor.setTextCursor(cursor)
    pane.assistant.topic.setPlainText("autumn rain in the city")
    pane.run_task("shorten")
    qt.wait(pane.tracker.finished)
    qt.until(lambda: not window.controller.busy)


MARKDOWN_NOTE = """# Getting started

Desktop GPT runs a language model on your own computer.

## Three steps

- Open the app
- Pick a tool
- Start typing

```bash
make run
```
"""


@scene("translation")
def scene_translation(window, qt: Qt) -> None:
    window.context.settings.temperature = 0.0
    window.tabs.setCurrentIndex(2)
    pane = window.translation
    pane.set_target("zh-Hans")
    pane.glossary_button.setChecked(True)
    pane.glossary.setPlainText("Desktop GPT = Desktop GPT")
    pane.source.setPlainText(MARKDOWN_NOTE)
    pane.translate()
    qt.wait(pane.tracker.finished)
    qt.until(lambda: not window.controller.busy)


@scene("code")
def scene_code(window, qt: Qt) -> None:
    from desktop_gpt.ui.widgets.choices import select

    window.context.settings.temperature = 0.0
    window.context.settings.max_tokens = 300
    window.tabs.setCurrentIndex(3)
    pane = window.code
    select(pane.language, "python")
    select(pane.task, "generate")
    pane.description.setPlainText("a function that reverses a string")
    pane.run()
    qt.wait(pane.tracker.finished)
    qt.until(lambda: not window.controller.busy)
    pane.replace_editor()

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
