"""Storage: migrations from an empty file, message trees with branches, search in any script, recovery."""

import sqlite3

import pytest

from desktop_gpt.services import chat
from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.storage.conversations import export_markdown, title_from
from desktop_gpt.storage.migrations import MIGRATIONS, applied


@pytest.fixture
def store(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    yield ConversationStore(db)
    db.close()


def test_all_migrations_run_once_on_an_empty_database(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    db = Database(path)
    names = [name for name, _ in MIGRATIONS]
    assert applied(db.connection()) == names
    db.close()
    db = Database(path)  # a second start applies nothing again
    assert applied(db.connection()) == names
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"
    db.close()


def test_messages_form_a_tree_and_edits_keep_the_old_branch(store):
    conv = store.create(system_prompt="Be kind")
    u1 = chat.send(store, conv.id, "first question")
    a1 = store.add_message(conv.id, u1.id, "assistant", "first answer")
    u2 = chat.send(store, conv.id, "second question")
    a2 = store.add_message(conv.id, u2.id, "assistant", "second answer")
    assert [m.id for m in store.active_path(conv.id)] == [u1.id, a1.id, u2.id, a2.id]
    assert store.get(conv.id).title == "first question"

    u2b = chat.edit(store, u2.id, "second question, edited")
    a2b = store.add_message(conv.id, u2b.id, "assistant", "edited answer")
    assert [m.id for m in store.active_path(conv.id)] == [u1.id, a1.id, u2b.id, a2b.id]
    versions = store.versions(conv.id)
    assert versions[u2.id] == versions[u2b.id] == [u2.id, u2b.id]

    store.switch_branch(u2.id)  # flip back: the old question and its answer are still there
    assert [m.content for m in store.active_path(conv.id)][-2:] == ["second question", "second answer"]
    assert chat.prompt_messages(store, conv.id, a2.id)[0] == {"role": "system", "content": "Be kind"}


def test_regenerate_makes_a_sibling_reply(store):
    conv = store.create()
    u = chat.send(store, conv.id, "q")
    a = store.add_message(conv.id, u.id, "assistant", "a1")
    b = store.add_message(conv.id, u.id, "assistant", "a2")
    assert store.versions(conv.id)[a.id] == [a.id, b.id]
    assert store.latest_leaf(u.id) == b.id


def test_search_finds_english_chinese_and_titles(store):
    c1 = store.create(title="Trip planning")
    chat.send(store, c1.id, "What should I pack for Kyoto in autumn?")
    c2 = store.create()
    chat.send(store, c2.id, "请帮我写一首关于秋天的诗")
    assert [h.conversation_id for h in store.search("kyoto")] == [c1.id]
    assert [h.conversation_id for h in store.search("秋天的诗")] == [c2.id]  # 3+ characters: full-text index
    assert [h.conversation_id for h in store.search("秋天")] == [c2.id]  # 2 characters: LIKE
    assert [h.conversation_id for h in store.search("planning")] == [c1.id]
    assert store.search("nothing like this") == []
    hit = store.search("pack")[0]
    assert "pack" in hit.snippet


def test_search_index_follows_updates_and_deletes(store):
    conv = store.create()
    u = chat.send(store, conv.id, "hello")
    a = store.add_message(conv.id, u.id, "assistant", "", status="streaming")
    store.update_message(a.id, content="a reply about volcanoes")
    assert store.search("volcano")
    store.delete(conv.id)
    assert store.search("volcano") == []
    assert store.messages(conv.id) == []


def test_interrupted_replies_are_marked_incomplete(store):
    conv = store.create()
    u = chat.send(store, conv.id, "q")
    a = store.add_message(conv.id, u.id, "assistant", "partial", status="streaming")
    assert store.recover_interrupted() == 1
    m = store.message(a.id)
    assert (m.status, m.finish_reason, m.content) == ("incomplete", "interrupted", "partial")
    assert store.recover_interrupted() == 0


def test_export_markdown(store):
    conv = store.create(title="Export me", system_prompt="Sys")
    u = chat.send(store, conv.id, "Question 问题")
    store.add_message(conv.id, u.id, "assistant", "```python\nprint(1)\n```", status="incomplete")
    text = export_markdown(store.get(conv.id), store.active_path(conv.id))
    assert text.startswith("# Export me\n")
    assert "## System\n\nSys" in text and "Question 问题" in text
    assert "(incomplete)" in text and "```python\nprint(1)\n```" in text


def test_unreadable_database_is_a_clear_error(tmp_path):
    from desktop_gpt.errors import StorageError

    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises((StorageError, sqlite3.DatabaseError)):
        Database(path)


def test_title_from_long_text():
    assert title_from("short") == "short"
    long = "word " * 30
    assert len(title_from(long)) <= 49 and title_from(long).endswith("…")
