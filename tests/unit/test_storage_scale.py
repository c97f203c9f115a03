"""Storage at scale: many conversations written in one transaction, keyset pages, search that stops early."""

import pytest

from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.storage.bulk import NewConversation, import_conversations


@pytest.fixture
def store(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    yield ConversationStore(db)
    db.close()


def test_import_writes_each_conversation_as_one_branch(store):
    existing = store.create(title="made before")
    store.add_message(existing.id, None, "user", "already here")
    ids = import_conversations(store, [
        NewConversation("A", [("user", "q1"), ("assistant", "a1"), ("user", "q2")], updated_at=100.0),
        NewConversation("B", [("user", "hello")], tool="translation", params={"target": "fr"}, updated_at=50.0),
    ])
    assert len(ids) == 2 and existing.id not in ids
    a, b = store.get(ids[0]), store.get(ids[1])
    assert [(m.role, m.content) for m in store.active_path(a.id)] == [("user", "q1"), ("assistant", "a1"),
                                                                     ("user", "q2")]
    assert (b.tool, b.params, b.updated_at) == ("translation", {"target": "fr"}, 50.0)
    assert [h.conversation_id for h in store.search("hello", tool="translation")] == [b.id]  # indexed for search
    assert [m.content for m in store.active_path(existing.id)] == ["already here"]


def test_pages_walk_every_conversation_newest_first_even_with_equal_times(store):
    # 25 chats share one updated time: the id breaks the tie, so none is skipped or listed twice
    ids = import_conversations(store, [NewConversation(f"c{k}", [("user", "x")], updated_at=1000.0 - (k // 25))
                                       for k in range(120)])
    import_conversations(store, [NewConversation("code run", [("user", "x")], tool="code", updated_at=5000.0)])
    seen, after = [], None
    while True:
        page = store.page("chat", after=after, limit=7)
        seen += [c.id for c in page]
        if len(page) < 7:
            break
        after = page[-1].page_key
    expected = sorted(ids, key=lambda i: (-store.get(i).updated_at, -i))
    assert seen == expected
    assert [c.id for c in store.list("chat", limit=3)] == expected[:3]


def test_search_reads_only_as_far_as_it_needs(store):
    turns = [("user", f"common words here {k}") for k in range(300)]
    ids = import_conversations(store, [NewConversation(f"chat {k}", turns[k:k + 3], updated_at=float(k))
                                       for k in range(100)])
    hits = store.search("common words", limit=10)
    assert len(hits) == 10
    assert len({h.conversation_id for h in hits}) == 10
    assert hits[0].conversation_id == ids[-1]  # the newest matching messages first
    assert all("common words" in h.snippet for h in hits)
