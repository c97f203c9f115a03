"""The Translation tab with the real model: Markdown structure kept, files translated with progress and Stop,
detection, swap, glossary errors and history."""

from __future__ import annotations

import re

import pytest

from desktop_gpt.tools import segments
from desktop_gpt.tools.translation import find_language
from desktop_gpt.ui.widgets.choices import option_text
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
    first_line = pane.history.item(0).text().split("\n")[0]
    assert pane.history.count() == 1 and re.fullmatch(r"\d\d:\d\d · English → Simplified Chinese", first_line)
    assert pane.history.item(0).text().split("\n")[1] == "# Getting started Desktop GPT runs a language…"
    assert "Done" in pane.status.text()
    pane.swap()  # the result becomes the text to translate back: the old "Done in" is gone
    assert pane.status.text() == "" and pane.source_lang.currentData() == "zh-Hans"
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
    window.tabs.setCurrentWidget(pane)
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        window.stop_action.trigger()  # Esc stops the run of the tab on screen
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
    chinese = option_text(find_language("zh-Hans"))  # "Simplified Chinese — 简体中文" where a CJK font exists
    qtbot.waitUntil(lambda: pane.detected.text() == f"Detected: {chinese}")
    pane.output.setPlainText("The weather is nice today.")
    pane.glossary.setPlainText("# terms\nweather = 天气\npark → 公园\n\nno separator")
    pane.status.setText("Done in 1.0 s.")
    pane.swap()
    assert pane.source_lang.currentData() == "en" and pane.target_lang.currentData() == "zh-Hans"
    assert pane.source.toPlainText() == "The weather is nice today." and pane.output.toPlainText() == ""
    assert pane.glossary.toPlainText() == "# terms\n天气 = weather\n公园 → park\n\nno separator"  # swapped too
    assert pane.status.text() == ""
    pane.glossary.clear()
    pane.set_source("auto")
    pane.set_target("en")
    pane.translate()
    assert "already in English" in pane.status.text() and not window.controller.busy


def test_the_target_defaults_to_a_language_other_than_the_detected_one(qtbot, make_window):
    from desktop_gpt.ui.translation.pane import default_target

    window = make_window(load=False)
    pane = window.translation
    home = default_target()
    pane.set_target(home)
    text = "今天天气很好，我们去公园散步吧。" if home == "zh-Hans" else "The weather is very nice today, let us walk."
    detected = "zh-Hans" if home == "zh-Hans" else "en"
    if home not in ("en", "zh-Hans"):
        pytest.skip("the test machine's language is neither English nor Chinese")
    pane.source.setPlainText(text)
    qtbot.waitUntil(lambda: pane.detected.text().startswith("Detected:"))
    assert pane._detected_code() == detected
    assert pane.target_lang.currentData() != detected  # not "English → English"

    pane.target_lang.activated.emit(pane.target_lang.findData(detected))  # a choice of the person's own stays
    pane.set_target(detected)
    pane.source.setPlainText(text + " ")
    qtbot.waitUntil(lambda: not pane._detect_timer.isActive())
    assert pane.target_lang.currentData() == detected


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
