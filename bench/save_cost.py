"""Benchmark: what saving every streamed batch costs, side by side with saving once a second.

Streams the same replies of the bundled model through ``chat.stream_reply`` into a real database (WAL,
synchronous=FULL, full-text index) with the app's batch interval (every batch committed) and with a one-second
interval (what the app did before), alternating, and prints for each: the median wall time of a reply, the number
of commits, and the median / 95th percentile time of one commit. Ends with ``save_cost_ratio=X`` (median reply
time saving every batch over saving once a second) and ``commit_ms_p95=Y``.

``--synthetic N`` streams tokens at N per second from a timer instead of the model (for a machine too busy to run
the model at a steady rate): the cost is then the share of streaming time spent committing, ``busy_pct``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROMPT = "Write a long story about a lighthouse keeper and a storm."


def one_reply(engine, store, interval: float, max_tokens: int) -> tuple[float, list[float]]:
    from desktop_gpt.engine import SamplingParams
    from desktop_gpt.services import chat

    commits: list[float] = []
    update = store.update_message

    def timed(*args, **kwargs):
        start = time.perf_counter()
        update(*args, **kwargs)
        commits.append(time.perf_counter() - start)

    store.update_message = timed
    try:
        conversation = store.create()
        user = chat.send(store, conversation.id, PROMPT)
        engine.forget_cache()
        params = SamplingParams(temperature=0.0, max_tokens=max_tokens, seed=0)
        start = time.perf_counter()
        for _event in chat.stream_reply(engine, store, user, params, save_interval=interval):
            pass
        return time.perf_counter() - start, commits
    finally:
        store.update_message = update


def synthetic_reply(store, interval: float, rate: float, seconds: float) -> tuple[float, list[float]]:
    from desktop_gpt.engine.protocol import Done, GenerationStats, Token
    from desktop_gpt.services import chat

    def tokens():
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)  # the model's pace
            yield Token(f" word{i}")
        yield Done(GenerationStats(finish_reason="length"))

    commits: list[float] = []
    update = store.update_message

    def timed(*args, **kwargs):
        t = time.perf_counter()
        update(*args, **kwargs)
        commits.append(time.perf_counter() - t)

    store.update_message = timed
    try:
        conversation = store.create()
        user = chat.send(store, conversation.id, PROMPT)
        reply = store.add_message(conversation.id, user.id, "assistant", "", "streaming")
        start = time.perf_counter()
        for _event in chat.stream_into(store, reply, tokens(), interval):
            pass
        return time.perf_counter() - start, commits
    finally:
        store.update_message = update


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=400)
    parser.add_argument("--synthetic", type=float, default=0, metavar="TOKENS_PER_S")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of a synthetic reply")
    args = parser.parse_args()

    from desktop_gpt.engine import Engine
    from desktop_gpt.models.local import bundled_model
    from desktop_gpt.services.chat import SAVE_INTERVAL_S
    from desktop_gpt.storage import ConversationStore, Database

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.db")
        store = ConversationStore(db)
        modes = {"every_batch": SAVE_INTERVAL_S, "once_a_second": 1.0}
        walls: dict[str, list[float]] = {m: [] for m in modes}
        commits: dict[str, list[list[float]]] = {m: [] for m in modes}
        if args.synthetic:
            def reply(interval):
                return synthetic_reply(store, interval, args.synthetic, args.seconds)
        else:
            engine = Engine(log_dir=tmp)
            engine.load(bundled_model(), context_size=2048)
            one_reply(engine, store, 1.0, 32)  # warm up

            def reply(interval):
                return one_reply(engine, store, interval, args.max_tokens)
        for _ in range(args.runs):
            for mode, interval in modes.items():
                wall, times = reply(interval)
                walls[mode].append(wall)
                commits[mode].append(times)
        if not args.synthetic:
            engine.close()
        db.close()

    for mode in modes:
        flat = sorted(t for run in commits[mode] for t in run)
        p95 = flat[min(len(flat) - 1, int(len(flat) * 0.95))] if flat else 0.0
        busy = 100 * statistics.median(sum(r) / w for r, w in zip(commits[mode], walls[mode]))
        print(f"{mode:14s} reply_s_median={statistics.median(walls[mode]):.3f} "
              f"commits_per_reply={statistics.median(len(r) for r in commits[mode]):.0f} "
              f"commit_ms_median={1000 * statistics.median(flat):.2f} commit_ms_p95={1000 * p95:.2f} "
              f"busy_pct={busy:.1f}")
    ratio = statistics.median(walls["every_batch"]) / statistics.median(walls["once_a_second"])
    every = sorted(t for run in commits["every_batch"] for t in run)
    print(f"save_cost_ratio={ratio:.3f} commit_ms_p95={1000 * every[int(len(every) * 0.95)]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
