"""The engine: llama.cpp in a worker process, chat templates, context trimming (no Qt)."""

from desktop_gpt.engine.client import Engine, model_facts, physical_cores, run_to_text
from desktop_gpt.engine.protocol import (
    Done,
    GenerationStats,
    LoadProgress,
    ModelInfo,
    SamplingParams,
    Token,
    Trimmed,
)

__all__ = [
    "Done", "Engine", "GenerationStats", "LoadProgress", "ModelInfo", "SamplingParams", "Token", "Trimmed",
    "model_facts", "physical_cores", "run_to_text",
]
