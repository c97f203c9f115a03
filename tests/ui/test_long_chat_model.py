"""At the bottom of a long chat, with the real model: a reply streams, Stop works, regenerate and branch flipping."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_gpt.storage.bulk import NewConversation, import_conversations
from tests.ui.conftest import REPLY_TIMEOUT_MS

pytestmark = pytest.mark.model


def test_stream_stop_regenerate_and_flip_branches_at_the_bottom_of_a_long_chat(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 400
    # more messages than a small window keeps widgets for, but short: the whole chat is the prompt the model reads
    window.resize(900, 420)
    turns = [("user" if i % 2 == 0 else "assistant", f"N{i}") for i in range(40)]
    cid = import_conversations(window.context.store, [NewConversation("Long notes", turns)])[0]
    window.chat.conversations.refresh()
    window.chat.open_conversation(cid)
    view = window.chat.view
    qtbot.waitUntil(lambda: not view.busy, timeout=REPLY_TIMEOUT_MS)
    first = view.messages()[0]

    editor = window.chat.composer.editor
    qtbot.keyClicks(editor, "Write a long story about a lighthouse keeper.")
    with qtbot.waitSignal(window.controller.reply_started, timeout=REPLY_TIMEOUT_MS) as started:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    reply = started.args[0]
    with qtbot.waitSignal(window.controller.reply_text, timeout=REPLY_TIMEOUT_MS):
        pass
    widget = view.widget_for(reply.id)
    assert widget is view.widgets()[-1] and widget.status_label.text() == "writing…"
    assert len(view.widgets()) < len(view.messages()) == 42
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS) as finished:
        window.stop_action.trigger()
    assert finished.args[1].finish_reason == "cancelled"
    assert "Stopped" in widget.status_label.text()
    assert window.context.store.message(reply.id).content == widget.body.text()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)

    window.context.settings.max_tokens = 16
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS):
        widget.regenerate_button.click()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    second = view.widgets()[-1]
    assert second.message.id != reply.id and second.version_label.text() == "2/2"

    window.chat.switch_branch(reply.id)  # back to the stopped version
    qtbot.waitUntil(lambda: not view.busy, timeout=REPLY_TIMEOUT_MS)
    assert view.widgets()[-1].message.id == reply.id and view.widgets()[-1].version_label.text() == "1/2"
    assert len(view.widgets()) < len(view.messages())
    assert view.messages()[0].id == first.id  # the whole branch is still there to scroll to
