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

from desktop_gpt.i18n import _


class Qt:
    """Small helpers to wait for signals without sleeping."""

    def __init__(self, app):
        self.app = app

    def wait(self, signal, timeout_ms: int = 900_000):
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
    # SHOTS_MAX_TOKENS shortens the replies on a slow or busy machine (the shot shows the same window).
    window.context.settings.max_tokens = int(os.environ.get("SHOTS_MAX_TOKENS", "220"))
    window.tabs.setCurrentIndex(0)
    chinese = _("Send") != "Send"
    window.chat.send("用 Python 写一个判断单词是否为回文的函数，并附一个简短的例子。" if chinese else
                     "Write a Python function that checks whether a word is a palindrome, with a short example.")
    qt.wait(window.controller.reply_finished)
    qt.until(lambda: not window.controller.busy)
    window.chat.new_chat()
    window.chat.send("你好！请用一句话介绍你自己。")
    qt.wait(window.controller.reply_finished)
    qt.until(lambda: not window.controller.busy)
    first = window.chat.conversations.list.item(1)
    window.chat.conversations.list.itemClicked.emit(first)


@scene("app_chat")
def scene_app_chat(window, qt: Qt) -> None:
    """A chat started from a built-in app: its icon and name in the header, its starters, its instructions."""
    from desktop_gpt.store.library import builtin_apps

    tutor = next(a for a in builtin_apps() if a.id == "builtin:tutor")
    window.launcher.launch(tutor)
    window.chat.send(tutor.starters[0])
    qt.wait(window.controller.reply_finished)
    qt.until(lambda: not window.controller.busy)


class ScreenArea:
    """What is on the screen where a window is, popups included (a window's own grab() leaves menus out)."""

    def __init__(self, window):
        self.window = window

    def grab(self):
        from PySide6.QtGui import QGuiApplication

        frame = self.window.frameGeometry()
        return QGuiApplication.primaryScreen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())


@scene("probabilities")
def scene_probabilities(window, qt: Qt):
    """Chat with Show probabilities on: a reply shaded token by token, with one token's alternatives open."""
    from PySide6.QtCore import QPoint

    from desktop_gpt.ui.widgets.token_view import TokenView

    window.context.settings.max_tokens = 60  # the default temperature: shades show what the sampler chose from
    window.tabs.setCurrentIndex(0)
    window.chat.new_chat()
    window.chat.show_probabilities(True)
    window.chat.send("Suggest a name for a friendly robot, and say why in one sentence.")
    qt.wait(window.controller.reply_finished)
    qt.until(lambda: not window.controller.busy)
    qt.settle(500)
    view = next(v for v in window.findChildren(TokenView) if v.isVisible() and v.records)
    # the alternatives of the first word the model was least sure of
    position = min(range(min(len(view.records), 12)), key=lambda i: view.records[i]["p"])
    cursor = view.textCursor()
    cursor.setPosition(sum(len(r["text"]) for r in view.records[:position]) + 1)
    rect = view.cursorRect(cursor)
    view.alternatives_menu(position).popup(view.viewport().mapToGlobal(QPoint(rect.x(), rect.bottom() + 4)))
    qt.settle(500)
    return ScreenArea(window)


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

@scene("models")
def scene_models(window, qt: Qt):
    """The model manager with a download in progress, from a local Hub (tests/hub/fakehub.py) started here: the
    first file stalls part-way, so the shot catches it mid-download with the next one waiting behind it."""
    import atexit
    import random

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.hub.fakehub import FakeHub
    from desktop_gpt.ui.models.window import TAB_DOWNLOADS

    hub = FakeHub().start()
    atexit.register(hub.stop)  # ends the stalled transfer when the script is done
    os.environ["HF_ENDPOINT"] = hub.endpoint
    repo = "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
    sizes = {"q4_k_m": 491_400_032, "q8_0": 675_710_816}
    files = {f"qwen2.5-0.5b-instruct-{q}.gguf": b"GGUF" + random.Random(q).randbytes(1 << 16) * (n >> 16)
             for q, n in sizes.items()}
    hub.add_repo(repo, {**files, "README.md": "---\nlicense: apache-2.0\n---\n"}, downloads=412_000, likes=310)
    first = "qwen2.5-0.5b-instruct-q4_k_m.gguf"
    hub.stall_after[hub.file(repo, first).sha256] = (188_000_000, 25)
    manager = window.models.open()
    manager.resize(1060, 330)
    search = manager.search
    search.query.setText("Qwen2.5-0.5B")
    search.search()
    qt.wait(search.searched)
    search.open_repo(repo)
    qt.wait(search.files_listed)
    for item in search.file_items(repo):
        if item.text(0) in (first, "qwen2.5-0.5b-instruct-q8_0.gguf"):
            search.download_button(item).click()
    pane = manager.downloads_pane
    qt.until(lambda: any(r.job.progress.done >= 188_000_000 for r in pane.rows.values()))
    qt.settle(1500)
    manager.tabs.setCurrentIndex(TAB_DOWNLOADS)
    return manager


# -- Store scenes: a local Hub (tests/hub/fakehub.py) with a few apps, so the cards are real ------------------
SCENE_FILES = {"app_page": "app-page"}  # scene name → PNG name where they differ
_STORE_APPS = [
    ("lin/classical-chinese", "文言文翻译官", "translation", "#b03a2e", 930, 8400,
     "Translates Classical Chinese (文言文) into modern Chinese or English, and explains hard words.",
     "You translate Classical Chinese (文言文).\n- Give a faithful modern Chinese (白话文) translation first.\n"
     "- Then list difficult characters with their meaning in context.\n- Keep names and places as they are."),
    ("kai/haiku-master", "Haiku Master", "writing", "#8e44ad", 412, 5100,
     "Writes and critiques haiku: 5-7-5, a season word and a cutting word, in English or Japanese.",
     "You are a haiku master.\n- Write haiku in three lines of 5, 7 and 5 syllables.\n"
     "- Include one season word (kigo) and a turn between the images.\n- When the user sends a haiku, "
     "count its syllables and suggest one improvement."),
    ("devtools/git-helper", "Git Helper", "programming", "#1e272e", 1280, 22000,
     "Explains git errors in plain words and gives the exact commands to fix them.",
     "You help with git.\n- Explain what went wrong in one or two sentences.\n- Give the exact commands in a "
     "```bash block.\n- Warn before any command that rewrites history or deletes work."),
    ("maria/recipe-chef", "Recipe Chef", "lifestyle", "#e67e22", 260, 3900,
     "Turns what is in your fridge into a recipe, with quantities, steps and cooking times.",
     "You are a home cook.\n- Suggest one recipe from the ingredients the user has.\n"
     "- List quantities, then numbered steps with times.\n- Offer one substitution for anything missing."),
    ("lawclear/plain-english", "Plain-English Legal", "productivity", "#2c3e50", 188, 2600,
     "Rewrites contracts and terms of service in plain English and flags clauses worth a second look.",
     "You explain legal text in plain English.\n- Summarise each clause in one sentence.\n"
     "- Flag unusual clauses (auto-renewal, liability, data sharing).\n- You are not a lawyer: say so once."),
    ("study/flashcards", "Flashcard Maker", "education", "#27ae60", 97, 1500,
     "Makes question-and-answer flashcards from your notes, ready to paste into Anki.",
     "You make flashcards.\n- One fact per card.\n- Format: Q: … / A: …\n- Keep answers under 15 words."),
    ("ana/travel-planner", "Travel Planner", "lifestyle", "#16a085", 74, 980,
     "Plans day-by-day trips around your budget, pace and interests, with travel times between stops.",
     "You plan trips.\n- Ask for dates, budget and pace if missing.\n- Give a day-by-day plan with "
     "morning, afternoon and evening.\n- Include travel time between stops."),
]


def _icon(colour: str, n: int) -> bytes:
    shapes = ['<circle cx="32" cy="32" r="14" fill="#fff"/>', '<rect x="18" y="18" width="28" height="28" rx="6" '
              'fill="#fff"/>', '<path d="M32 14 L50 46 L14 46 Z" fill="#fff"/>', '<path d="M20 22 h24 M20 32 h24 '
              'M20 42 h16" stroke="#fff" stroke-width="5" stroke-linecap="round"/>']
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" '
            f'fill="{colour}"/>{shapes[n % len(shapes)]}</svg>').encode()


def _store_hub(window):
    """Start a local Hub with the apps above and point the window's settings at it (once)."""
    import json

    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.hub.fakehub import FakeHub
    from tests.store.apps import readme

    hub = getattr(window, "_screenshot_hub", None)
    if hub is None:
        hub = window._screenshot_hub = FakeHub().start()
        for n, (repo, name, category, colour, likes, downloads, description, instructions) in enumerate(_STORE_APPS):
            tool = {"translation": "translation", "writing": "writing"}.get(category, "chat")
            manifest = {"format": "desktop-gpt-app/1", "name": name, "description": description, "tool": tool,
                        "instructions": instructions, "category": category, "icon": "icon.svg",
                        "starters": [f"Show me what {name} can do"], "parameters": {"temperature": 0.6}}
            if n == 0:
                manifest.update(starters=["学而时习之，不亦说乎？", "Translate the first paragraph of 《桃花源记》",
                                          "What does 之 mean in 送杜少府之任蜀州?"],
                                parameters={"temperature": 0.3, "max_tokens": 1200}, languages=["zh-Hans", "en"],
                                recommended_model={"repo": "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
                                                   "file": "qwen2.5-1.5b-instruct-q4_k_m.gguf"})
            hub.add_repo(repo, {"app.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode(),
                                "icon.svg": _icon(colour, n),
                                "README.md": readme(category, f"# {name}\n\n{description}\n").encode()},
                         likes=likes, downloads=downloads, last_modified=f"2026-11-{20 - n:02d}T10:00:00Z")
        hub.add_repo("desktop-gpt/store", {"featured.json": json.dumps({"shelves": [
            {"heading": "Editors' picks", "apps": ["lin/classical-chinese", "kai/haiku-master",
                                                   "devtools/git-helper"]}]})}, repo_type="dataset")
    window.context.settings.hub_endpoint = hub.endpoint
    return hub


def _store_loaded(window, qt: Qt) -> None:
    store = window.store
    window.tabs.setCurrentWidget(store)
    qt.until(lambda: len(store.browse.cards) == len(_STORE_APPS) and store.browse.featured_box.isVisible())
    cards = list(store.browse.cards.values()) + store.browse.featured_box.findChildren(type(store.browse.cards[
        _STORE_APPS[0][0]]))
    qt.until(lambda: all(card.description.text() != _("Loading…") for card in cards))


@scene("store")
def scene_store(window, qt: Qt) -> None:
    _store_hub(window)
    window.store.show_browse()
    _store_loaded(window, qt)


@scene("app_page")
def scene_app_page(window, qt: Qt) -> None:
    _store_hub(window)
    _store_loaded(window, qt)
    page = window.store.page
    window.store.show_repo_page("lin/classical-chinese")
    qt.wait(page.details_loaded)


def main(argv: list[str]) -> int:
    """``screenshots.py OUT [--language zh_CN] [--theme dark] [SCENE...]``; a language or theme other than the
    defaults (English, light) is added to the file names: chat-zh_CN-dark.png."""
    language, theme_name = "en", "light"
    for flag in ("--language", "--theme"):
        if flag in argv:
            i = argv.index(flag)
            if flag == "--language":
                language = argv[i + 1]
            else:
                theme_name = argv[i + 1]
            del argv[i:i + 2]
    suffix = "".join(f"-{v}" for v, default in ((language, "en"), (theme_name, "light")) if v != default)
    out = Path(argv[0] if argv else "docs/screenshots")
    wanted = argv[1:] or list(SCENES)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["DESKTOP_GPT_HOME"] = tempfile.mkdtemp(prefix="desktop-gpt-shots-")
    from desktop_gpt.ui.app import create_app
    from desktop_gpt.ui.context import AppContext
    from desktop_gpt.ui.language import install_language
    from desktop_gpt.ui.main_window import MainWindow
    from desktop_gpt.ui.theme import install_theme

    app = create_app([])
    install_language(app, language)
    install_theme(app, theme_name)
    qt = Qt(app)
    context = AppContext.create()
    window = MainWindow(context)
    window.resize(1240, 800)
    window.show()
    context.controller.load()
    qt.wait(context.controller.loaded)
    for name in wanted:
        shown = SCENES[name](window, qt) or window  # a scene may return another window to photograph
        qt.settle(500)
        path = out / f"{SCENE_FILES.get(name, name)}{suffix}.png"
        shown.grab().save(str(path))
        print(f"saved {path}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
