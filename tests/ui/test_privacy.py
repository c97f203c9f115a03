"""Nothing leaves the computer until the user opens the Store: the real app, in its own process with an audit hook
on every socket connection and name lookup, starts, answers in Chat, Writing, Translation and Code without one,
and connects only when the Store is opened (proving the hook sees connections)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.model, pytest.mark.slow]

PROBE = Path(__file__).with_name("privacy_probe.py")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_connection_until_the_store_is_opened(bundled_model, app_home, tmp_path):
    env = {**os.environ, "DESKTOP_GPT_HOME": str(app_home), "QT_QPA_PLATFORM": "offscreen",
           "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}", "PYTHONPATH": str(Path(__file__).parents[2])}
    env.pop("HF_HUB_OFFLINE", None)
    run = subprocess.run([sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=900,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    counts = json.loads(run.stdout.strip().splitlines()[-1])
    assert counts["start"] == [], "starting the window used the network"
    assert counts["tools"] == [], "Chat, Writing, Translation or Code used the network"
    assert any("127.0.0.1" in event for event in counts["store"]), counts["store"]  # the hook does see them
