"""What every engine backend offers (the local llama.cpp worker, a remote OpenAI-compatible server)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Protocol, runtime_checkable

from desktop_gpt.engine.protocol import Event, GenerationStats, LoadProgress, ModelInfo, SamplingParams

Messages = list[dict[str, str]]


@runtime_checkable
class EngineBackend(Protocol):
    """One model behind one engine. Services, the GUI, the CLI and the local server use only this.

    One request runs at a time (a second caller gets EngineBusy); ``cancel()`` may be called from any thread
    and ends the current stream within a token. A stream is a generator: closing it stops the generation too.

    Attributes:
        kind: "local" (llama.cpp on this computer) or "remote" (an OpenAI-compatible server).
        info: facts about the selected model, or None before ``load``.
        last_stats: GenerationStats of the last finished (or stopped) request.
        exact_token_counts: whether ``count_tokens`` uses the model's own tokenizer (else it is an estimate).
        stop_requested: asked as each request starts; True makes that request stop at once (whoever queues
            requests sets it, so a Stop pressed while a request waited is not lost).
    """

    kind: str
    info: ModelInfo | None
    last_stats: GenerationStats | None
    exact_token_counts: bool
    stop_requested: Callable[[], bool]

    def load(self, model: str | Path, context_size: int = 4096, gpu_layers: int = -1, threads: int = 0,
             on_progress: Callable[[LoadProgress], None] | None = None) -> ModelInfo:
        """Select the model (a GGUF path here, a model id on a server); raises ModelLoadError."""

    def chat(self, messages: Messages, params: SamplingParams | dict | None = None, session: str | None = None,
             prefix_tokens: list[int] | None = None) -> Iterator[Event]:
        """Stream a reply to role/content messages: Token…, maybe Trimmed, then Done. ``session`` names the chat
        (a local engine saves and restores its state, engine/states.py); ``prefix_tokens`` start the reply
        ("Continue with this word instead"; a backend that cannot do it raises an error in words)."""

    def complete(self, text: str, params: SamplingParams | dict | None = None,
                 prefix_tokens: list[int] | None = None) -> Iterator[Event]:
        """Stream a raw continuation of ``text`` (no chat template)."""

    def cancel(self) -> None:
        """Stop the current request (thread-safe, returns at once)."""

    def count_tokens(self, text: str | None = None, messages: Messages | None = None) -> int:
        """Tokens in plain text, or in a conversation as the model would see it (see exact_token_counts)."""

    def kill(self, restore_previous: bool = True) -> None:
        """End what runs now, from any thread, even a load (the local worker process is ended and the previous
        model comes back if ``restore_previous``; a server's stream is shut)."""

    def close(self, timeout: float = 5.0) -> None:
        """Free what the engine holds (the worker process, the HTTP connections), within about ``timeout``."""
