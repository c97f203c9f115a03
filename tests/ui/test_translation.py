"""The Translation tab with the real model: Markdown structure kept, files translated with progress and Stop,
detection, swap, glossary errors and history."""

from __future__ import annotations

import re

import pytest

from desktop_gpt.tools import segments
from tests.ui.conftest import REPLY_TIMEOUT_MS

pytestmark = pytest.mark.model

MARKDOWN = """# Getting started

Desktop GPT runs a language model on your own computer.

## Three steps

- Open the app
- Pick a tool
- Start typing

```python
def hello():
    # say hello
    return "hello"
```

The end.
"""


def structure_pattern(source: str) -> re.Pattern:
    """A pattern matching any text with the same structure: kept pieces literally, translated pieces as any
    non-empty text on as many lines."""
    parts = []
    for segment in segments.split(source):
        if segment.translate:
            parts.append(r"[^\n]+" if segment.inline or "\n" not in segment.text else r"[^\n]+(?:\n[^\n]+)*")
        else:
            parts.append(re.escape(segment.text))
    return re.compile("".join(parts))


def _translate(qtbot, pane, start):
    progress = []
    pane.tracker.progress.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        start()
    return progress, finished.args[0]


def test_a_markdown_text_keeps_its_headings_lists_and_code_block(qtbot, make_window):
    window = make_window()
    pane = window.translation
    pane.set_target("zh-Hans")
    pane.source.setPlainText(MARKDOWN)
    progress, message = _translate(qtbot, pane, pane.translate_button.click)
    out = pane.output.toPlainText()
    assert structure_pattern(MARKDOWN).fullmatch(out), out
    lines = out.split("\n")
    assert lines[0].startswith("# ") and lines[4].startswith("## ")
    assert [line[:2] for line in lines[6:9]] == ["- ", "- ", "- "]
    assert '```python\ndef hello():\n    # say hello\n    return "hello"\n```' in out  # untouched
    assert progress[0] == (0, 7) and progress[-1] == (7, 7)  # seven pieces of text went to the model
    assert message.content == out and message.status == "complete"
    assert pane.history.count() == 1 and pane.history.item(0).text().startswith("English → Simplified Chinese")
    assert "Done" in pane.status.text()
    assert window.controller.engine.last_prompt().count("The end.") == 1  # one piece per request


def test_translate_a_file_into_a_new_file_with_progress(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window()
    window.context.settings.max_tokens = 40
    pane = window.translation
    pane.set_target("fr")
    source = tmp_path / "guide.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    target = tmp_path / "guide.fr.md"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, suggested, _f: asked.append(suggested)
                        or (suggested, ""))
    progress, message = _translate(qtbot, pane, pane.file_button.click)
    assert asked == [str(target)]  # suggested next to the original, with the language code
    assert message.status == "complete"
    assert structure_pattern(MARKDOWN).fullmatch(target.read_text(encoding="utf-8"))
    assert progress[-1] == (7, 7) and pane.progress.isHidden()
    assert str(target) in pane.status.text()


def test_stop_leaves_no_file_and_keeps_the_partial_translation(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window()
    pane = window.translation
    pane.set_target("de")
    source = tmp_path / "long.txt"
    source.write_text("\n\n".join(f"This is paragraph number {n} of a long letter." for n in range(40)),
                      encoding="utf-8")
    target = tmp_path / "long.de.txt"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(pane.tracker.progress, timeout=REPLY_TIMEOUT_MS,
                          check_params_cb=lambda done, total: done >= 2):
        pane.translate_file()
    assert pane.translate_button.text() == "Stop"
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        window.stop_action.trigger()  # Esc
    message = finished.args[0]
    assert message.status == "incomplete" and message.finish_reason == "cancelled"
    assert not target.exists() and "not written" in pane.status.text()
    assert message.content == pane.output.toPlainText() and message.content.count("\n\n") >= 2
    assert pane.translate_button.text() == "Translate"


def test_detection_swap_and_same_language(qtbot, make_window):
    window = make_window(load=False)
    pane = window.translation
    pane.set_target("en")
    pane.source.insertPlainText("今天天气很好，我们去公园散步吧。")
    qtbot.waitUntil(lambda: pane.detected.text() == "Detected: Simplified Chinese — 简体中文")
    pane.output.setPlainText("The weather is nice today.")
    pane.swap()
    assert pane.source_lang.currentData() == "en" and pane.target_lang.currentData() == "zh-Hans"
    assert pane.source.toPlainText() == "The weather is nice today." and pane.output.toPlainText() == ""
    pane.set_source("auto")
    pane.set_target("en")
    pane.translate()
    assert "already in English" in pane.status.text() and not window.controller.busy


def test_a_bad_glossary_line_is_explained(make_window):
    window = make_window(load=False)
    pane = window.translation
    pane.source.setPlainText("Hello")
    pane.glossary_button.click()
    assert pane.glossary.isVisibleTo(pane)
    pane.glossary.setPlainText("model = 模型\njust words")
    pane.translate()
    assert "Glossary line 2" in pane.status.text() and not window.controller.busy


def test_history_brings_back_a_translation(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 16
    pane = window.translation
    pane.set_target("ja")
    pane.source.setPlainText("Good morning")
    _translate(qtbot, pane, pane.translate)
    first = pane.output.toPlainText()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    pane.set_target("ko")
    pane.source.setPlainText("Thank you")
    _translate(qtbot, pane, pane.translate)
    assert pane.history.count() == 2
    pane.history.itemClicked.emit(pane.history.item(1))
    assert pane.source.toPlainText() == "Good morning" and pane.output.toPlainText() == first
    assert pane.target_lang.currentData() == "ja"
