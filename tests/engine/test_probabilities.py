"""Token probabilities with the real model: the alternatives are the model's own, whole characters, and
"Continue with this word instead" makes a branch that starts with the chosen token."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_gpt.engine import Done, SamplingParams, Token, run_to_text
from desktop_gpt.engine.protocol import character_part
from desktop_gpt.services.chat import ReplyStarted, continue_with, send, stream_reply
from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.storage.probabilities import ProbabilityStore

pytestmark = pytest.mark.model

QUESTION = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Name three colours of the rainbow."}]


@pytest.fixture(scope="module")
def direct_logits(bundled_model):
    """The model's logits after a prompt, computed here with llama.cpp directly (not through the app's engine)."""
    import llama_cpp

    # the engine's settings that change the numbers: flash attention (llama.cpp's "auto" picks it on CPU too)
    llm = llama_cpp.Llama(model_path=str(bundled_model), n_ctx=512, n_threads=2, flash_attn=True, verbose=False)

    def logits(prompt_text: str) -> np.ndarray:
        add_bos = bool(llama_cpp.llama_vocab_get_add_bos(llm._model.vocab))  # noqa: SLF001 - as the engine does
        tokens = llm.tokenize(prompt_text.encode("utf-8"), add_bos=add_bos, special=True)
        llm.reset()
        llm.eval(tokens)
        ptr = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)  # noqa: SLF001
        return np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),)).astype(np.float64).copy(), len(tokens)

    yield logits
    llm.close()


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _first_record(engine, params: SamplingParams) -> tuple[dict, object]:
    engine.forget_cache()
    records, stats = [], None
    for event in engine.chat(QUESTION, params):
        if isinstance(event, Token) and event.probabilities:
            records += event.probabilities
        elif isinstance(event, Done):
            stats = event.stats
    return records[0], stats


def test_alternatives_are_the_ones_the_model_had(engine, direct_logits):
    record, stats = _first_record(engine, SamplingParams(temperature=0.0, max_tokens=1, top_logprobs=5))
    logits, n_prompt = direct_logits(engine.last_prompt())
    assert n_prompt == stats.prompt_tokens and stats.probabilities == "raw"
    raw = _softmax(logits)
    expected = np.argsort(-raw)[:5]
    got = [alt[0] for alt in record["top"]]
    assert got[0] == expected[0] == record["ids"][0]  # greedy: the most likely token was chosen
    assert set(got) == set(int(t) for t in expected)
    for token, _text, p, p_raw in record["top"]:
        assert p_raw == pytest.approx(raw[token], abs=2e-3) and p == p_raw


def test_sampled_probabilities_follow_the_samplers_settings(engine, direct_logits):
    params = SamplingParams(temperature=0.7, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, max_tokens=1,
                            seed=3, top_logprobs=5)
    record, stats = _first_record(engine, params)
    assert stats.probabilities == "sampled"
    logits, _ = direct_logits(engine.last_prompt())
    # llama.cpp's chain, by hand: top-k, then top-p and min-p on the softmax, then the temperature
    kept = np.argsort(-logits)[:40]
    p = _softmax(logits[kept])
    last = int(np.searchsorted(np.cumsum(p), 0.95)) + 1
    kept, p = kept[:last], p[:last]
    kept = kept[p >= 0.05 * p[0]]
    sampled = _softmax(logits[kept] / 0.7)
    expected = dict(zip(kept.tolist(), sampled.tolist()))
    for token, _text, p_token, p_raw in record["top"]:
        assert p_token == pytest.approx(expected.get(token, 0.0), abs=3e-3)
    assert record["ids"][0] in expected  # the chosen token survived the sampler's cut
    assert record["p"] == pytest.approx(expected[record["ids"][0]], abs=3e-3)


def test_chinese_probabilities_show_whole_characters(engine):
    params = SamplingParams(temperature=0.0, max_tokens=24, top_logprobs=3)
    records, parts = [], []
    for event in engine.chat([{"role": "user", "content": "请用中文介绍一下长城。"}], params):
        if isinstance(event, Token):
            parts.append(event.text)
            records += event.probabilities or []
    text = "".join(parts)
    assert any(ord(c) > 0x2E80 for c in text)  # the reply has CJK characters
    assert all("\ufffd" not in r["text"] for r in records)
    assert any(len(r["ids"]) > 1 for r in records)  # some character took several tokens: grouped
    assert text.startswith("".join(r["text"] for r in records))


def test_continue_with_this_word_makes_a_branch_that_starts_with_it(engine, tmp_path):
    db = Database(tmp_path / "chats.sqlite")
    store = ConversationStore(db)
    conversation = store.create(system_prompt="You are a helpful assistant.")
    user = send(store, conversation.id, "Name three colours of the rainbow.")
    params = SamplingParams(temperature=0.0, max_tokens=12, top_logprobs=5)
    events = list(stream_reply(engine, store, user, params))
    reply = store.message(events[0].message.id)
    kind, records = ProbabilityStore(db).load(reply.id)  # stored with the message
    assert kind == "raw" and "".join(r["text"] for r in records) == reply.content

    position = 2
    chosen = next(alt for alt in records[position]["top"] if alt[0] != records[position]["ids"][0]
                  and not _part_of_a_character(alt[1]))
    events = list(continue_with(engine, store, reply, position, chosen[0], params))
    branch = store.message(events[0].message.id)
    assert isinstance(events[0], ReplyStarted)
    streamed = "".join(e.text for e in events if isinstance(e, Token))
    kept = "".join(r["text"] for r in records[:position])
    assert streamed.startswith(kept + chosen[1])  # the engine went on from the chosen token
    assert branch.content == streamed and branch.status in ("complete", "incomplete")
    _, branch_records = ProbabilityStore(db).load(branch.id)
    assert branch_records[:position] == records[:position]
    assert branch_records[position]["ids"] == [chosen[0]]  # the first new token is the chosen one
    assert {m.id for m in store.siblings(branch)} == {reply.id, branch.id}  # the original stays: ‹ 1/2 ›
    db.close()


def _part_of_a_character(text: str) -> bool:
    """An alternative that is only some bytes of a character (shown as <E4 BD>): its text is not the reply's."""
    return character_part(text) is not None


def test_probabilities_are_off_by_default(engine):
    text, stats = run_to_text(engine.chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=4)))
    assert stats.probabilities == ""
    assert all(not e.probabilities for e in engine.chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=4))
               if isinstance(e, Token))
