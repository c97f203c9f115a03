"""Running an app without Qt: its chat remembers it (m004_apps), and its instructions and sampling reach the engine."""

from __future__ import annotations

from desktop_gpt.services import apps, tool_runs
from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.store.library import builtin_apps
from desktop_gpt.tools.templates import Prompt


def app(app_id="builtin:poet"):
    return next(a for a in builtin_apps() if a.id == app_id)


def test_a_chat_from_an_app_remembers_it_after_reopening(tmp_path):
    db = Database(tmp_path / "chats.sqlite3")
    store = ConversationStore(db)
    poet = app()
    conv = apps.start_chat(store, poet)
    db.close()

    store = ConversationStore(Database(tmp_path / "chats.sqlite3"))
    again = store.get(conv.id)
    assert (again.app_id, again.app_name) == ("builtin:poet", "Poet")
    assert again.system_prompt == poet.instructions
    assert again.params == {"temperature": 0.9, "top_p": 0.95, "max_tokens": 600}
    assert apps.sampling({"temperature": 0.7, "top_k": 40, "max_tokens": 1024}, poet) == {
        "temperature": 0.9, "top_k": 40, "max_tokens": 600, "top_p": 0.95}
    assert store.create().app_name is None


def test_instructions_go_first_in_the_system_message():
    messages = [{"role": "system", "content": "Reply with the translation only."}, {"role": "user", "content": "Hi"}]
    merged = apps.with_instructions(messages, "You translate between English and Chinese.")
    assert merged[0]["content"] == "You translate between English and Chinese.\n\nReply with the translation only."
    assert merged[1:] == messages[1:]
    assert apps.with_instructions([{"role": "user", "content": "Hi"}], "Be brief.")[0] == {
        "role": "system", "content": "Be brief."}
    assert messages[0]["content"] == "Reply with the translation only."  # the caller's list is not changed


def test_a_tool_run_records_its_app(tmp_path):
    store = ConversationStore(Database(tmp_path / "chats.sqlite3"))
    writer = app("builtin:article-writer")
    prompt = Prompt("writing", "Draft", "autumn", messages=[{"role": "system", "content": "Write well."},
                                                             {"role": "user", "content": "autumn"}])
    user = tool_runs.start(store, apps.with_app(prompt, writer))
    conv = store.get(user.conversation_id)
    assert (conv.tool, conv.app_id, conv.app_name) == ("writing", "builtin:article-writer", "Article Writer")
    assert conv.system_prompt.startswith(writer.instructions) and conv.system_prompt.endswith("Write well.")
    assert prompt.messages[0]["content"] == "Write well."  # the pane's prompt is untouched (Retry re-applies)
    raw = Prompt("writing", "Continue", "x", raw="Once upon")
    assert apps.with_app(raw, writer).raw == "Once upon"
