"""Logging: one rotating file per process kind in the log folder, named categories (desktop_gpt.<area>)."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from desktop_gpt.redaction import redacting_filter

FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(process)d]: %(message)s"
_installed: set[str] = set()
_hub_client_to_file = False


def setup_logging(log_dir: Path, filename: str = "app.log", level: int = logging.INFO) -> Path:
    """Send the ``desktop_gpt`` loggers to ``log_dir/filename`` (1 MB × 5 files). Safe to call twice."""
    from desktop_gpt.paths import private_dir

    private_dir(log_dir)
    path = log_dir / filename
    root = logging.getLogger("desktop_gpt")
    root.setLevel(level)
    key = str(path)
    if key not in _installed:
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(redacting_filter())  # an access token or API key never reaches a log file
        root.addHandler(handler)
        _installed.add(key)
    return path


def get(area: str) -> logging.Logger:
    """The logger of one area of the app, e.g. ``get("engine")``."""
    return logging.getLogger(f"desktop_gpt.{area}")


def hub_client_logs_to_file() -> None:
    """huggingface_hub prints its retry notices on stderr; a CLI failure must be one line there, so they go to
    our log file instead: now if the client is imported, else as it is imported (store/hf.py imports it late)."""
    global _hub_client_to_file
    _hub_client_to_file = True
    if "huggingface_hub" in sys.modules:
        _move_hub_client_handlers()


def hub_client_imported() -> None:
    """store/hf.py imported huggingface_hub (which adds its stderr handler then)."""
    if _hub_client_to_file:
        _move_hub_client_handlers()


def _move_hub_client_handlers() -> None:
    client = logging.getLogger("huggingface_hub")
    for handler in list(client.handlers):
        if type(handler) is logging.StreamHandler:  # the client's own, on stderr
            client.removeHandler(handler)
    for handler in logging.getLogger("desktop_gpt").handlers:
        if handler not in client.handlers:
            client.addHandler(handler)
