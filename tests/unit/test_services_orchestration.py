"""The deciding that the Chat, Writing, Translation and Code panes used to do, now in services (no Qt, no model)."""

from __future__ import annotations

import os
import stat

import pytest

from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.client import Engine
from desktop_gpt.engine.protocol import SamplingParams
from desktop_gpt.engine.remote import RemoteEngine, api_base, estimate_tokens, host_of
from desktop_gpt.errors import ServerError, SettingsError
from desktop_gpt.redaction import redact, register_secret
from desktop_gpt.services import apps, chat, engines, tool_runs
from desktop_gpt.settings import Settings
from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.store.library import builtin_apps
from desktop_gpt.tools.templates import Prompt


@pytest.fixture
def store(tmp_path):
    database = Database(tmp_path / "t.sqlite3")
    yield ConversationStore(database)
    database.close()


def _poet():
    return next(a for a in builtin_apps() if a.id == "builtin:poet")


def test_a_new_chat_is_plain_or_made_from_an_app_and_keeps_an_edited_system_prompt(store):
    plain = chat.new_conversation(store, "Be brief.")
    assert plain.system_prompt == "Be brief." and plain.app_id is None
    edited = chat.new_conversation(store, "Be brief.", system_override="Answer in French.")
    assert edited.system_prompt == "Answer in French."
    poet = _poet()
    from_app = chat.new_conversation(store, "Be brief.", poet)
    assert from_app.app_id == poet.id and from_app.system_prompt == poet.instructions
    assert from_app.params == apps.app_parameters(poet)
    overridden = chat.new_conversation(store, "Be brief.", poet, system_override="Rhyme in Chinese.")
    assert overridden.app_id == poet.id and store.get(overridden.id).system_prompt == "Rhyme in Chinese."


def test_a_reply_uses_the_settings_with_the_chats_own_parameters_on_top(store):
    defaults = Settings().sampling()
    assert chat.reply_params(defaults, store, None) == defaults
    conversation = chat.new_conversation(store, "", _poet())
    params = chat.reply_params(defaults, store, conversation.id)
    for key, value in apps.app_parameters(_poet()).items():
        assert params[key] == value
    assert set(defaults) <= set(params)


def test_regenerate_finds_the_user_message_of_the_last_or_a_given_reply(store):
    conversation = chat.new_conversation(store, "")
    assert chat.regenerate_target(store, conversation.id) is None
    first = chat.send(store, conversation.id, "one")
    reply1 = store.add_message(conversation.id, first.id, "assistant", "1")
    second = chat.send(store, conversation.id, "two")
    store.add_message(conversation.id, second.id, "assistant", "2")
    assert chat.regenerate_target(store, conversation.id).id == second.id
    assert chat.regenerate_target(store, conversation.id, reply1.id).id == first.id
    assert chat.regenerate_target(store, conversation.id, first.id) is None  # a first user message has no parent


def test_a_tool_run_with_an_app_records_it_and_sends_its_instructions(store):
    poet = _poet()
    prompt = Prompt("writing", "Draft", "autumn", messages=[{"role": "user", "content": "autumn"}],
                    request={"kind": "poem"})
    user, events_of = tool_runs.begin(store, prompt, {"temperature": 0.1, "max_tokens": 10}, poet)
    conversation = store.get(user.conversation_id)
    assert conversation.app_id == poet.id and conversation.params["app_name"] == poet.name

    class Recorder:
        info = last_stats = None

        def chat(self, messages, params=None):
            self.sent = (messages, params)
            return iter(())

    engine = Recorder()
    events_of(engine, lambda: False)
    messages, params = engine.sent
    assert messages[0]["role"] == "system" and messages[0]["content"].startswith(poet.instructions.strip())
    plain_user, plain_events = tool_runs.begin(store, prompt, {"temperature": 0.1})
    plain_events(engine, lambda: False)
    assert engine.sent[0] == prompt.messages and store.get(plain_user.conversation_id).app_id is None


def test_the_factory_makes_the_engine_the_settings_choose(app_home):
    assert isinstance(engines.create_engine(Settings()), Engine)
    settings = Settings(engine="server", server_url="http://127.0.0.1:9/v1")
    remote = engines.create_engine(settings)
    try:
        assert isinstance(remote, RemoteEngine) and isinstance(remote, EngineBackend)
        assert remote.base_url == "http://127.0.0.1:9/v1" and remote.kind == "remote"
    finally:
        remote.close()
    with pytest.raises(SettingsError, match="no address"):
        engines.create_engine(Settings(engine="server"))
    assert isinstance(Engine(), EngineBackend) and isinstance(apps.AppEngine(Engine(), _poet()), EngineBackend)


def test_the_api_key_is_kept_in_its_own_private_file(app_home):
    assert engines.read_api_key() is None
    path = engines.save_api_key("  sk-test-123456  ")
    assert engines.read_api_key() == "sk-test-123456"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(SettingsError):
        engines.save_api_key("two words")
    engines.save_api_key("")
    assert engines.read_api_key() is None and not path.exists()


def test_a_registered_api_key_is_redacted_whatever_it_looks_like():
    register_secret("Zq9-secret-key-of-a-server")
    assert "Zq9-secret" not in redact("sending key=Zq9-secret-key-of-a-server now")


def test_server_addresses_and_token_estimates():
    assert api_base("http://10.0.0.5:8080") == "http://10.0.0.5:8080/v1"
    assert api_base("https://example.com/v1/") == "https://example.com/v1"
    assert host_of("http://user@10.0.0.5:8080/v1") == "10.0.0.5:8080"
    with pytest.raises(ServerError, match="not a server address"):
        api_base("ftp://x")
    assert estimate_tokens("abcdefgh") == 2 and estimate_tokens("你好世界") == 4
