"""In the window: a chat deleted elsewhere is explained when it is renamed, deleted or exported; an error nothing
handled is shown in words when it is a typed error, and as a bug with its details otherwise."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from desktop_gpt.errors import SettingsError
from desktop_gpt.storage import ConversationStore, Database


def test_renaming_or_deleting_a_chat_deleted_elsewhere_says_so(qtbot, make_window):
    window = make_window(load=False)
    store = window.context.store
    conversation = store.create(title="Holiday plans")
    store.add_message(conversation.id, None, "user", "Where shall we go?")
    window.chat.open_conversation(conversation.id)
    elsewhere = Database(store.db.path)  # another window or the command line, on its own connection
    ConversationStore(elsewhere).delete(conversation.id)
    elsewhere.close()
    with qtbot.waitSignal(window.chat.status_message) as said:
        window.chat.rename(conversation.id)  # before: KeyError, a traceback dialog
    assert "no longer exists" in said.args[0]
    assert window.chat.conversation_id is None  # the open chat was the deleted one: a new chat is shown
    with qtbot.waitSignal(window.chat.status_message):
        window.chat.delete(conversation.id)
    with qtbot.waitSignal(window.chat.status_message):
        window.chat.export(conversation.id)


def test_a_typed_error_nothing_handled_is_shown_in_words_and_a_bug_with_its_details(qtbot):
    from desktop_gpt.ui.app import create_app, problem_box

    create_app([])
    words = problem_box(SettingsError, SettingsError("The settings could not be saved to /x: Read-only."), None)
    assert words.icon() == QMessageBox.Icon.Warning
    assert words.text() == "The settings could not be saved to /x: Read-only." and not words.detailedText()
    try:
        raise ValueError("bad thing")
    except ValueError as exc:
        bug = problem_box(ValueError, exc, exc.__traceback__)
    assert bug.icon() == QMessageBox.Icon.Critical and "unexpected problem: bad thing" in bug.text()
    assert "Traceback" in bug.detailedText() and "ValueError: bad thing" in bug.detailedText()
