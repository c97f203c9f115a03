"""The chat keeps your place: a search result opens where it was found (its branch, scrolled to, highlighted),
a restart reopens the chat and tab you were in, and the status bar shows the figures of the chat on screen."""

from __future__ import annotations

from desktop_gpt.storage.conversations import snippet

MATCH = "珠穆朗玛峰"


def _branching_chat(store):
    """A chat whose first message was edited: version 1 (rivers) is shown; the match is deep in version 2."""
    conv = store.create(system_prompt="")
    store.rename(conv.id, "Geography")
    u1 = store.add_message(conv.id, None, "user", "Tell me about rivers")
    store.add_message(conv.id, u1.id, "assistant", "Rivers flow to the sea.")
    u2 = store.add_message(conv.id, None, "user", "Tell me about mountains")
    parent = store.add_message(conv.id, u2.id, "assistant", "Mountains are tall. " * 30)
    target = None
    for n in range(25):  # a long branch: the match is far from the bottom of the chat
        user = store.add_message(conv.id, parent.id, "user", f"Question {n}: and then? " + "more words " * 20)
        text = ("Filler paragraph. " * 25) + (f"The highest is {MATCH}, on the border of Nepal." if n == 3 else "")
        parent = store.add_message(conv.id, user.id, "assistant", text)
        if n == 3:
            target = parent
    store.switch_branch(u1.id)  # version 1 is on screen
    return conv, target


def test_a_search_hit_opens_its_branch_scrolled_to_the_match_and_highlighted(make_window, qtbot):
    window = make_window(load=False)
    chat = window.chat
    conv, target = _branching_chat(chat.store)
    chat.conversations.refresh()
    chat.new_chat()

    chat.conversations.search.setText(MATCH)
    chat.conversations.refresh()
    item = chat.conversations.list.item(0)
    assert MATCH in item.text().split("\n")[1]  # the snippet holds the whole match
    chat.conversations.list.itemClicked.emit(item)

    assert chat.conversation_id == conv.id
    shown = [m.id for m in chat.view.messages()]
    assert target.id in shown  # the branch that holds the match, not the one that was current
    widget = chat.view.widget_for(target.id)
    assert widget is not None
    selections = widget.body.browser.extraSelections()
    assert selections and selections[0].cursor.selectedText() == MATCH  # highlighted
    viewport = chat.view.viewport()
    qtbot.waitUntil(lambda: viewport.rect().intersects(
        widget.geometry().translated(chat.view.widget().pos())))  # scrolled to it


def test_snippets_are_centred_on_the_match_and_never_cut_it():
    long = ("word " * 60) + "the needle is here " + ("tail " * 60)
    piece = snippet(long, "needle", width=40)
    assert "needle" in piece and piece.startswith("…") and piece.endswith("…")
    middle = piece.strip("…").index("needle")
    assert 8 <= middle <= 30  # in the middle, not at an edge
    assert not piece.strip("…").startswith("ord") and not piece.strip("…").endswith("tai")  # whole words
    chinese = "很长的文字" * 20 + MATCH + "更多的文字" * 20
    assert MATCH in snippet(chinese, MATCH, width=30)
    assert snippet("short text", "short") == "short text"


def test_restart_reopens_the_chat_and_the_tab_you_were_in(make_window):
    window = make_window(load=False)
    store = window.chat.store
    first = store.create(system_prompt="")
    store.add_message(first.id, None, "user", "The chat I was reading")
    second = store.create(system_prompt="")
    store.add_message(second.id, None, "user", "A newer chat")
    window.chat.conversations.refresh()
    window.chat.open_conversation(first.id)
    window.tabs.setCurrentWidget(window.translation)
    window.close()

    again = make_window(load=False)
    assert again.chat.conversation_id == first.id
    assert [m.content for m in again.chat.view.messages()] == ["The chat I was reading"]
    assert again.tabs.currentWidget() is again.translation
    again.tabs.setCurrentWidget(again.chat)
    again.close()
    again.context.store.delete(first.id)  # the chat is deleted before the next start: a new chat, no error

    third = make_window(load=False)
    assert third.chat.conversation_id is None and third.tabs.currentWidget() is third.chat


def test_context_and_speed_belong_to_the_chat_on_screen(make_window):
    window = make_window(load=False)
    store = window.chat.store
    busy = store.create(system_prompt="")
    user = store.add_message(busy.id, None, "user", "Hello")
    reply = store.add_message(busy.id, user.id, "assistant", "Hi!")
    store.update_message(reply.id, stats={"context_used": 120, "context_size": 4096, "tokens_per_s": 33.3,
                                          "ttft_s": 0.2, "completion_tokens": 3, "prompt_tokens": 117,
                                          "prompt_evaluated": 117, "no_such_field": 1})
    quiet = store.create(system_prompt="")
    store.add_message(quiet.id, None, "user", "Not answered yet")
    status = window.status

    window.chat.open_conversation(busy.id)
    assert status.context_label.text() == "Context: 120/4096" and status.speed_label.text() == "33.3 tok/s"
    window.chat.open_conversation(quiet.id)
    assert status.speed_label.text() == "" and "120" not in status.context_label.text()
    window.chat.open_conversation(busy.id)
    window.chat.new_chat()  # a new chat has no figures yet
    assert status.speed_label.text() == "" and "120" not in status.context_label.text()
    window.chat.open_conversation(busy.id)
    window.tabs.setCurrentWidget(window.code)
    status.show_stats(type(window.chat.current_stats())(context_used=7, context_size=4096, tokens_per_s=9.0))
    window.tabs.setCurrentWidget(window.chat)  # back to the chat: its own figures again
    assert status.context_label.text() == "Context: 120/4096" and status.speed_label.text() == "33.3 tok/s"


def test_a_long_message_is_collapsed_with_show_all_and_a_search_opens_it(make_window, qtbot):
    from desktop_gpt.ui.chat.message_widget import COLLAPSE_CHARS

    window = make_window(load=False)
    store = window.chat.store
    conv = store.create(system_prompt="")
    pasted = ("A pasted report line with many words in it.\n" * 600) + "The secret word is marmalade."
    assert len(pasted) > COLLAPSE_CHARS
    message = store.add_message(conv.id, None, "user", pasted)
    window.chat.open_conversation(conv.id)
    widget = window.chat.view.widget_for(message.id)
    assert not widget.expanded and not widget.show_all_button.isHidden()
    assert f"{len(pasted):,} characters" in widget.show_all_button.text()
    shown = widget.body.browser.toPlainText()
    assert len(shown) < 2000 and "marmalade" not in shown  # collapsed to its beginning
    assert widget.text() == pasted  # Copy and Edit still take the whole message
    widget.show_all_button.click()
    assert "marmalade" in widget.body.browser.toPlainText() and widget.show_all_button.isHidden()

    window.chat.new_chat()
    window.chat.open_match(conv.id, message.id, "marmalade")  # a search hit in the collapsed part opens it
    widget = window.chat.view.widget_for(message.id)
    assert widget.expanded and widget.body.browser.extraSelections()


def test_the_window_reopens_at_the_size_it_was_closed_never_larger_than_the_screen(make_window):
    window = make_window(load=False)
    room = window.screen().availableGeometry()  # offscreen: 800 x 800, so 1180 x 780 would not fit

    def fits(w) -> bool:  # (never narrower than the window's own minimum, 968 px)
        return w.height() <= room.height() and w.width() <= max(room.width(), w.minimumSizeHint().width())

    assert fits(window) and window.height() < 780
    window.resize(970, 700)
    window.close()

    again = make_window(load=False)
    assert again.context.settings.window == [970, 700, False]
    assert again.height() == 700 and fits(again)  # (this screen is narrower than the window was)
    again.close()
    again.context.settings.window = [5000, 4000, False]  # as saved on a bigger screen
    from desktop_gpt.settings import save_settings

    save_settings(again.context.settings, again.context.paths)
    third = make_window(load=False)
    assert fits(third)
