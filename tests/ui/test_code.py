"""The Code tab with the real model: a generated code block is extracted and saved; highlighting; task forms."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from desktop_gpt.ui.widgets.choices import select
from desktop_gpt.ui.widgets.code_editor import CodeEditor
from tests.ui.conftest import REPLY_TIMEOUT_MS


@pytest.mark.model
def test_generate_extracts_a_code_block_that_save_writes(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window()
    window.context.settings.max_tokens = 200
    pane = window.code
    select(pane.language, "python")
    select(pane.task, "generate")
    pane.description.setPlainText("a function that reverses a string")
    texts = []
    pane.tracker.text.connect(texts.append)
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        pane.run_button.click()
    reply = finished.args[0].content
    assert texts and pane.reply.text() == reply  # streamed into the readable reply view
    assert pane.blocks, reply
    block = pane.current_block()
    assert block.language().key == "python" and "def " in block.code
    assert pane.block_view.toPlainText() == block.code
    assert "code block" in pane.status.text()

    suggested = []
    target = tmp_path / "reverse.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _p, _t, start, _f: suggested.append(start) or (str(target), ""))
    pane.save_button.click()
    assert suggested[0].endswith("code.py")  # the language's suffix is suggested
    assert target.read_text(encoding="utf-8") == block.code + "\n"

    pane.replace_button.click()
    assert pane.editor.toPlainText() == block.code
    pane.editor.undo()  # one undo step brings the editor back
    assert pane.editor.toPlainText() == ""


@pytest.mark.model
def test_fix_sends_the_code_and_the_error_and_stop_works(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 1500
    pane = window.code
    select(pane.task, "fix")
    assert pane.error.isVisibleTo(pane) and not pane.target.isVisibleTo(pane)
    pane.editor.setPlainText("def add(a, b):\n    return a - b\n")
    pane.error.setPlainText("AssertionError: add(1, 2) returned -1")
    with qtbot.waitSignal(pane.tracker.text, timeout=REPLY_TIMEOUT_MS):
        pane.run()
    assert pane.run_button.text() == "Stop"
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        pane.run_button.click()
    assert finished.args[0].finish_reason == "cancelled" and pane.status.text().startswith("Stopped")
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    prompt = window.controller.engine.last_prompt()
    assert "return a - b" in prompt and "AssertionError: add(1, 2) returned -1" in prompt


def test_task_forms_and_errors_before_sending(make_window):
    window = make_window(load=False)
    pane = window.code
    select(pane.task, "convert")
    assert pane.target.isVisibleTo(pane) and not pane.error.isVisibleTo(pane)
    pane.run()
    assert "needs code" in pane.status.text() and not window.controller.busy
    select(pane.task, "generate")
    pane.run()
    assert "Describe" in pane.status.text()
    assert not pane.save_button.isEnabled() and not pane.replace_button.isEnabled()


def test_the_button_names_the_task_the_answer_has_a_placeholder_and_long_lines_wrap(make_window, qtbot):
    window = make_window(load=False)
    pane = window.code
    window.tabs.setCurrentWidget(pane)
    select(pane.task, "explain")
    assert pane.run_button.text() == "Explain" and "never run" in pane.run_button.toolTip()
    select(pane.task, "fix")
    assert pane.run_button.text() == "Find the bug"
    assert pane.reply_placeholder.isVisible() and "answer appears here" in pane.reply_placeholder.text()
    assert pane.status.isHidden() and pane.reply.isHidden()  # no empty line or empty box above the placeholder

    long_line = "result = " + " + ".join(f"value_{i}" for i in range(60))
    pane.reply.set_markdown(f"Here it is:\n\n```python\n{long_line}\n```\n")
    pane.reply.show()
    browser = pane.reply.browser
    qtbot.waitUntil(lambda: browser.width() > 100)
    assert browser.document().size().width() <= browser.viewport().width() + 1  # wrapped, not clipped
    assert browser.document().size().height() > 3 * browser.fontMetrics().lineSpacing()


def test_the_editor_highlights_code_and_follows_the_language(qtbot):
    editor = CodeEditor(None, "python")
    qtbot.addWidget(editor)
    editor.set_code('def greet(name):\n    """Say hi.\n    Twice."""\n    return "😀 " + name  # a comment\n')

    def colours(line: int) -> dict[int, QColor]:
        block = editor.document().findBlockByNumber(line)
        return {r.start: r.format.foreground().color() for r in block.layout().formats()}

    first = colours(0)
    assert 0 in first  # "def" is coloured
    assert colours(1) and colours(2)  # a docstring spanning lines is coloured on each of them
    comment = editor.toPlainText().split("\n")[3].index("#") + 1  # Qt counts the emoji as two UTF-16 units
    assert comment in colours(3)
    editor.set_language("text")
    assert colours(0) == {}
    editor.set_language("no-such-language")  # falls back to plain text, no error
    assert editor.highlighter.language == "text"


def test_tab_inserts_spaces(qtbot):
    from PySide6.QtCore import Qt

    editor = CodeEditor(None, "python")
    qtbot.addWidget(editor)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "    "
