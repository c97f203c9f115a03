"""The local server's `logprobs`, in OpenAI's shape, read by the official openai client: the same figures the
engine reports for the same greedy reply, whole characters for Chinese, streaming, the legacy completions shape
cut at a stop string, and clear errors for bad fields."""

from __future__ import annotations

import math

import openai
import pytest

from desktop_gpt.engine import SamplingParams
from desktop_gpt.engine.protocol import Token
from tests.server.test_local_server import client

pytestmark = pytest.mark.model

QUESTION = [{"role": "user", "content": "Name three colours."}]
CHINESE = [{"role": "system", "content": "你是一个中文助手。只用中文回答。"}, {"role": "user", "content": "你好"}]


def _engine_records(engine, messages, max_tokens: int, k: int) -> list[dict]:
    params = SamplingParams(temperature=0.0, max_tokens=max_tokens, top_logprobs=k)
    records: list[dict] = []
    for event in engine.chat(messages, params):
        if isinstance(event, Token):
            records.extend(event.probabilities or [])
    return records


def test_a_whole_reply_reports_the_engines_own_probabilities(local_server):
    reply = client(local_server).chat.completions.create(
        model=local_server.engine.info.name, messages=QUESTION, max_tokens=12, temperature=0,
        logprobs=True, top_logprobs=3)
    choice = reply.choices[0]
    entries = choice.logprobs.content
    assert "".join(e.token for e in entries) == choice.message.content
    # the same greedy reply straight from the engine: the server passes on its figures, in OpenAI's terms
    records = _engine_records(local_server.engine, QUESTION, 12, 3)
    assert [e.token for e in entries] == [r["text"] for r in records]
    for entry, record in zip(entries, records):
        assert entry.logprob == pytest.approx(math.log(record["raw"]), abs=1e-4)
        assert bytes(entry.bytes).decode("utf-8") == entry.token
        assert len(entry.top_logprobs) == 3
        alternatives = [a.logprob for a in entry.top_logprobs]
        assert alternatives == sorted(alternatives, reverse=True) and all(lp <= 0 for lp in alternatives)
        # greedy: the model's favourite is what it wrote (a group's first token, so at least the group's logprob)
        assert alternatives[0] >= entry.logprob - 1e-4
    assert any(e.top_logprobs[0].token == e.token for e in entries)


def test_without_logprobs_none_are_sent(local_server):
    reply = client(local_server).chat.completions.create(
        model=local_server.engine.info.name, messages=QUESTION, max_tokens=4, temperature=0)
    assert reply.choices[0].logprobs is None
    assert local_server.engine.last_stats.probabilities == ""  # and the engine did not compute them


def test_chinese_entries_are_whole_characters_when_streamed(local_server):
    stream = client(local_server).chat.completions.create(
        model=local_server.engine.info.name, messages=CHINESE,
        max_tokens=24, temperature=0, stream=True, logprobs=True, top_logprobs=2)
    text, entries = "", []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
            entries += chunk.choices[0].logprobs.content
    assert text and "".join(e.token for e in entries) == text
    assert any(len(e.bytes) >= 3 and ord(e.token[0]) > 0x2E80 for e in entries)  # the reply has Chinese in it
    for entry in entries:
        assert "\ufffd" not in entry.token and bytes(entry.bytes).decode("utf-8") == entry.token
        for alternative in entry.top_logprobs:  # part of a character shows as <E4 BD>, with its real bytes
            assert alternative.bytes and len(alternative.bytes) <= len(alternative.token.encode("utf-8"))


def test_legacy_completion_logprobs_end_with_the_text_at_a_stop_string(local_server):
    reply = client(local_server).completions.create(
        model=local_server.engine.info.name, prompt="One, two, three, four,", max_tokens=24, temperature=0,
        stop=[","], logprobs=2)
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and "," not in choice.text
    logprobs = choice.logprobs
    assert "".join(logprobs.tokens) == choice.text[: len("".join(logprobs.tokens))]
    assert len(logprobs.tokens) >= 1 and all(lp <= 0 for lp in logprobs.token_logprobs)
    offsets = [sum(len(t) for t in logprobs.tokens[:i]) for i in range(len(logprobs.tokens))]
    assert logprobs.text_offset == offsets
    assert all(1 <= len(top) <= 2 for top in logprobs.top_logprobs)


def test_bad_logprobs_fields_get_clear_errors(local_server):
    c = client(local_server)
    name = local_server.engine.info.name
    with pytest.raises(openai.BadRequestError) as without:
        c.chat.completions.create(model=name, messages=QUESTION, max_tokens=2, top_logprobs=3)
    assert without.value.body["param"] == "top_logprobs" and "logprobs" in without.value.body["message"]
    with pytest.raises(openai.BadRequestError) as too_many:
        c.chat.completions.create(model=name, messages=QUESTION, max_tokens=2, logprobs=True, top_logprobs=21)
    assert too_many.value.body["param"] == "top_logprobs"
    with pytest.raises(openai.BadRequestError) as legacy:
        c.completions.create(model=name, prompt="x", max_tokens=2, logprobs=6)
    assert legacy.value.body["param"] == "logprobs"
