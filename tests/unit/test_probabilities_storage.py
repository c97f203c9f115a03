"""Token probabilities kept with a message: compact, survive reopening the database, exported only when asked."""

from __future__ import annotations

from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.storage.conversations import export_markdown
from desktop_gpt.storage.probabilities import ProbabilityStore, decode, encode


def _records(n: int) -> list[dict]:
    return [{"text": f" word{i}" if i % 3 else "长", "p": 0.5 + i / (4 * n), "raw": 0.4, "ids": [100 + i],
             "top": [[100 + i, f" word{i}", 0.61234567, 0.4], [7, " other", 0.2, 0.3], [8, "<E4 BD>", 0.1, 0.2],
                     [9, ",", 0.05, 0.05], [10, ".", 0.04, 0.05]]} for i in range(n)]


def test_probabilities_are_stored_compactly_and_read_back(tmp_path):
    records = _records(500)
    blob = encode(records)
    assert len(blob) < 40 * len(records)  # a few dozen bytes per token with five alternatives
    back = decode(blob)
    assert [r["text"] for r in back] == [r["text"] for r in records]
    assert back[3]["top"][0][2] == 0.6123  # rounded to 4 digits
    assert back[3]["ids"] == [103]


def test_probabilities_survive_reopening_and_go_with_their_chat(tmp_path):
    db = Database(tmp_path / "chats.sqlite")
    store = ConversationStore(db)
    conversation = store.create()
    user = store.add_message(conversation.id, None, "user", "hi")
    reply = store.add_message(conversation.id, user.id, "assistant", "hello")
    ProbabilityStore(db).save(reply.id, _records(3), "raw")
    db.close()

    db = Database(tmp_path / "chats.sqlite")
    kind, records = ProbabilityStore(db).load(reply.id)
    assert kind == "raw" and len(records) == 3
    assert ProbabilityStore(db).has([user.id, reply.id]) == {reply.id}
    ConversationStore(db).delete(conversation.id)
    assert ProbabilityStore(db).load(reply.id) is None  # deleted with the chat
    db.close()


def test_markdown_export_has_probabilities_only_when_asked(tmp_path):
    db = Database(tmp_path / "chats.sqlite")
    store = ConversationStore(db)
    conversation = store.create(title="Words")
    user = store.add_message(conversation.id, None, "user", "hi")
    reply = store.add_message(conversation.id, user.id, "assistant", "长 word1")
    ProbabilityStore(db).save(reply.id, _records(2), "sampled")
    messages = store.path_to(reply.id)
    plain = export_markdown(store.get(conversation.id), messages)
    assert "probabilities" not in plain
    asked = export_markdown(store.get(conversation.id), messages, ProbabilityStore(db).load)
    assert "Token probabilities (as sampled)" in asked
    assert '- "长" 50.0%' in asked and '- " word1" 62.5%' in asked
    assert '" other" 20.0%' in asked
    db.close()
