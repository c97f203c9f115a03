"""The Writing tab with the real model: a preview streams, Accept replaces only the selection, undo restores it;
Continue is a raw continuation; documents and results survive closing the app."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor

from tests.ui.conftest import REPLY_TIMEOUT_MS

pytestmark = pytest.mark.model

FIRST = "This first paragraph must stay exactly as it is."
MIDDLE = ("The quick brown fox, which was very quick and also very brown, jumped over the lazy dog that was "
          "sleeping in the warm afternoon sun next to the old barn.")
LAST = "最后一段也不能改变。"
TEXT = f"{FIRST}\n\n{MIDDLE}\n\n{LAST}"


def _select(editor, start: int, end: int) -> None:
    cursor = editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)


def _run(qtbot, pane, start):
    texts = []
    pane.tracker.text.connect(texts.append)
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        start()
    pane.tracker.text.disconnect(texts.append)
    return texts, finished.args[0]


def test_shorten_a_selection_then_accept_replaces_only_it_and_undo_restores(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 60
    pane = window.writing
    pane.editor.setPlainText(TEXT)
    start = TEXT.index(MIDDLE)
    _select(pane.editor, start, start + len(MIDDLE))
    qtbot.waitUntil(lambda: pane.assistant.target_label.text() == "Works on: the selection (30 words)")

    texts, message = _run(qtbot, pane, lambda: pane.assistant.task_buttons["shorten"].click())
    preview = pane.assistant.preview.toPlainText()
    assert texts and "".join(texts) == preview and preview.strip()  # it streamed into the preview
    assert message.content == preview  # and was saved as it streamed
    assert pane.assistant.replace_button.isEnabled() and pane.assistant.replace_button.isDefault()
    assert pane.editor.toPlainText() == TEXT  # nothing changes before Accept

    pane.assistant.replace_button.click()
    after = pane.editor.toPlainText()
    assert after == f"{FIRST}\n\n{preview.strip()}\n\n{LAST}"
    assert pane.editor.textCursor().selection().toPlainText() == preview.strip()  # shown selected
    pane.editor.undo()  # one undo step restores the original
    assert pane.editor.toPlainText() == TEXT
    pane.editor.redo()
    assert pane.editor.toPlainText() == after


def test_continue_is_a_raw_continuation_inserted_after_the_text(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 16
    pane = window.writing
    pane.editor.setPlainText("The quick brown fox")
    _texts, message = _run(qtbot, pane, lambda: pane.assistant.task_buttons["continue"].click())
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    assert window.controller.engine.last_prompt() == "The quick brown fox"  # no chat template around it
    assert pane.assistant.insert_button.isDefault()
    pane.assistant.insert_button.click()
    assert pane.editor.toPlainText() == "The quick brown fox" + message.content
    pane.editor.undo()
    assert pane.editor.toPlainText() == "The quick brown fox"


def test_continue_writes_about_a_paragraph_and_continue_more_goes_on(qtbot, make_window, monkeypatch):
    from desktop_gpt.tools import writing

    assert 100 <= writing.CONTINUE_TOKENS <= 300  # about a paragraph
    CONTINUE_TOKENS = 24  # a shorter "paragraph" keeps the test quick; the cap is what is tested
    monkeypatch.setattr(writing, "CONTINUE_TOKENS", CONTINUE_TOKENS)
    window = make_window()
    assert window.context.settings.max_tokens > CONTINUE_TOKENS  # the default longest reply (~900 words)
    pane = window.writing
    pane.editor.setPlainText("The quick brown fox")
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        pane.assistant.task_buttons["continue"].click()
    assert 0 < finished.args[1].completion_tokens <= CONTINUE_TOKENS  # a paragraph, not the reply limit
    first = pane.assistant.preview.toPlainText()
    more = pane.assistant.more_button
    assert not more.isHidden() and more.text() == "Continue more"
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as again:
        more.click()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    assert window.controller.engine.last_prompt().endswith(first[-200:])  # it went on from the preview's end
    assert pane.assistant.preview.toPlainText() == first + again.args[0].content
    pane.assistant.insert_button.click()
    assert pane.editor.toPlainText() == "The quick brown fox" + first + again.args[0].content


def test_the_editor_has_a_margin_and_recent_results_elide_with_the_whole_text_in_a_tooltip(make_window):
    from desktop_gpt.services import tool_runs
    from desktop_gpt.tools.writing import task_prompt

    window = make_window(load=False)
    pane = window.writing
    assert pane.editor.document().documentMargin() >= 10
    pane.editor.setPlainText("A short text to shorten. " * 8)
    pane.save_now()
    prompt = task_prompt("shorten", pane.editor.toPlainText())
    prompt.request["document_id"] = pane.document.id
    user = tool_runs.start(pane.store, prompt)
    long_result = "A very long result that goes on and on " * 20
    pane.store.add_message(user.conversation_id, user.id, "assistant", long_result)
    pane._refresh_runs()
    runs = pane.assistant.runs
    assert runs.count() == 1
    assert runs.textElideMode() == runs.textElideMode().ElideRight
    assert runs.horizontalScrollBarPolicy() == runs.horizontalScrollBarPolicy().ScrollBarAlwaysOff
    item = runs.item(0)
    assert prompt.title in item.toolTip() and long_result[:600] in item.toolTip()  # the whole text on hover


def test_retry_and_discard(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 12
    pane = window.writing
    pane.editor.setPlainText(MIDDLE)
    _run(qtbot, pane, lambda: pane.assistant.task_buttons["grammar"].click())
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    _run(qtbot, pane, pane.assistant.retry_button.click)
    assert pane.assistant.preview.toPlainText()
    assert pane.assistant.runs.count() == 2  # both results are kept for this document
    pane.assistant.discard_button.click()
    assert pane.assistant.preview.toPlainText() == "" and not pane.assistant.replace_button.isEnabled()
    assert pane.editor.toPlainText() == MIDDLE


def test_a_draft_goes_in_at_the_cursor(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 40
    pane = window.writing
    pane.assistant.modes.setCurrentIndex(1)
    pane.assistant.topic.setPlainText("autumn rain")
    _run(qtbot, pane, pane.assistant.draft_button.click)
    result = pane.assistant.preview.toPlainText().strip()
    assert result and pane.assistant.insert_button.isDefault()
    pane.assistant.insert_button.click()
    assert pane.editor.toPlainText() == result


def test_empty_input_is_explained_not_sent(make_window):
    window = make_window(load=False)
    pane = window.writing
    pane.assistant.task_buttons["shorten"].click()
    assert "no text" in pane.assistant.preview_status.text()
    pane.assistant.draft_button.click()
    assert "topic is empty" in pane.assistant.preview_status.text()
    assert not window.controller.busy


def test_the_document_is_kept_as_typed_and_counts_chinese_words(qtbot, make_window):
    window = make_window(load=False)
    pane = window.writing
    pane.editor.insertPlainText("# 秋雨\n\n今天下雨了。Rain again.")
    # each Chinese character is a word: 秋雨 (2) + 今天下雨了 (5) + Rain again (2)
    qtbot.waitUntil(lambda: pane.counts.text() == "9 words · 21 characters")
    window.close()  # closing saves at once, without waiting for the autosave pause

    again = make_window(load=False)
    assert again.writing.editor.toPlainText() == "# 秋雨\n\n今天下雨了。Rain again."
    assert again.writing.picker.currentText() == "秋雨"


def test_open_edit_and_save_a_file(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window(load=False)
    pane = window.writing
    source = tmp_path / "letter.md"
    source.write_text("Dear team,\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    pane.open_file()
    assert pane.editor.toPlainText() == "Dear team,\n" and pane.picker.currentText() == "letter.md"
    pane.editor.moveCursor(QTextCursor.MoveOperation.End)
    pane.editor.insertPlainText("谢谢！\n")
    pane.save_now()
    assert pane.picker.currentText() == "letter.md •"  # changed since the file was saved
    pane.save_file()
    assert source.read_text(encoding="utf-8") == "Dear team,\n谢谢！\n"
    assert pane.picker.currentText() == "letter.md"

    target = tmp_path / "copy.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    pane.save_file_as()
    assert target.read_text(encoding="utf-8") == "Dear team,\n谢谢！\n" and pane.document.path == str(target)


def test_closing_mid_generation_keeps_the_partial_result(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 1500
    pane = window.writing
    pane.editor.setPlainText("Once upon a time, in a small village by the sea,")
    with qtbot.waitSignal(pane.tracker.text, timeout=REPLY_TIMEOUT_MS):
        pane.assistant.task_buttons["continue"].click()
    window.close()  # mid-generation

    again = make_window(load=False)
    pane = again.writing
    assert pane.editor.toPlainText() == "Once upon a time, in a small village by the sea,"
    assert pane.assistant.runs.count() == 1
    item = pane.assistant.runs.item(0)
    assert item.text().endswith("(incomplete)")
    pane.assistant.runs.itemClicked.emit(item)
    assert pane.assistant.preview.toPlainText()  # the words written before closing are there to accept
    run = pane.store.messages(item.data(0x0100))[-1]
    assert run.status == "incomplete" and run.finish_reason == "interrupted"  # the close, not a Stop
    pane.assistant.insert_button.click()
    assert pane.editor.toPlainText().startswith("Once upon a time, in a small village by the sea,")
    assert len(pane.editor.toPlainText()) > len("Once upon a time, in a small village by the sea,")


def test_switching_documents_mid_run_lets_go_of_the_result(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 1500
    pane = window.writing
    pane.editor.setPlainText("First document, long enough to continue.")
    pane.save_now()
    first = pane.document.id
    with qtbot.waitSignal(pane.tracker.text, timeout=REPLY_TIMEOUT_MS):
        pane.assistant.task_buttons["continue"].click()
    pane.new_document()  # mid-run
    assert pane.editor.toPlainText() == "" and pane.assistant.preview.toPlainText() == ""
    assert pane.picker.currentText() == "Untitled (new)"
    pane.picker.activated.emit(0)  # picking the new, unsaved document again does nothing
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    assert pane.assistant.preview.toPlainText() == "" and pane.assistant.task_buttons["shorten"].isEnabled()
    pane.open_document(first)
    assert pane.editor.toPlainText() == "First document, long enough to continue."
    assert pane.assistant.runs.count() == 1  # what the run wrote is kept with the first document
