"""What every command needs: paths, settings, logging, the engine and the database."""

from __future__ import annotations

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


def engine():
    from desktop_gpt.engine import Engine

    return Engine(log_dir=app_paths().logs)


def store():
    from desktop_gpt.storage import ConversationStore, Database

    return ConversationStore(Database(app_paths().ensure().database))
