"""The remote engine against servers: llama-cpp-python's own OpenAI-compatible server (one we did not write, in
its own process) and our own `desktop-gpt serve`. Chat, Continue, Stop, a server killed mid-reply, wrong key,
unknown model, no server at all."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from desktop_gpt.engine.protocol import Done, SamplingParams, Token, Trimmed
from desktop_gpt.engine.remote import RemoteEngine
from desktop_gpt.errors import ServerAuthError, ServerModelNotFound, ServerUnreachable, StreamInterrupted
from desktop_gpt.services import chat as chat_service
from desktop_gpt.services.model import load_model
from desktop_gpt.settings import Settings
from desktop_gpt.storage import ConversationStore, Database
from tests.server.conftest import LLAMA_KEY, free_port, start_llama_server, start_local, stop_process

pytestmark = pytest.mark.model

GREEDY = SamplingParams(temperature=0.0, max_tokens=12, seed=1)


@pytest.fixture
def remote(llama_server):
    engine = RemoteEngine(llama_server.url, LLAMA_KEY)
    yield engine
    engine.close()


def _text(events) -> tuple[str, Done]:
    parts, done = [], None
    for event in events:
        if isinstance(event, Token):
            parts.append(event.text)
        elif isinstance(event, Done):
            done = event
    return "".join(parts), done


def test_chat_streams_from_llama_cpp_server(remote, llama_server):
    info, choice = load_model(remote, Settings(server_model=llama_server.model_id))
    assert info.name == "smollm2" and info.server == llama_server.url.removeprefix("http://")
    assert info.backend == "Server" and choice.source == "server"
    text, done = _text(remote.chat([{"role": "user", "content": "Say hello."}], GREEDY))
    assert text.strip() and done.stats.finish_reason in ("stop", "length")
    assert 1 <= done.stats.completion_tokens <= 12 and remote.last_stats is done.stats
    assert remote.exact_token_counts and remote.count_tokens("hello world") in (2, 3)


def test_continue_is_a_raw_completion(remote, llama_server):
    remote.load(llama_server.model_id)
    text, done = _text(remote.complete("The capital of France is", GREEDY))
    assert text and done.stats.finish_reason in ("stop", "length")


def test_stop_ends_the_stream_at_once_and_the_engine_works_again(remote, llama_server):
    remote.load(llama_server.model_id)
    events = remote.chat([{"role": "user", "content": "Write a very long story."}],
                         SamplingParams(temperature=0.0, max_tokens=2000))
    got = []
    for event in events:
        if isinstance(event, Token):
            got.append(event.text)
            if len(got) == 3:
                threading.Thread(target=remote.cancel).start()  # Stop, from another thread like the window
        elif isinstance(event, Done):
            done = event
    assert done.stats.finish_reason == "cancelled" and len(got) < 2000
    text, again = _text(remote.chat([{"role": "user", "content": "Hi"}], GREEDY))
    assert again.stats.finish_reason in ("stop", "length")  # the next request is not hurt by the Stop


def test_wrong_key_and_unknown_model_are_worded(llama_server):
    wrong = RemoteEngine(llama_server.url, "not-the-key")
    try:
        with pytest.raises(ServerAuthError, match="refused the API key"):
            wrong.load(llama_server.model_id)
    finally:
        wrong.close()
    engine = RemoteEngine(llama_server.url, LLAMA_KEY)
    try:
        with pytest.raises(ServerModelNotFound, match="no model called “gpt-9”.*smollm2"):
            engine.load("gpt-9")
    finally:
        engine.close()


def test_no_server_at_that_address_is_worded():
    engine = RemoteEngine(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(ServerUnreachable, match="Could not reach the server at 127.0.0.1"):
            engine.load("")
    finally:
        engine.close()


def test_a_server_killed_mid_reply_keeps_the_partial_reply_marked_incomplete(bundled_model, tmp_path):
    server = start_llama_server(bundled_model, tmp_path)  # its own: this test kills it
    engine = RemoteEngine(server.url, LLAMA_KEY)
    db = Database(tmp_path / "chat.sqlite3")
    try:
        engine.load(server.model_id)
        store = ConversationStore(db)
        conversation = store.create(system_prompt="")
        user = chat_service.send(store, conversation.id, "Write a very long story about a lighthouse keeper.")
        events = chat_service.stream_reply(engine, store, user, SamplingParams(temperature=0.0, max_tokens=2000))
        reply = next(events).message
        streamed = []
        with pytest.raises(StreamInterrupted, match="kept, marked incomplete"):
            for event in events:
                if isinstance(event, Token):
                    streamed.append(event.text)
                    if len(streamed) == 5:
                        server.kill()
        saved = store.message(reply.id)
        assert saved.status == "incomplete" and saved.content == "".join(streamed) and len(streamed) >= 5
        assert "server" in saved.error
    finally:
        engine.close()
        db.close()
        stop_process(server.proc)


def test_the_remote_engine_on_our_own_server(engine):
    ours = start_local(engine)
    remote = RemoteEngine(ours.url.removesuffix("/v1"))
    try:
        assert remote.models()[0] == engine.info.name and "app:poet" in remote.models()
        remote.load("app:poet")  # an app, used as a model
        text, done = _text(remote.chat([{"role": "user", "content": "rain"}], GREEDY))
        assert text and done.stats.completion_tokens >= 1
        remote.load(engine.info.name)
        text, done = _text(remote.complete("Once upon a time", GREEDY))
        assert text and engine.last_prompt() == "Once upon a time"
        assert not remote.exact_token_counts and remote.count_tokens("abcdefgh") == 2  # the stated estimate
        assert remote.info.context_size == engine.info.context_size  # /v1/models says it
        turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": "word " * 400} for i in range(30)]
        long = [{"role": "system", "content": "Be brief."}, *turns, {"role": "user", "content": "Say hi."}]
        kept, dropped = remote.fit(long, GREEDY.max_tokens)
        assert dropped >= 20 and kept[0] == long[0] and kept[-1] == long[-1] and len(kept) == len(long) - dropped
        assert remote.count_tokens(messages=kept) <= engine.info.context_size - GREEDY.max_tokens
        events = remote.chat(long, GREEDY)
        first = next(events)  # said before the request is sent (not run here: a long prompt is slow on a CPU)
        events.close()
        assert isinstance(first, Trimmed) and first.dropped_messages == dropped and "estimate" in first.message
    finally:
        remote.close()
        ours.server.stop()


def test_the_command_line_tools_on_a_server(engine, app_home):
    ours = start_local(engine)
    env = dict(os.environ, DESKTOP_GPT_HOME=str(app_home))
    base = [sys.executable, "-m", "desktop_gpt"]
    try:
        chat = subprocess.run(base + ["chat", "--server", ours.url, "--model", "app:poet", "--max-tokens", "8",
                                      "rain"], env=env, capture_output=True, text=True, timeout=180)
        assert chat.returncode == 0 and chat.stdout.strip(), chat.stderr
        cont = subprocess.run(base + ["write", "--task", "continue", "--server", ours.url, "--max-tokens", "6",
                                      "Once upon a time"], env=env, capture_output=True, text=True, timeout=180)
        assert cont.returncode == 0 and cont.stdout.strip(), cont.stderr
        assert engine.last_prompt() == "Once upon a time"  # Continue is a raw completion on the server
        wrong = subprocess.run(base + ["translate", "--server", ours.url, "--model", "gpt-9", "--to", "fr", "Hi"],
                               env=env, capture_output=True, text=True, timeout=180)
        assert wrong.returncode == 1 and "no model called “gpt-9”" in wrong.stderr
        assert len(wrong.stderr.strip().splitlines()) == 1
    finally:
        ours.server.stop()
    gone = subprocess.run(base + ["code", "--server", f"http://127.0.0.1:{free_port()}", "a function"], env=env,
                          capture_output=True, text=True, timeout=180)
    assert gone.returncode == 1 and "Could not reach the server" in gone.stderr
