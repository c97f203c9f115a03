"""`desktop-gpt serve` answers the official openai client on the bundled model: streaming and not, apps as
models, usage, a client that leaves mid-stream, concurrent clients, and OpenAI-shaped errors."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import openai
import pytest

from desktop_gpt.services.engine_access import WINDOW
from desktop_gpt.store.library import builtin_apps
from tests.server.conftest import READY_LIMIT_S, httpx, start_local, stop_process, wait_ready

pytestmark = pytest.mark.model


def client(server, key="unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key=key, max_retries=0, timeout=120)


def wait_until(condition, what: str) -> None:
    """Wait for a state of the server (a hang limit, not a speed target)."""
    deadline = time.monotonic() + READY_LIMIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_models_lists_the_model_and_every_app(local_server):
    ids = [m.id for m in client(local_server).models.list()]
    assert ids[0] == local_server.engine.info.name
    for app in builtin_apps():
        assert "app:" + app.id.removeprefix("builtin:") in ids
    assert "app:poet" in ids


def test_a_whole_reply_with_usage(local_server):
    model = local_server.engine.info.name
    reply = client(local_server).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=8, temperature=0, seed=1)
    assert reply.model == model and reply.object == "chat.completion"
    assert reply.choices[0].message.role == "assistant" and reply.choices[0].message.content.strip()
    assert reply.choices[0].finish_reason in ("stop", "length")
    usage = reply.usage
    assert usage.prompt_tokens > 5 and 1 <= usage.completion_tokens <= 8
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_streamed_reply_with_usage_last(local_server):
    stream = client(local_server).chat.completions.create(
        model=local_server.engine.info.name, messages=[{"role": "user", "content": "Count to five."}],
        max_tokens=12, temperature=0, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["length"] or finishes == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens >= 1
    assert local_server.engine.last_stats.completion_tokens == chunks[-1].usage.completion_tokens


def test_an_app_model_runs_with_the_apps_instructions(local_server):
    poet = next(a for a in builtin_apps() if a.id == "builtin:poet")
    reply = client(local_server).chat.completions.create(
        model="app:poet", messages=[{"role": "user", "content": "rain"}], max_tokens=6)
    assert reply.model == "app:poet" and reply.choices[0].message.content
    assert poet.instructions.strip().splitlines()[0] in local_server.engine.last_prompt()


def test_a_raw_completion_stops_at_a_stop_string(local_server):
    reply = client(local_server).completions.create(
        model=local_server.engine.info.name, prompt="One, two, three, four,", max_tokens=24, temperature=0,
        stop=[","])
    assert "," not in reply.choices[0].text and reply.choices[0].finish_reason == "stop"
    assert local_server.engine.last_prompt() == "One, two, three, four,"  # no chat template around it


def test_a_client_that_leaves_mid_stream_stops_the_engine(local_server):
    stream = client(local_server).chat.completions.create(
        model=local_server.engine.info.name, messages=[{"role": "user", "content": "Write a very long story."}],
        max_tokens=2000, temperature=0, stream=True)
    received = 0
    for chunk in stream:
        received += bool(chunk.choices and chunk.choices[0].delta.content)
        if received >= 3:
            break
    stream.close()  # the client goes away
    wait_until(lambda: local_server.access.holder is None, "the engine to be free")
    stats = local_server.engine.last_stats
    assert stats.finish_reason == "cancelled" and stats.completion_tokens < 2000


def test_four_clients_at_once_are_all_answered(local_server):
    answers: dict[int, str] = {}
    errors: list[Exception] = []

    def ask(i: int) -> None:
        try:
            reply = client(local_server).chat.completions.create(
                model=local_server.engine.info.name, messages=[{"role": "user", "content": f"Say the number {i}."}],
                max_tokens=6, stream=i % 2 == 0)
            answers[i] = (reply.choices[0].message.content if i % 2 else
                          "".join(c.choices[0].delta.content or "" for c in reply if c.choices))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(READY_LIMIT_S * 2)
    assert not errors and sorted(answers) == [0, 1, 2, 3] and all(answers.values())


def _error(response) -> dict:
    body = response.json()
    assert set(body["error"]) >= {"message", "type", "param", "code"} and body["error"]["message"]
    return body["error"]


def test_bad_requests_get_openai_shaped_errors(local_server):
    url = local_server.url
    bad_json = httpx.post(f"{url}/chat/completions", content=b"{not json", timeout=30)
    assert bad_json.status_code == 400 and "JSON" in _error(bad_json)["message"]
    no_model = httpx.post(f"{url}/chat/completions", json={"messages": [{"role": "user", "content": "x"}]})
    assert no_model.status_code == 400 and _error(no_model)["param"] == "model"
    c = client(local_server)
    with pytest.raises(openai.NotFoundError) as unknown:
        c.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    assert unknown.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad_field:
        c.chat.completions.create(model=local_server.engine.info.name, messages=[{"role": "user", "content": "x"}],
                                  temperature=7)
    assert bad_field.value.body["param"] == "temperature"
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model=local_server.engine.info.name, messages=[{"role": "wizard", "content": "x"}])
    nowhere = httpx.get(f"{url}/nowhere")
    assert nowhere.status_code == 404 and _error(nowhere)["type"] == "invalid_request_error"


def test_a_key_is_required_when_set_and_a_full_queue_answers_503(engine):
    server = start_local(engine, api_key="sekrit-key", max_waiting=1)
    try:
        with pytest.raises(openai.AuthenticationError):
            client(server, "wrong").models.list()
        assert [m.id for m in client(server, "sekrit-key").models.list()][0] == engine.info.name
        results: list = []
        with server.access.hold(WINDOW):  # the window is using the engine: server requests wait in line
            waiting = threading.Thread(target=lambda: results.append(client(server, "sekrit-key").chat.completions
                                       .create(model=engine.info.name, messages=[{"role": "user", "content": "hi"}],
                                               max_tokens=3)))
            waiting.start()
            wait_until(lambda: server.access.waiting("server") == 1, "the first request to wait")
            with pytest.raises(openai.APIStatusError) as full:
                client(server, "sekrit-key").chat.completions.create(
                    model=engine.info.name, messages=[{"role": "user", "content": "hi"}], max_tokens=3)
            assert full.value.status_code == 503 and full.value.body["code"] == "queue_full"
        waiting.join(READY_LIMIT_S)
        assert results and results[0].choices[0].message.content is not None  # answered once its turn came
    finally:
        server.server.stop()


def test_desktop_gpt_serve_command(bundled_model, app_home):
    env = dict(os.environ, DESKTOP_GPT_HOME=str(app_home))
    refused = subprocess.run([sys.executable, "-m", "desktop_gpt", "serve", "--host", "0.0.0.0", "--port", "0"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "--api-key" in refused.stderr
    # started as a script's background job is: with SIGINT ignored, so only SIGTERM can stop it
    proc = subprocess.Popen([sys.executable, "-m", "desktop_gpt", "serve", "--port", "0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        line = proc.stderr.readline()  # "desktop-gpt: serving MODEL at http://127.0.0.1:PORT/v1 …"
        url = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", line)
        assert url, line + proc.stderr.read() if proc.poll() is not None else line
        wait_ready(url.group(1).removesuffix("/v1") + "/health", proc)
        models = openai.OpenAI(base_url=url.group(1), api_key="x", max_retries=0).models.list()
        assert [m.id for m in models][0] == "SmolLM2-135M-Instruct.Q4_1"
        proc.send_signal(signal.SIGTERM)  # what a service manager sends: a clean stop, the model freed
        assert proc.wait(READY_LIMIT_S) == 0, proc.stderr.read()
    finally:
        stop_process(proc)
