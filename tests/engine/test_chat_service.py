"""A chat turn never loses a word: the question is committed first, the reply saved as it streams."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from desktop_gpt.engine import Done, SamplingParams, Token
from desktop_gpt.paths import app_paths
from desktop_gpt.services import chat
from desktop_gpt.storage import ConversationStore, Database

pytestmark = pytest.mark.model


@pytest.fixture
def store(app_home):
    db = Database(app_paths().ensure().database)
    yield ConversationStore(db)
    db.close()


def test_question_is_committed_before_generation_and_reply_saved_while_streaming(engine, store):
    conv = store.create(system_prompt="You are concise.")
    user = chat.send(store, conv.id, "Count from one to twenty in words.")
    seen_in_db = []
    # 60 tokens whatever the model says (a short reply could come in one or two pieces: the worker sends the
    # text every 15 ms, so how many pieces there are depends on the machine's speed)
    events = chat.stream_reply(engine, store, user, SamplingParams(temperature=0.0, max_tokens=60, ignore_eos=True),
                               save_interval=0.0)
    started = next(events)
    assert isinstance(started, chat.ReplyStarted)
    # another connection (as another process would) already sees the question and a streaming reply row
    other = Database(store.db.path)
    rows = other.query("SELECT role, status FROM messages WHERE conversation_id = ? ORDER BY id", (conv.id,))
    assert [tuple(r) for r in rows] == [("user", "complete"), ("assistant", "streaming")]
    text = ""
    for event in events:
        if isinstance(event, Token):
            text += event.text
            saved = other.query("SELECT content FROM messages WHERE id = ?", (started.message.id,))[0][0]
            seen_in_db.append(saved)
        elif isinstance(event, Done):
            done = event.stats
    other.close()
    # saved while it streamed: another connection saw part of the reply before the end, always a prefix of it
    assert any(0 < len(saved) < len(text) for saved in seen_in_db), seen_in_db
    assert all(text.startswith(saved) for saved in seen_in_db)
    reply = store.message(started.message.id)
    assert reply.content == text and reply.status in ("complete", "incomplete")
    assert reply.stats["completion_tokens"] == done.completion_tokens
    assert reply.model == "SmolLM2-135M-Instruct.Q4_1"


def test_stopped_reply_is_kept_and_marked(engine, store):
    conv = store.create()
    user = chat.send(store, conv.id, "Write a long poem about the sea.")
    count = 0
    # ignore_eos: the reply is long whatever the model says, so the 4th piece comes before its end
    for event in chat.stream_reply(engine, store, user, SamplingParams(temperature=0.0, max_tokens=300,
                                                                       ignore_eos=True)):
        if isinstance(event, Token):
            count += 1
            if count == 4:
                engine.cancel()
    reply = store.active_path(conv.id)[-1]
    assert reply.role == "assistant" and reply.content
    assert (reply.status, reply.finish_reason) == ("incomplete", "cancelled")


def test_a_killed_process_keeps_the_partial_reply_marked_incomplete(app_home):
    """`desktop-gpt chat --save` is killed mid-reply; the next start finds the partial reply, marked."""
    env = dict(os.environ, DESKTOP_GPT_HOME=str(app_home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_gpt", "chat", "--save", "--temperature", "0", "--max-tokens", "2000",
         "Write a very long story about a lighthouse keeper."],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    db_path = app_paths().database
    deadline = time.monotonic() + 90
    content = ""
    while time.monotonic() < deadline and len(content) < 40:
        time.sleep(0.2)
        if db_path.exists():
            db = Database(db_path)
            rows = db.query("SELECT content FROM messages WHERE role = 'assistant'")
            db.close()
            content = rows[0][0] if rows else ""
    assert len(content) >= 40, proc.communicate(timeout=5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    store = ConversationStore(Database(db_path))
    assert store.recover_interrupted() == 1  # what the app does at start-up
    reply = [m for m in store.messages(store.list()[0].id) if m.role == "assistant"][0]
    assert reply.status == "incomplete" and reply.finish_reason == "interrupted"
    assert reply.content.startswith(content)


def test_cli_self_test_offline(bundled_model, app_home):
    env = dict(os.environ, DESKTOP_GPT_HOME=str(app_home), HF_HUB_OFFLINE="1")
    out = subprocess.run([sys.executable, "-m", "desktop_gpt", "--self-test"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout.strip().splitlines()[-1])
    assert line["tokens"] > 0 and line["tokens_per_s"] > 0
    assert line["backend"] == "CPU" and line["gpu_layers"] == 0
    assert line["model"] == "SmolLM2-135M-Instruct.Q4_1"


def test_cli_chat_streams_to_stdout(bundled_model, app_home):
    env = dict(os.environ, DESKTOP_GPT_HOME=str(app_home))
    out = subprocess.run([sys.executable, "-m", "desktop_gpt", "chat", "--temperature", "0", "--max-tokens", "20",
                          "--model", str(bundled_model), "What is 2+2?"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()


@pytest.mark.parametrize("args, message", [
    (["--self-test", "--model", "/no/such/model.gguf"], "does not exist"),
    (["chat", "--model", __file__, "hi"], "not a GGUF model file"),
    (["chat", "--temperature", "warm", "hi"], "invalid float value"),
    (["frobnicate"], "invalid choice"),
])
def test_cli_failures_are_one_line_without_traceback(app_home, args, message):
    env = dict(os.environ, DESKTOP_GPT_HOME=str(app_home))
    out = subprocess.run([sys.executable, "-m", "desktop_gpt", *args], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
