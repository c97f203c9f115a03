"""Stop with the real engine: it stops the request it was meant for, queued or running, and only that one;
each tab shows its own busy state."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import LOAD_TIMEOUT_MS, REPLY_TIMEOUT_MS

pytestmark = pytest.mark.model

STORY = "Once upon a time, in a small village by the sea,"


def _type_and_send(qtbot, window, text: str) -> None:
    editor = window.chat.composer.editor
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def _chat_reply(window):
    """The one assistant message of the chat tab's conversation (None if the model never started one)."""
    path = window.context.store.active_path(window.chat.conversation_id)
    replies = [m for m in path if m.role == "assistant"]
    assert len(replies) <= 1
    return replies[0] if replies else None


def _writing_runs(qtbot, window):
    """Start a long raw continuation in the Writing tab and wait until it streams."""
    pane = window.writing
    pane.editor.setPlainText(STORY)
    with qtbot.waitSignal(pane.tracker.text, timeout=REPLY_TIMEOUT_MS):
        pane.assistant.task_buttons["continue"].click()
    return pane


def test_stop_in_chat_while_queued_behind_writing_stops_only_the_chat_request(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 1500
    writing = _writing_runs(qtbot, window)
    assert window.chat.composer.button.text() == "Send"  # the Writing run is not the chat tab's
    assert not window.chat.busy

    _type_and_send(qtbot, window, "Tell me a long story about a lighthouse keeper.")
    assert window.chat.busy and window.chat.composer.button.text() == "Stop"
    chat_job = window.chat._job
    assert writing.tracker.busy
    finished, texts = [], []
    writing.tracker.finished.connect(lambda message, stats: finished.append(stats))
    writing.tracker.text.connect(texts.append)
    window.stop_action.trigger()  # Esc: the chat's request, still waiting behind the Writing run
    # The Writing run goes on (two more batches), or ends by itself (the model may finish its text): not stopped.
    qtbot.waitUntil(lambda: len(texts) >= 2 or bool(finished), timeout=REPLY_TIMEOUT_MS)
    assert all(stats.finish_reason != "cancelled" for stats in finished)
    if window.controller.is_pending(chat_job):
        with qtbot.waitSignal(window.controller.job_ended, timeout=REPLY_TIMEOUT_MS,
                              check_params_cb=lambda job: job == chat_job):
            writing.stop()
    reply = _chat_reply(window)
    # The stopped request never ran: the model wrote nothing for it, and the chat says it was stopped.
    assert reply is not None and reply.content == "" and reply.status == "incomplete"
    assert reply.finish_reason == "cancelled" and reply.stats["completion_tokens"] == 0
    assert window.chat.composer.button.text() == "Send" and not window.chat.busy


def test_stop_in_writing_while_queued_behind_a_chat_reply_leaves_the_reply_streaming(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 1500
    with qtbot.waitSignal(window.controller.reply_text, timeout=REPLY_TIMEOUT_MS):
        _type_and_send(qtbot, window, "Write a very long story about a cat who learns to sail.")
    writing = window.writing
    writing.editor.setPlainText(STORY)
    writing.assistant.task_buttons["continue"].click()
    assert writing.tracker.busy and window.chat.busy
    ended, texts = [], []
    writing.tracker.finished.connect(lambda message, stats: ended.append((message, stats)))
    window.controller.reply_text.connect(lambda _id, text: texts.append(text))
    writing.stop()
    # The chat reply goes on (two more batches), or ends by itself (the model may finish its story): not stopped.
    qtbot.waitUntil(lambda: len(texts) >= 2 or not window.chat.busy, timeout=REPLY_TIMEOUT_MS)
    if window.chat.busy:
        assert _chat_reply(window).status == "streaming"
        with qtbot.waitSignal(writing.tracker.finished, timeout=REPLY_TIMEOUT_MS):
            window.stop_action.trigger()
    else:
        qtbot.waitUntil(lambda: bool(ended), timeout=REPLY_TIMEOUT_MS)
        assert _chat_reply(window).finish_reason != "cancelled"
    message, stats = ended[0]
    assert stats.finish_reason == "cancelled" and stats.completion_tokens == 0 and message.content == ""
    assert not writing.tracker.busy and writing.assistant.preview.toPlainText() == ""


def test_stop_while_the_model_is_still_loading_stops_that_reply(qtbot, make_window):
    window = make_window(load=False)
    window.context.settings.max_tokens = 1500
    loaded = qtbot.waitSignal(window.controller.loaded, timeout=LOAD_TIMEOUT_MS)
    window.controller.load()
    _type_and_send(qtbot, window, "Tell me a long story about a lighthouse keeper.")
    chat_job = window.chat._job
    assert window.controller.is_pending(chat_job) and window.chat.composer.button.text() == "Stop"
    window.stop_action.trigger()
    with qtbot.waitSignal(window.controller.job_ended, timeout=REPLY_TIMEOUT_MS,
                          check_params_cb=lambda job: job == chat_job):
        pass
    loaded.wait()
    reply = _chat_reply(window)
    assert reply is not None and reply.content == "" and reply.finish_reason == "cancelled"
    assert reply.stats["completion_tokens"] == 0
    assert window.chat.composer.button.text() == "Send"
