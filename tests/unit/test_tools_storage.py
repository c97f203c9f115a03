"""Documents and tool runs in storage: saved as they change, listed as history, files read in any encoding."""

from __future__ import annotations

import pytest

from desktop_gpt.engine.protocol import Done, GenerationStats, Token
from desktop_gpt.errors import FileAccessError
from desktop_gpt.services import tool_runs
from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.storage.documents import DocumentStore
from desktop_gpt.storage.migrations import applied
from desktop_gpt.tools.templates import Prompt


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "t.sqlite3")
    yield database
    database.close()


def test_documents_are_created_updated_and_listed_newest_first(db):
    assert "m003_documents" in applied(db.connection())
    docs = DocumentStore(db)
    first = docs.create(content="# 草稿\n")
    second = docs.create(title="Letter", path="/tmp/letter.md")
    assert first.name == "Untitled" and second.name == "Letter"
    docs.update(first.id, content="# 草稿\n\n第一段。", dirty=True, cursor=5)
    again = docs.get(first.id)
    assert (again.content, again.dirty, again.cursor) == ("# 草稿\n\n第一段。", True, 5)
    assert [d.id for d in docs.list()] == [first.id, second.id]
    assert docs.by_path("/tmp/letter.md").id == second.id
    with pytest.raises(ValueError):
        docs.update(first.id, created_at=0)
    docs.delete(second.id)
    assert [d.id for d in docs.list()] == [first.id]


class _NoEngine:
    info = None


def _events(texts, reason="stop"):
    for text in texts:
        yield Token(text)
    yield Done(GenerationStats(finish_reason=reason))


def test_a_tool_run_is_saved_like_a_chat_and_listed_in_history(db):
    store = ConversationStore(db)
    prompt = Prompt("translation", "English → French", "Good morning", request={"target": "fr"})
    user = tool_runs.start(store, prompt)
    events = list(tool_runs.stream(_NoEngine(), store, user, _events(["Bon", "jour"]), save_interval=0))
    reply = events[0].message
    assert store.message(reply.id).content == "Bonjour" and store.message(reply.id).status == "complete"
    user2 = tool_runs.start(store, Prompt("translation", "second", "Stop me", request={"target": "de"}))
    list(tool_runs.stream(_NoEngine(), store, user2, _events(["Halt"], "cancelled")))
    runs = tool_runs.history(store, "translation")
    assert [(r.input, r.output, r.status) for r in runs] == [("Stop me", "Halt", "incomplete"),
                                                             ("Good morning", "Bonjour", "complete")]
    assert runs[1].request == {"target": "fr"} and runs[1].title == "English → French"
    assert store.list("chat") == []  # tool runs stay out of the chat list


def test_a_source_that_ends_without_done_is_kept_as_incomplete(db):
    store = ConversationStore(db)
    user = tool_runs.start(store, Prompt("code", "t", "x"))
    events = list(tool_runs.stream(_NoEngine(), store, user, iter([Token("partial")])))
    saved = store.message(events[0].message.id)
    assert (saved.content, saved.status, saved.finish_reason) == ("partial", "incomplete", "interrupted")


def test_text_files_in_utf8_utf16_and_gb18030(tmp_path):
    (tmp_path / "a.md").write_bytes("\ufeff# 标题\r\n正文".encode("utf-8"))
    (tmp_path / "b.txt").write_bytes("你好，世界".encode("gb18030"))
    (tmp_path / "c.txt").write_bytes("héllo".encode("utf-16"))
    (tmp_path / "d.bin").write_bytes(b"\x89PNG\x00\x00")
    assert tool_runs.read_text_file(tmp_path / "a.md") == "# 标题\n正文"
    assert tool_runs.read_text_file(tmp_path / "b.txt") == "你好，世界"
    assert tool_runs.read_text_file(tmp_path / "c.txt") == "héllo"
    with pytest.raises(FileAccessError, match="not a text file"):
        tool_runs.read_text_file(tmp_path / "d.bin")
    with pytest.raises(FileAccessError, match="could not be opened"):
        tool_runs.read_text_file(tmp_path / "missing.txt")
    out = tool_runs.write_text_file(tmp_path / "out.md", "译文\n")
    assert out.read_text(encoding="utf-8") == "译文\n" and not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(FileAccessError, match="could not be saved"):
        tool_runs.write_text_file(tmp_path / "no" / "such" / "dir.md", "x")


def test_history_keeps_the_runs_whose_request_matches(db):
    store = ConversationStore(db)
    for doc in (1, 2, 1):
        user = tool_runs.start(store, Prompt("writing", f"run for {doc}", "text", request={"document_id": doc}))
        list(tool_runs.stream(_NoEngine(), store, user, _events([str(doc)])))
    assert [r.output for r in tool_runs.history(store, "writing", document_id=1)] == ["1", "1"]
    assert [r.output for r in tool_runs.history(store, "writing", document_id=2)] == ["2"]
    assert tool_runs.history(store, "writing", document_id=3) == []
    first = tool_runs.history(store, "writing")[-1]
    assert tool_runs.run_of(store, first.conversation.id).output == "1"
    assert tool_runs.run_of(store, 999) is None
    with pytest.raises(ValueError):
        tool_runs.history(store, "writing", **{"x') OR 1=1 --": 1})
