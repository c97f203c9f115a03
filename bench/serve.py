"""Benchmark: what the local OpenAI-compatible server costs over the engine used directly.

The same greedy request, streamed, alternately from the engine in this process and from `desktop-gpt serve` (its
own process and engine, on a free loopback port) through the official openai client. The KV cache is forgotten
before each direct run, and each server request is a new conversation for its engine, so both process the prompt
from scratch. Medians of interleaved runs.

Ends with ``tps_ratio=X`` (streamed tokens/s through the server ÷ direct; goal >= 0.95) and
``added_ttft_ms=Y`` (time to the first token through the server minus direct).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

PROMPT = "Write a short story about a lighthouse keeper and a lost whale."


def direct(engine, max_tokens: int) -> tuple[float, float, int]:
    from desktop_gpt.engine.protocol import Done, SamplingParams, Token

    engine.forget_cache()
    started = time.perf_counter()
    first = last = 0.0
    tokens = 0
    for event in engine.chat([{"role": "user", "content": PROMPT}], SamplingParams(temperature=0.0,
                                                                                   max_tokens=max_tokens, seed=0)):
        if isinstance(event, Token):
            last = time.perf_counter()
            first = first or last
        elif isinstance(event, Done):
            tokens = event.stats.completion_tokens
    return first - started, (tokens - 1) / (last - first), tokens


def served(client, model: str, max_tokens: int, nonce: int) -> tuple[float, float, int]:
    started = time.perf_counter()
    first = last = 0.0
    tokens = 0
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "system", "content": f"Run {nonce}."}, {"role": "user", "content": PROMPT}],
        max_tokens=max_tokens, temperature=0.0, seed=0, stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            first = first or last
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    return first - started, (tokens - 1) / (last - first), tokens


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()

    import openai

    from desktop_gpt.engine import Engine
    from desktop_gpt.models.local import bundled_model

    home = tempfile.mkdtemp(prefix="desktop-gpt-bench-serve-")
    env = dict(os.environ, DESKTOP_GPT_HOME=home)
    proc = subprocess.Popen([sys.executable, "-m", "desktop_gpt", "serve", "--port", "0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    engine = Engine(log_dir=home)
    try:
        line = proc.stderr.readline()
        found = re.search(r"serving (\S+) at (http://\S+/v1)", line)
        if not found:
            print(f"the server did not start: {line}{proc.stderr.read() if proc.poll() is not None else ''}",
                  file=sys.stderr)
            return 1
        model, url = found.groups()
        client = openai.OpenAI(base_url=url, api_key="bench", max_retries=0, timeout=600)
        engine.load(bundled_model(), context_size=4096)
        served(client, model, 8, -1)  # warm both up
        direct(engine, 8)
        rows = {"direct": [], "server": []}
        for i in range(args.runs):
            rows["direct"].append(direct(engine, args.max_tokens))
            rows["server"].append(served(client, model, args.max_tokens, i))
        med = {k: (statistics.median(r[0] for r in v) * 1000, statistics.median(r[1] for r in v))
               for k, v in rows.items()}
        for kind, (ttft, tps) in med.items():
            print(f"{kind:7} ttft_ms={ttft:7.1f} tokens_per_s={tps:6.1f} "
                  f"tokens={[r[2] for r in rows[kind]]}")
        ratio = med["server"][1] / med["direct"][1]
        added = med["server"][0] - med["direct"][0]
        print(json.dumps({"runs": args.runs, "max_tokens": args.max_tokens, "tps_ratio": round(ratio, 3),
                          "added_ttft_ms": round(added, 1)}))
        print(f"tps_ratio={ratio:.3f} added_ttft_ms={added:.1f}")
    finally:
        engine.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
