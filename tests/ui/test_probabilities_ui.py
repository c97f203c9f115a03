"""Chat's "Show probabilities" with the real engine: shaded tokens, their alternatives, continuing with one."""

from __future__ import annotations

import html

import pytest
from PySide6.QtCore import Qt

from desktop_gpt.storage.probabilities import ProbabilityStore
from desktop_gpt.ui.chat.probability_body import ProbabilityBody
from desktop_gpt.ui.widgets.token_view import repr_text
from tests.engine.test_probabilities import _part_of_a_character
from tests.ui.conftest import REPLY_TIMEOUT_MS

pytestmark = pytest.mark.model


def test_show_probabilities_then_continue_with_another_word(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 12
    chat = window.chat
    chat.probabilities_button.click()
    assert chat.probabilities_button.isChecked()
    qtbot.keyClicks(chat.composer.editor, "Name a colour.")
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS) as finished:
        qtbot.keyClick(chat.composer.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    reply_id = finished.args[0]
    kind, records = ProbabilityStore(window.context.db).load(reply_id)
    assert kind == "raw" and len(records) >= 2  # temperature 0 in the tests: the model's own distribution

    body = chat.view.widget_for(reply_id).body
    assert isinstance(body, ProbabilityBody) and body.tokens.isVisible()
    assert body.tokens.toPlainText() == "".join(r["text"] for r in records)
    tip = body.tokens.explanation(1)  # what hovering the second token shows: its alternatives
    for _token, text, _p, _raw in records[1]["top"]:
        assert html.escape(repr_text(text)) in tip
    menu = body.tokens.alternatives_menu(1)
    header = menu.actions()[0]  # says which word was written, and its chance
    assert not header.isEnabled() and repr_text(records[1]["text"]) in header.text()
    actions = [a for a in menu.actions() if a.data() is not None]
    assert [a.data() for a in actions] == [alt[0] for alt in records[1]["top"]]
    assert [a.isEnabled() for a in actions].count(False) == 1  # the word already chosen

    alternative = next(alt for alt in records[1]["top"] if alt[0] != records[1]["ids"][0]
                       and not _part_of_a_character(alt[1]))
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS) as again:
        body.tokens.continue_requested.emit(1, alternative[0])
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    branch_id = again.args[0]
    _, branch = ProbabilityStore(window.context.db).load(branch_id)
    assert branch[0] == records[0] and branch[1]["ids"] == [alternative[0]]  # the first new token is the pick
    widget = chat.view.widget_for(branch_id)
    assert widget.version_label.text() == "2/2"  # the original reply stays, as version 1
    assert widget.body.tokens.toPlainText().startswith(records[0]["text"] + alternative[1])

    chat.probabilities_button.click()  # off: replies render as Markdown again
    qtbot.waitUntil(lambda: chat.view.widget_for(branch_id) is not None
                    and not isinstance(chat.view.widget_for(branch_id).body, ProbabilityBody))


def test_writing_shows_probabilities_and_continues_with_another_word_in_a_new_preview(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 12
    pane = window.writing
    window.tabs.setCurrentWidget(pane)
    pane.editor.setPlainText("The old lighthouse keeper climbed the stairs and")
    pane.assistant.probabilities_button.click()
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as finished:
        pane.assistant.task_buttons["continue"].click()
    first = finished.args[0]
    _kind, records = ProbabilityStore(window.context.db).load(first.id)
    tokens = pane.assistant.tokens
    assert tokens.isVisible() and not pane.assistant.preview.isVisible()
    assert tokens.toPlainText() == "".join(r["text"] for r in records) == pane.assistant.preview.toPlainText()

    alternative = next(alt for alt in records[1]["top"] if alt[0] != records[1]["ids"][0]
                       and not _part_of_a_character(alt[1]))
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS) as again:
        tokens.continue_requested.emit(1, alternative[0])
    second = again.args[0]
    assert second.id != first.id  # a new preview (a new run); the first stays in Recent results
    _, branch = ProbabilityStore(window.context.db).load(second.id)
    assert branch[0] == records[0] and branch[1]["ids"] == [alternative[0]]
    assert pane.assistant.preview.toPlainText().startswith(records[0]["text"] + alternative[1])
    assert tokens.toPlainText() == pane.assistant.preview.toPlainText()


def test_a_token_that_is_part_of_a_character_says_so():
    assert repr_text("<E4 BD>") == "part of a character (E4 BD)"
    assert repr_text(" 你") == "␣你" and repr_text("<b>") == "<b>"
