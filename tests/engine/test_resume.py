"""Saved chat states with the real model: a chat resumes after a restart; a state that does not match is not used."""

from __future__ import annotations

import pytest

from desktop_gpt.engine import Engine, SamplingParams, run_to_text

pytestmark = [pytest.mark.model, pytest.mark.timeout(600)]  # a hang limit: two model loads on a loaded machine

SHORT = SamplingParams(temperature=0.0, max_tokens=8)
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "white", "black"]


def _history(first_word: str = "Here") -> list[dict[str, str]]:
    facts = " ".join(f"Box {i} is {COLOURS[i % 8]} and holds {i * 3} marbles." for i in range(28))
    return [{"role": "system", "content": f"{first_word} are the facts you know. {facts}"},
            {"role": "user", "content": "How many marbles are in box 7?"}]


@pytest.fixture
def states(tmp_path):
    return tmp_path / "states"


def _engine(model, states):
    engine = Engine(state_dir=states)
    engine.load(model, context_size=4096)
    return engine


def test_a_long_chat_resumes_from_its_saved_state_after_a_restart(bundled_model, states):
    first = _engine(bundled_model, states)
    try:
        history = _history()
        reply, before = run_to_text(first.chat(history, SHORT, session="chat:1"))
    finally:
        first.close()  # the worker finishes writing the state before it exits
    assert before.prompt_tokens > 300 and len(list(states.glob("*/*.kv"))) == 1
    history += [{"role": "assistant", "content": reply}, {"role": "user", "content": "And in box 9?"}]

    second = _engine(bundled_model, states)
    try:
        _, after = run_to_text(second.chat(history, SHORT, session="chat:1"))
    finally:
        second.close()
    assert after.resumed_tokens >= before.prompt_tokens - 2
    # llama.cpp's own counter: only the new turn was processed, not the history
    assert after.prompt_evaluated <= after.prompt_tokens - after.resumed_tokens + 1
    assert after.prompt_evaluated < after.prompt_tokens / 3


def test_a_state_that_does_not_match_the_chat_is_never_used(engine):
    history = _history()
    _, first = run_to_text(engine.chat(history, SHORT, session="resume-test:1"))
    _, other = run_to_text(engine.chat([{"role": "user", "content": "Hi"}], SHORT, session="resume-test:2"))
    # chat 1 again, with its first message edited: its saved state is for other tokens
    changed = _history(first_word="These")
    _, stats = run_to_text(engine.chat(changed, SHORT, session="resume-test:1"))
    assert stats.resumed_tokens == 0
    assert stats.prompt_evaluated >= stats.prompt_tokens - 8  # processed again from the edit on (llama.cpp's count)
    # another chat's state is not used either, even for the same conversation
    _, again = run_to_text(engine.chat(history, SHORT, session="resume-test:3"))
    assert again.resumed_tokens == 0


def test_a_damaged_state_file_is_ignored_and_removed(bundled_model, states):
    first = _engine(bundled_model, states)
    try:
        run_to_text(first.chat(_history(), SHORT, session="chat:1"))
    finally:
        first.close()
    (path,) = states.glob("*/*.kv")
    data = bytearray(path.read_bytes())
    for i in range(len(data) - 4096, len(data) - 2048):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    second = _engine(bundled_model, states)
    try:
        text, stats = run_to_text(second.chat(_history(), SHORT, session="chat:1"))
    finally:
        second.close()
    assert stats.resumed_tokens == 0 and stats.prompt_evaluated == stats.prompt_tokens
    assert text.strip()
    assert not path.exists() or path.read_bytes() != bytes(data)  # removed (a new state may have been saved)
