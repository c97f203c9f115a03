"""The engine with the real bundled model: determinism, Stop, KV reuse, context trimming, bad files, crashes."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from desktop_gpt.engine import Done, Engine, SamplingParams, Token, Trimmed, physical_cores, run_to_text
from desktop_gpt.errors import ContextFullError, EngineCrashed, ModelLoadError
from tests.gguf_factory import write_gguf

pytestmark = pytest.mark.model

GREEDY = SamplingParams(temperature=0.0, max_tokens=48)
QUESTION = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Name three colours of the rainbow."}]


def test_load_reports_model_facts(engine, bundled_model):
    info = engine.info
    assert info.name == "SmolLM2-135M-Instruct.Q4_1"
    assert info.architecture == "llama" and info.quantization == "Q4_1"
    assert 130e6 < info.parameters < 140e6
    assert info.context_train == 8192 and info.context_size == 4096
    assert info.has_chat_template and info.template_source == "gguf"
    assert info.threads == physical_cores()
    assert "CPU" in info.backends_available
    # Read from llama.cpp's own "offloaded N/M layers to GPU" line, not from the request.
    assert info.layers_total == 31
    assert info.gpu_layers_offloaded == 0 and info.backend == "CPU"


def test_greedy_reply_is_deterministic(engine, bundled_model):
    engine.forget_cache()
    first, stats = run_to_text(engine.chat(QUESTION, GREEDY))
    engine.forget_cache()
    second, _ = run_to_text(engine.chat(QUESTION, GREEDY))
    assert first.strip() and first == second
    other = Engine()  # and in another process
    try:
        other.load(bundled_model)
        assert run_to_text(other.chat(QUESTION, GREEDY))[0] == first
    finally:
        other.close()
    assert stats.finish_reason in ("stop", "length") and stats.completion_tokens > 0
    assert stats.tokens_per_s > 0 and stats.ttft_s > 0


def test_chinese_round_trip(engine):
    assert engine.count_tokens("你好，世界") > 0
    text, stats = run_to_text(engine.chat([{"role": "user", "content": "用中文说你好"}], GREEDY))
    assert stats.completion_tokens > 0 and "\ufffd" not in text


def test_stop_ends_generation_within_one_token(engine):
    # The worker reads the Stop flag between tokens, so it ends within one token of seeing it. Reply text comes in
    # pieces of one or more tokens (one pipe message per ~15 ms), so what the client can check is that only the
    # piece(s) already on their way arrive after Stop: a few tokens, never the rest of the 400.
    params = SamplingParams(temperature=0.0, max_tokens=400)
    tokens_after_stop = 0
    tokens_at_stop = None
    received = 0
    done = None
    for event in engine.chat([{"role": "user", "content": "Write a long story about a dragon."}], params):
        if isinstance(event, Token):
            received += event.tokens
            if tokens_at_stop is not None:
                tokens_after_stop += event.tokens
            elif received >= 5:
                engine.cancel()
                tokens_at_stop = received
        elif isinstance(event, Done):
            done = event.stats
    assert done.finish_reason == "cancelled"
    assert done.completion_tokens >= received  # every token sent was counted
    assert tokens_after_stop <= 8
    assert done.completion_tokens <= tokens_at_stop + 9


def test_stop_interrupts_a_long_prompt(engine):
    long_text = " ".join(f"Sentence number {i} talks about the weather in a small town." for i in range(250))
    full = engine.count_tokens(long_text)
    assert full > 2500
    timer = threading.Timer(0.15, engine.cancel)
    start = time.perf_counter()
    timer.start()
    text, stats = run_to_text(engine.complete(long_text, SamplingParams(temperature=0.0, max_tokens=8)))
    elapsed = time.perf_counter() - start
    assert stats.finish_reason == "cancelled"
    assert stats.completion_tokens == 0 and text == ""
    assert stats.prompt_evaluated < full  # llama.cpp stopped inside the prompt
    # the engine is still good: a greedy reply after the abort equals one from a clean state
    engine.forget_cache()
    after, _ = run_to_text(engine.chat(QUESTION, GREEDY))
    fresh = Engine()
    try:
        fresh.load(engine.info.path)
        clean, _ = run_to_text(fresh.chat(QUESTION, GREEDY))
    finally:
        fresh.close()
    assert after == clean
    assert elapsed < 5


def test_second_turn_processes_only_the_new_tokens(engine):
    history = [{"role": "system", "content": "You are a helpful assistant."},
               {"role": "user", "content": "What is the capital of France?"}]
    reply, first = run_to_text(engine.chat(history, GREEDY))
    history += [{"role": "assistant", "content": reply}, {"role": "user", "content": "And of Germany?"}]
    _, second = run_to_text(engine.chat(history, GREEDY))
    new_tokens = second.prompt_tokens - first.prompt_tokens
    # llama.cpp's own counter of prompt tokens evaluated (n_p_eval): only the new turn, not the history
    assert second.prompt_evaluated <= new_tokens + 4
    assert second.prompt_evaluated < second.prompt_tokens / 2


def test_raw_continuation_uses_no_template(engine):
    text, stats = run_to_text(engine.complete("The quick brown fox", GREEDY))
    assert text.strip() and stats.prompt_tokens == engine.count_tokens("The quick brown fox")
    assert engine.last_prompt() == "The quick brown fox"


def test_last_prompt_is_what_the_model_was_given(engine):
    run_to_text(engine.chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=4)))
    engine.count_tokens(messages=[{"role": "user", "content": "something else"}])  # counting is not a prompt
    prompt = engine.last_prompt()
    assert prompt.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>")
    assert prompt.endswith("Name three colours of the rainbow.<|im_end|>\n<|im_start|>assistant\n")


def test_a_message_too_long_for_the_context_is_refused(engine):
    import re

    huge = "word " * 5000
    with pytest.raises(ContextFullError, match="too long") as refused:
        run_to_text(engine.chat([{"role": "user", "content": huge}], GREEDY))
    text = str(refused.value)  # numbers that add up: context = reply + room; need - room = over
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]
    context, reply, room, need, over = numbers[:5]
    assert context == 4096 and reply + room == context and need - room == over > 0
    assert "raise the context size in Settings" in text and "Translation" in text  # the ways out
    text, _ = run_to_text(engine.chat(QUESTION, GREEDY))  # and the engine still answers
    assert text


def test_busy_engine_refuses_a_second_request(engine):
    from desktop_gpt.errors import EngineBusy

    stream = engine.chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=30))
    next(stream)
    with pytest.raises(EngineBusy):
        engine.count_tokens("x")
    stream.close()  # abandoning a stream stops it and leaves the engine ready
    assert engine.count_tokens("hello") > 0


def test_an_abandoned_stream_still_reports_what_it_did(engine):
    stream = engine.chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=60))
    for _ in range(3):
        next(stream)
    stream.close()
    stats = engine.last_stats
    assert stats.finish_reason == "cancelled"
    assert stats.completion_tokens >= 3 and stats.context_used > stats.completion_tokens


# -- bad files and crashes: each test uses its own engine ------------------------------------------------------
@pytest.fixture
def own_engine(bundled_model, tmp_path):
    e = Engine(log_dir=tmp_path)
    e.load(bundled_model, context_size=1024)
    yield e
    e.close()


def test_not_a_gguf_is_refused_and_the_model_stays(own_engine, tmp_path):
    bad = tmp_path / "notes.gguf"
    bad.write_text("just some notes")
    pid = own_engine.pid
    with pytest.raises(ModelLoadError, match="not a GGUF model file"):
        own_engine.load(bad)
    assert own_engine.pid == pid and own_engine.info.name == "SmolLM2-135M-Instruct.Q4_1"
    text, _ = run_to_text(own_engine.chat(QUESTION, GREEDY))
    assert text


def test_truncated_model_is_refused(own_engine, bundled_model, tmp_path):
    cut = tmp_path / "cut.gguf"
    with open(bundled_model, "rb") as src:
        cut.write_bytes(src.read(5_000_000))
    with pytest.raises(ModelLoadError, match="truncated"):
        own_engine.load(cut)
    assert own_engine.info is not None


def test_unsupported_architecture_is_explained_and_the_worker_survives(own_engine, tmp_path):
    odd = write_gguf(tmp_path / "odd.gguf", {"general.architecture": "nosucharch", "general.name": "Odd"},
                     [("token_embd.weight", (8, 4))])
    pid = own_engine.pid
    with pytest.raises(ModelLoadError, match="architecture 'nosucharch'"):
        own_engine.load(odd)
    assert own_engine.pid == pid  # llama.cpp refused it without crashing
    assert own_engine.info.name == "SmolLM2-135M-Instruct.Q4_1"  # the previous model is back
    assert run_to_text(own_engine.chat(QUESTION, GREEDY))[0]


def test_killed_worker_is_restarted_on_the_next_request(own_engine):
    old = own_engine.pid
    os.kill(old, signal.SIGKILL)
    text, _ = run_to_text(own_engine.chat(QUESTION, GREEDY))
    assert text and own_engine.pid not in (None, old)
    assert own_engine.info.name == "SmolLM2-135M-Instruct.Q4_1"


def test_worker_killed_mid_reply_is_reported_then_recovers(own_engine):
    stream = own_engine.chat([{"role": "user", "content": "Tell me a long story."}],
                             SamplingParams(temperature=0.0, max_tokens=300, ignore_eos=True))  # long, whatever it says
    with pytest.raises(EngineCrashed, match="stopped unexpectedly"):
        for i, event in enumerate(stream):
            if i == 3:
                os.kill(own_engine.pid, signal.SIGKILL)
    assert run_to_text(own_engine.chat(QUESTION, GREEDY))[0]


def test_long_conversation_drops_old_turns_in_chunks_and_keeps_the_cache(bundled_model, tmp_path):
    e = Engine(log_dir=tmp_path)
    try:
        e.load(bundled_model, context_size=512)
        system = {"role": "system", "content": "You are a pirate. Always answer like a pirate."}
        history = [system]
        for i in range(12):
            history += [{"role": "user", "content": f"Question {i}: tell me something about ships, please."},
                        {"role": "assistant", "content": f"Answer {i}: " + "ships sail the sea " * 8}]
        history.append({"role": "user", "content": "Last question: what do pirates eat?"})
        params = SamplingParams(temperature=0.0, max_tokens=32)
        events = list(e.chat(history, params))
        trimmed = [ev for ev in events if isinstance(ev, Trimmed)]
        done = events[-1].stats
        assert trimmed and trimmed[0].dropped_messages >= 4
        assert done.prompt_tokens <= 512 - 32
        prompt = e.render(history[:1] + history[1 + trimmed[0].dropped_messages:])
        assert prompt.startswith("<|im_start|>system\nYou are a pirate")  # the system prompt is never dropped
        # the next turn keeps the same cut, so the KV cache is reused instead of re-reading everything
        reply = "".join(ev.text for ev in events if isinstance(ev, Token))
        history += [{"role": "assistant", "content": reply}, {"role": "user", "content": "And to drink?"}]
        events2 = list(e.chat(history, params))
        again = [ev for ev in events2 if isinstance(ev, Trimmed)]
        assert again and again[0].dropped_messages == trimmed[0].dropped_messages
        assert events2[-1].stats.prompt_evaluated < events2[-1].stats.prompt_tokens / 2
    finally:
        e.close()


def test_a_very_long_conversation_drops_exactly_the_oldest_turns_it_must(bundled_model, tmp_path):
    # 300 turns in a 512-token context: the kept history is the longest that fits half the room (bisection
    # over the user turns, not one re-render per dropped turn), and it starts at a user turn.
    e = Engine(log_dir=tmp_path)
    try:
        e.load(bundled_model, context_size=512)
        system = {"role": "system", "content": "You are brief."}
        rest = []
        for i in range(150):
            rest += [{"role": "user", "content": f"Question {i} about ships?"},
                     {"role": "assistant", "content": f"Answer {i}: " + "ships sail " * (i % 7 + 1)}]
        rest.append({"role": "user", "content": "Last question: what do pirates eat?"})
        params = SamplingParams(temperature=0.0, max_tokens=8)
        events = list(e.chat([system] + rest, params))
        dropped = next(ev for ev in events if isinstance(ev, Trimmed)).dropped_messages
        target = (512 - max(16, min(params.max_tokens, 512 // 4))) // 2
        assert rest[dropped]["role"] == "user"
        assert e.count_tokens(messages=[system] + rest[dropped:]) <= target
        # keeping one more turn would not have fitted
        assert e.count_tokens(messages=[system] + rest[dropped - 2:]) > target
        assert events[-1].stats.prompt_tokens <= target
    finally:
        e.close()


def test_loading_reports_progress(bundled_model, tmp_path):
    e = Engine(log_dir=tmp_path)
    seen = []
    try:
        e.load(bundled_model, context_size=1024, on_progress=seen.append)
    finally:
        e.close()
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(0.1 < f < 0.9 for f in fractions)  # llama.cpp's own loading progress, not just start and end
    assert {"Loading weights", "Ready"} <= {p.stage for p in seen}
