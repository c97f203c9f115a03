"""Will a model fit? RAM of this computer, and memory a GGUF needs: weights + KV cache at a context size + overhead."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from desktop_gpt.models.gguf import GGUFInfo
from desktop_gpt.models.quant import bits_per_weight
from desktop_gpt.i18n import N_, _

GiB = 1024 ** 3
MiB = 1024 ** 2

# llama.cpp's compute buffers and the runtime: a few hundred MB whatever the model, plus a little per weight.
OVERHEAD_FIXED = 300 * MiB
OVERHEAD_SHARE = 0.05
# Without the model's header (a file still on the Hub): f16 KV-cache bytes per token of context per billion
# parameters. Grouped-query models need 8–20 KiB (Qwen2.5 7B: 56 KiB in all), older ones up to 100; this leans high.
KV_PER_TOKEN_PER_BILLION = 24 * 1024
KV_PER_TOKEN_MIN = 12 * 1024
# Keep this much RAM for the system and the app itself.
RAM_RESERVE = 1 * GiB


@dataclass(frozen=True)
class SystemMemory:
    """RAM of this computer, in bytes. ``available`` is what programs can take now without swapping."""

    total: int
    available: int


def system_memory() -> SystemMemory:
    vm = psutil.virtual_memory()
    return SystemMemory(total=int(vm.total), available=int(vm.available))


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a model needs at one context size.

    Attributes:
        weights: the model file(s).
        kv_cache: the KV cache at ``context_size`` (f16).
        overhead: compute buffers and runtime.
        context_size: tokens of context the estimate is for.
        parameters: parameter count (exact from the header, else guessed), or None.
        exact: True when the KV figure comes from the GGUF header; False for the rule of thumb.
    """

    weights: int
    kv_cache: int
    overhead: int
    context_size: int
    parameters: int | None
    exact: bool

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.overhead


def estimate_local(info: GGUFInfo, context_size: int, *, weights: int | None = None) -> MemoryEstimate:
    """From a GGUF header: KV cache = layers × KV heads × (key + value length) × 2 bytes × context.

    ``weights``: the size of all parts of a split model (default: this file's size).
    """
    size = info.file_size if weights is None else weights
    context = min(context_size, info.context_length or context_size)
    per_token = info.kv_bytes_per_token()
    params = info.parameters or None
    if per_token is None:
        return estimate_remote(size, context, quant=info.quantization, parameters=params)
    return MemoryEstimate(size, per_token * context, overhead(size), context, params, True)


def estimate_remote(size: int, context_size: int, *, quant: str | None = None,
                    parameters: int | None = None) -> MemoryEstimate:
    """From a file size (and the Hub's parameter count when it gives one): a rule of thumb, ``exact=False``."""
    if parameters is None:
        bpw = bits_per_weight(quant) or 5.0
        parameters = int(size * 8 / bpw)
    per_token = max(KV_PER_TOKEN_MIN, int(KV_PER_TOKEN_PER_BILLION * parameters / 1e9))
    return MemoryEstimate(size, per_token * context_size, overhead(size), context_size, parameters, False)


def overhead(weights: int) -> int:
    """Compute buffers and runtime for a model of ``weights`` bytes."""
    return OVERHEAD_FIXED + int(weights * OVERHEAD_SHARE)


@dataclass(frozen=True)
class Fit:
    """A fit verdict for this computer, and the words that explain it.

    Attributes:
        verdict: "gpu" (fits in GPU memory), "ram" (fits in RAM: on the CPU, or partly offloaded), "too_large".
        label: the verdict in a few words ("Fits on the GPU", "Fits in RAM", "Too large").
        message: one or two sentences with the numbers.
        tight: True when it fits only if other programs give memory back (RAM) — still "ram".
        estimate: the figures the verdict comes from.
    """

    verdict: str
    label: str
    message: str
    tight: bool
    estimate: MemoryEstimate


LABELS = {"gpu": N_("Fits on the GPU"), "ram": N_("Fits in RAM"), "too_large": N_("Too large")}


def fit_verdict(estimate: MemoryEstimate, memory: SystemMemory | None = None, *,
                gpu_free: int | None = None) -> Fit:
    """Compare an estimate with this computer's memory; ``gpu_free``: bytes free on the GPU (None: no usable GPU)."""
    memory = memory or system_memory()
    need = estimate.total
    how = "" if estimate.exact else _(" (estimated from the file size; the real figure is known once downloaded)")
    parts = _("needs about {need}: {weights} of weights, {cache} of context cache for {tokens:,} tokens and "
              "{overhead} for the runtime{how}").format(
        need=human_size(need), weights=human_size(estimate.weights), cache=human_size(estimate.kv_cache),
        tokens=estimate.context_size, overhead=human_size(estimate.overhead), how=how)
    sizes = {"parts": parts, "gpu": human_size(gpu_free or 0), "available": human_size(memory.available),
             "total": human_size(memory.total)}
    if gpu_free is not None and need <= gpu_free:
        return Fit("gpu", _(LABELS["gpu"]), _("Fits on the GPU: it {parts}; the GPU has {gpu} free.").format(**sizes),
                   False, estimate)
    usable_now = max(0, memory.available - RAM_RESERVE // 2)
    usable_ever = max(0, memory.total - RAM_RESERVE)
    gpu_note = ""
    if gpu_free is not None:
        gpu_note = _(" The GPU has {gpu} free, so only some layers can go there.").format(**sizes)
    if need <= usable_now:
        return Fit("ram", _(LABELS["ram"]), _("Fits in RAM: it {parts}; {available} of {total} is free.").format(
            **sizes) + gpu_note, False, estimate)
    if need <= usable_ever:
        return Fit("ram", _(LABELS["ram"]), _("Fits in RAM if you close other programs: it {parts}; only {available} "
                                              "of {total} is free now.").format(**sizes) + gpu_note, True, estimate)
    if gpu_free and need <= usable_ever + gpu_free:
        return Fit("ram", _(LABELS["ram"]), _("Fits split between the GPU and RAM: it {parts}; the GPU has {gpu} free "
                                              "and this computer {total} of RAM. Expect it to be slower than a model "
                                              "that fits on the GPU.").format(**sizes),
                   need > usable_now + gpu_free, estimate)
    if gpu_free:
        message = _("Too large for this computer: it {parts}, and this computer has {total} of RAM and {gpu} of free "
                    "GPU memory. Choose a smaller quantization or model, or a shorter context.")
    else:
        message = _("Too large for this computer: it {parts}, and this computer has {total} of RAM. Choose a smaller "
                    "quantization or model, or a shorter context.")
    return Fit("too_large", _(LABELS["too_large"]), message.format(**sizes), False, estimate)


def parameters_text(n: int | None, unknown: str = "?") -> str:
    """A parameter count for people: 135M, 7.6B (``unknown`` when the file does not say)."""
    if not n:
        return unknown
    return f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M"


def human_size(n: int | float) -> str:
    """Bytes for people: 980 MB, 4.7 GB (decimal units, as the Hub and file managers show them)."""
    n = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(n)} B"
            return f"{n:.0f} {unit}" if abs(n) >= 100 else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
