"""A chat of thousands of messages: widgets only near the screen, every message reachable; a list of many chats."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSlider

from desktop_gpt.storage.bulk import NewConversation, import_conversations

WIDGETS_MAX = 60  # however long the chat: a few screens' worth
HANG_MS = 120_000  # a limit for a hung view on a busy 2-core machine, not a speed target


def _text(i: int) -> str:
    text = f"Message number {i} talks about topic {i % 97} and a few more words to make it wrap a little."
    return text + ("\n\n```python\nprint('hello')\n```" if i % 10 == 0 else "")


def _long_chat(window, messages: int = 2000) -> int:
    turns = [("user" if i % 2 == 0 else "assistant", _text(i)) for i in range(messages)]
    others = [NewConversation(f"Other {k}", [("user", "hi")], updated_at=time.time() - 100 - k) for k in range(3)]
    cid = import_conversations(window.context.store, others + [NewConversation("Long chat", turns)])[-1]
    window.chat.conversations.refresh()
    return cid


def _settled(view) -> bool:
    return not view.busy


def _open(qtbot, window, cid: int):
    window.chat.open_conversation(cid)
    view = window.chat.view
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: _settled(view) and bar.value() == bar.maximum(), timeout=HANG_MS)
    return view


def test_a_2000_message_chat_opens_with_a_bounded_number_of_widgets(qtbot, make_window):
    window = make_window(load=False)
    cid = _long_chat(window)
    view = _open(qtbot, window, cid)
    messages = view.messages()
    assert len(messages) == 2000
    widgets = view.widgets()
    assert 0 < len(widgets) <= WIDGETS_MAX
    assert widgets[-1].message.id == messages[-1].id  # the newest message is the one shown
    assert widgets[-1].body.text() == _text(1999)
    assert view.built_range() == (2000 - len(widgets), 2000)


def test_scrolling_to_the_top_brings_the_first_message_and_keeps_widgets_bounded(qtbot, make_window):
    window = make_window(load=False)
    cid = _long_chat(window, 300)
    view = _open(qtbot, window, cid)
    first = view.messages()[0]
    bar = view.verticalScrollBar()
    most = [0]

    def paged_up_to_the_top() -> bool:
        most[0] = max(most[0], len(view.widgets()))
        if bar.value() == 0 and view.widget_for(first.id) is not None:
            return True
        bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)  # as PageUp or the wheel would
        return False

    qtbot.waitUntil(paged_up_to_the_top, timeout=HANG_MS)
    assert view.widgets()[0].message.id == first.id
    assert view.widgets()[0].body.text() == _text(0)
    assert most[0] <= WIDGETS_MAX  # widgets far below were dropped on the way up
    qtbot.waitUntil(lambda: _settled(view), timeout=HANG_MS)
    assert len(view.widgets()) <= WIDGETS_MAX

    # End and Home jump to either end of the chat from the keyboard
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)
    last = view.messages()[-1]
    qtbot.waitUntil(lambda: view.widget_for(last.id) is not None and bar.value() == bar.maximum(), timeout=HANG_MS)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: view.widget_for(first.id) is not None and bar.value() == 0, timeout=HANG_MS)


def test_scrolling_up_keeps_the_message_on_screen_still(qtbot, make_window):
    window = make_window(load=False)
    cid = _long_chat(window, 400)
    view = _open(qtbot, window, cid)
    bar = view.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)  # the top of what is built: more comes above
    top = view.widgets()[0]
    on_screen = top.y() - bar.value()
    first_before = view.built_range()[0]
    qtbot.waitUntil(lambda: view.built_range()[0] < first_before and _settled(view), timeout=HANG_MS)
    # older messages were put above it, and it stayed where the user was looking
    assert top.y() > on_screen
    assert top.y() - bar.value() == on_screen


def test_scroll_to_message_finds_an_old_message_and_highlights_the_match(qtbot, make_window):
    window = make_window(load=False)
    cid = _long_chat(window, 1000)
    view = _open(qtbot, window, cid)
    target = view.messages()[123]
    assert view.widget_for(target.id) is None  # far above: no widget yet
    assert view.scroll_to_message(target.id, highlight="topic 26")
    widget = view.widget_for(target.id)
    assert widget is not None
    selections = widget.body.browser.extraSelections()
    assert [s.cursor.selectedText() for s in selections] == ["topic 26"]
    qtbot.waitUntil(lambda: _settled(view), timeout=HANG_MS)
    spot = widget.mapTo(view.widget(), widget.rect().topLeft()).y()
    bar = view.verticalScrollBar()
    assert bar.value() - widget.height() <= spot <= bar.value() + view.viewport().height()  # on screen
    assert not view.scroll_to_message(-5)


def test_a_reply_streams_into_the_bottom_of_a_long_chat_even_while_scrolled_away(qtbot, make_window):
    window = make_window(load=False)
    cid = _long_chat(window, 800)
    view = _open(qtbot, window, cid)
    store = window.context.store
    last = view.messages()[-1]
    user = store.add_message(cid, last.id, "user", "and now?")
    view.add_message(user)
    reply = store.add_message(cid, user.id, "assistant", "", status="streaming")
    widget = view.add_message(reply)
    view.append_text(reply.id, "First part. ")
    assert widget.body.text() == "First part. "
    view.scroll_to_top()  # the user reads the start of the chat while the reply is written
    qtbot.waitUntil(lambda: view.widget_for(reply.id) is None and _settled(view), timeout=HANG_MS)
    view.append_text(reply.id, "Second part.")
    store.update_message(reply.id, content="First part. Second part.", status="complete", finish_reason="stop")
    assert view.finish_message(store.message(reply.id))
    view.scroll_to_bottom()
    qtbot.waitUntil(lambda: view.widget_for(reply.id) is not None, timeout=HANG_MS)
    assert view.widget_for(reply.id).body.text() == "First part. Second part."
    assert view.widget_for(reply.id).status_label.text() == ""


def test_the_chat_list_reaches_the_oldest_of_1500_chats(qtbot, make_window):
    window = make_window(load=False)
    now = time.time()
    ids = import_conversations(window.context.store, [
        NewConversation(f"Chat {k}", [("user", f"question {k}")], updated_at=now - k * 60) for k in range(1500)])
    chats = window.chat.conversations
    chats.refresh()
    listing = chats.list
    assert 0 < listing.count() < 1500  # a first page, not everything at once
    bar = listing.verticalScrollBar()

    def scrolled_to_the_oldest() -> bool:
        last = listing.item(listing.count() - 1)
        if last.data(Qt.ItemDataRole.UserRole) == ids[-1]:
            return True
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)
        return False

    qtbot.waitUntil(scrolled_to_the_oldest, timeout=HANG_MS)
    order = [listing.item(i).data(Qt.ItemDataRole.UserRole) for i in range(listing.count())]
    assert order == ids  # newest first, each once
    listing.itemClicked.emit(listing.item(listing.count() - 1))
    assert window.chat.conversation_id == ids[-1]


def test_exporting_a_long_chat_runs_off_the_gui_thread(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window(load=False)
    cid = _long_chat(window, 1600)
    window.chat.open_conversation(cid)
    target = tmp_path / "long.md"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(window.chat.status_message, timeout=HANG_MS,
                          check_params_cb=lambda text: text.startswith("Exported to")):
        window.chat.export()
        assert window.chat.export_task is not None  # handed to a worker thread; the window keeps running
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Long chat") and text.count("## You") == 800 and _text(1599) in text


def _scroll_until(qtbot, listing, done) -> None:
    bar = listing.verticalScrollBar()

    def reached() -> bool:
        if done():
            return True
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)
        return False

    qtbot.waitUntil(reached, timeout=HANG_MS)


def test_translation_and_writing_histories_reach_their_oldest_run(qtbot, make_window):
    window = make_window(load=False)
    store = window.context.store
    now = time.time()
    translations = import_conversations(store, [
        NewConversation(f"Translation {k}", [("user", f"text {k}"), ("assistant", f"texte {k}")], tool="translation",
                        params={"source": "en", "target": "fr"}, updated_at=now - k) for k in range(130)])
    window.tabs.setCurrentWidget(window.translation)
    window.translation.refresh_history()
    history = window.translation.history
    assert 0 < history.count() < 130
    _scroll_until(qtbot, history, lambda: history.count() == 130)
    assert [history.item(i).data(Qt.ItemDataRole.UserRole) for i in range(130)] == translations

    writing = window.writing
    writing.editor.setPlainText("A document with many earlier results.")
    qtbot.waitUntil(lambda: writing.document is not None, timeout=HANG_MS)
    document_id = writing.document.id
    runs = import_conversations(store, [
        NewConversation(f"Shorten {k}", [("user", "text"), ("assistant", "short")], tool="writing",
                        params={"task": "shorten", "document_id": document_id}, updated_at=now - k)
        for k in range(45)])
    window.tabs.setCurrentWidget(writing)
    writing._refresh_runs()
    listing = writing.assistant.runs
    _scroll_until(qtbot, listing, lambda: listing.count() == 45)
    assert listing.item(44).data(Qt.ItemDataRole.UserRole) == runs[-1]


def test_a_search_result_opens_its_branch_scrolled_to_the_match_and_marked(qtbot, make_window):
    window = make_window(load=False)
    store = window.context.store
    cid = _long_chat(window, 600)
    old_branch = store.active_path(cid)
    target = old_branch[40]
    store.update_message(target.id, content=target.content + " The lighthouse keeper waved.")
    # an edit of message 10 starts a second branch, which becomes the one shown: message 40 is not on it
    edited = store.add_message(cid, old_branch[9].id, "user", "An edited question")
    assert target.id not in {m.id for m in store.active_path(cid)}
    chats = window.chat.conversations
    chats.search.setText("LIGHTHOUSE keeper")
    chats.refresh()
    hit = chats.list.item(0)
    assert chats.list.count() == 1 and "lighthouse keeper" in hit.text()
    chats.list.itemClicked.emit(hit)
    view = window.chat.view
    assert window.chat.conversation_id == cid
    assert target.id in {m.id for m in view.messages()} and edited.id not in {m.id for m in view.messages()}
    widget = view.widget_for(target.id)
    assert [s.cursor.selectedText() for s in widget.body.browser.extraSelections()] == ["lighthouse keeper"]
    qtbot.waitUntil(lambda: not view.busy, timeout=HANG_MS)
    top = widget.mapTo(view.widget(), widget.rect().topLeft()).y()
    bar = view.verticalScrollBar()
    assert bar.value() <= top + widget.height() and top <= bar.value() + view.viewport().height()


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")  # a popup, offscreen
def test_the_writing_document_picker_reaches_the_oldest_document(qtbot, make_window):
    from desktop_gpt.storage.documents import DocumentStore

    window = make_window(load=False)
    documents = DocumentStore(window.context.db)
    with window.context.db.transaction():  # one transaction for all of them
        made = [documents.create(title=f"Document {k}", content="text") for k in range(120)]
    writing = window.writing
    writing.new_document()
    window.tabs.setCurrentWidget(writing)
    picker = writing.picker
    assert picker.count() < 121  # "Untitled (new)" and a first page
    picker.showPopup()
    _scroll_until(qtbot, picker.view(), lambda: picker.count() == 121)
    listed = [picker.itemData(i) for i in range(1, 121)]
    assert sorted(listed) == sorted(d.id for d in made) and listed[-1] == made[0].id
    picker.hidePopup()


def test_tab_goes_through_the_messages_top_to_bottom_after_scrolling_up(qtbot, make_window):
    from desktop_gpt.ui.chat.message_widget import MessageWidget

    window = make_window(load=False)
    cid = _long_chat(window, 300)
    view = _open(qtbot, window, cid)
    bar = view.verticalScrollBar()
    for _ in range(4):  # older messages are built above the ones there
        bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)
        qtbot.waitUntil(lambda: _settled(view), timeout=HANG_MS)
    shown = [w.message.id for w in view.widgets()]
    stop = view.widgets()[0].copy_button
    order = []
    for _ in range(10_000):  # the Tab stops, following the focus chain from the first message's Copy button
        if stop.focusPolicy() & Qt.FocusPolicy.TabFocus:
            owner = stop
            while owner is not None and not isinstance(owner, MessageWidget):
                owner = owner.parentWidget()
            if owner is None:
                break
            if not order or order[-1] != owner.message.id:
                order.append(owner.message.id)
        stop = stop.nextInFocusChain()
    assert order == shown
