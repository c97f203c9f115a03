"""What every command needs: paths, settings, logging, the engine and the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_gpt import log
from desktop_gpt.paths import app_paths
from desktop_gpt.settings import Settings, load_settings
from desktop_gpt.i18n import _


def start_logging() -> Path:
    paths = app_paths().ensure()
    return log.setup_logging(paths.logs, "cli.log")


def settings() -> Settings:
    loaded = load_settings()
    for problem in loaded.problems:
        print(_("desktop-gpt: warning: {problem}").format(problem=problem), file=sys.stderr)
    return loaded.settings


def engine_options(p: argparse.ArgumentParser, model_flag: bool = False, key_flag: str = "--api-key") -> None:
    """``--server URL [--api-key K]``: use an OpenAI-compatible server instead of this computer."""
    p.add_argument(
        "--server",
        metavar="URL",
        help=_(
            "use the model of an OpenAI-compatible server (llama-server, vLLM, desktop-gpt serve…), e.g. "
            "http://192.168.1.20:8080"
        ),
    )
    p.add_argument(
        key_flag,
        dest="server_api_key",
        metavar="KEY",
        help=_("the server's API key (default: the one saved in Settings → Engine)"),
    )
    if model_flag:
        p.add_argument(
            "--model",
            dest="command_model",
            metavar="PATH_OR_ID",
            help=_("GGUF model file to use (with --server: the server's model id)"),
        )


def engine(settings: Settings | None = None, args: argparse.Namespace | None = None):
    """The engine the settings (or ``--server``) choose: services.engines.create_engine."""
    from desktop_gpt.services.engines import create_engine

    server = getattr(args, "server", None) if args is not None else None
    api_key = getattr(args, "server_api_key", None) if args is not None else None
    return create_engine(settings, log_dir=app_paths().logs, server=server, api_key=api_key)


def load(engine, settings: Settings, args: argparse.Namespace):
    """Load the model the command line (``--model``), then the settings choose; returns its ModelInfo."""
    from desktop_gpt.services.model import load_model

    override = getattr(args, "command_model", None) or getattr(args, "model", None)
    info, _choice = load_model(engine, settings, override=override)
    return info


def store():
    from desktop_gpt.storage import ConversationStore, Database

    return ConversationStore(Database(app_paths().ensure().database))
