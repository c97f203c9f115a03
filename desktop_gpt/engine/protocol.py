"""What the app and the engine worker say to each other: requests, streamed events and model facts."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

_CHARACTER_PART = re.compile(r"<([0-9A-F]{2}(?: [0-9A-F]{2})*)>")


def show_bytes(data: bytes) -> str:
    """A token's bytes as text; part of a character (a byte token of a Chinese character) shows as <E4 BD>."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "<" + " ".join(f"{b:02X}" for b in data) + ">"


def character_part(text: str) -> bytes | None:
    """The bytes of a token that show_bytes wrote as <E4 BD> (only part of a character); None for any other."""
    match = _CHARACTER_PART.fullmatch(text)
    return bytes.fromhex(match.group(1)) if match else None


@dataclass
class LoadRequest:
    """Load one GGUF. ``gpu_layers``: -1 = all layers when a GPU backend is usable, 0 = CPU only, N = N layers."""

    path: str
    context_size: int = 4096
    gpu_layers: int = -1
    threads: int = 0
    state_dir: str | None = None  # where saved chat states go (engine/states.py); None: none are saved
    state_limit_mb: int = 3072


@dataclass
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    max_tokens: int = 1024
    seed: int | None = None
    stop: list[str] | None = None  # the reply ends before the first of these strings
    ignore_eos: bool = False  # keep generating past the end-of-reply token (benchmarks)
    top_logprobs: int = 0  # report each token's probability and this many alternatives (engine/logprobs.py)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "SamplingParams":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (data or {}).items() if k in known and v is not None})


@dataclass
class ModelInfo:
    """Facts about the loaded model, read from the GGUF and from llama.cpp's own log.

    Attributes:
        backend: where the layers run: "CPU", "CUDA", "Metal", "Vulkan"…
        backends_available: the backends this llama.cpp build registered.
        gpu_layers_requested: layers asked for (-1 = all).
        gpu_layers_offloaded / layers_total: what llama.cpp reported ("offloaded N/M layers to GPU").
        gpu_note: why fewer layers than asked were offloaded, in words ("" when all went as asked).
        gpu_reason: the same as a code of engine/offload.py ("no_gpu_build", "out_of_memory"…; "" when none).
        name: the file's name without ".gguf" (what people recognise); title: the GGUF's general.name.
        template_source / template_fixes: where the chat template came from and what was repaired.
        server: ``host:port`` of the server the model runs on ("" when it runs on this computer).
    """

    path: str
    name: str
    architecture: str
    parameters: int
    quantization: str | None
    file_size: int
    context_train: int | None
    context_size: int
    has_chat_template: bool
    template_source: str = "gguf"
    template_fixes: list[str] = field(default_factory=list)
    backend: str = "CPU"
    backends_available: list[str] = field(default_factory=list)
    gpu_layers_requested: int = 0
    gpu_layers_offloaded: int = 0
    layers_total: int = 0
    gpu_note: str = ""
    gpu_reason: str = ""
    title: str = ""
    threads: int = 0
    load_seconds: float = 0.0
    server: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def gpu_layers_label(self) -> str:
        if not self.layers_total:
            return str(self.gpu_layers_offloaded)
        return f"{self.gpu_layers_offloaded}/{self.layers_total}"


@dataclass
class GenerationStats:
    """How one reply went.

    Attributes:
        finish_reason: "stop" (the model ended), "length" (max_tokens), "cancelled" (Stop), "context"
            (the context window filled up).
        prompt_tokens: tokens in the whole rendered prompt.
        prompt_evaluated: prompt tokens llama.cpp actually processed (its own counter, n_p_eval); the rest
            came from the KV cache.
        completion_tokens: tokens generated.
        ttft_s: seconds from request to first token.
        tokens_per_s: generation speed after the first token.
        context_used / context_size: tokens in the context when the reply ended, and its size.
        dropped_messages: old messages left out of the prompt because the conversation outgrew the context.
        resumed_tokens: prompt tokens that came from the chat's saved state (engine/states.py), 0 when none.
        probabilities: which distribution the Token events' probabilities are: "sampled" (after the repetition
            penalty, top-k, top-p, min-p and temperature), "raw" (the model's softmax; temperature 0), or "".
    """

    finish_reason: str = "stop"
    prompt_tokens: int = 0
    prompt_evaluated: int = 0
    completion_tokens: int = 0
    ttft_s: float = 0.0
    tokens_per_s: float = 0.0
    total_s: float = 0.0
    context_used: int = 0
    context_size: int = 0
    dropped_messages: int = 0
    resumed_tokens: int = 0
    probabilities: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Events streamed by Engine.chat / Engine.complete -------------------------------------------------------------
@dataclass
class Token:
    """A piece of the reply's text (one or more tokens, always whole UTF-8 characters).

    Attributes:
        tokens: how many tokens the piece holds.
        probabilities: with ``SamplingParams.top_logprobs``, one record per group of tokens that makes whole
            characters: ``{"text", "p", "raw", "ids", "top": [[id, text, p, raw], ...]}`` (engine/logprobs.py).
    """

    text: str
    tokens: int = 1
    probabilities: list[dict] | None = None


@dataclass
class Trimmed:
    """Old messages were left out of the prompt so the conversation fits the context."""

    dropped_messages: int
    message: str


@dataclass
class Done:
    stats: GenerationStats


@dataclass
class LoadProgress:
    """Loading progress, 0.0–1.0, with what is happening in words."""

    fraction: float
    stage: str


Event = Token | Trimmed | Done
