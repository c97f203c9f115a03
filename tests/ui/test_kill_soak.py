"""A short kill soak: the real GUI process is SIGKILLed mid-reply three times; nothing shown is lost beyond the
batch being saved, nothing saved differs from what was shown, and the database stays sound (bench/kill_soak.py
runs 50 kills and prints the figure)."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "kill_soak.py"


def _bench():
    spec = importlib.util.spec_from_file_location("kill_soak", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_soak_check_finds_a_lost_batch_a_changed_reply_and_a_missing_message(tmp_path):
    db = tmp_path / "chats.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, role TEXT, content TEXT)")
    conn.executemany("INSERT INTO messages VALUES (?, ?, ?)",
                     [(1, "user", "hi"), (2, "assistant", "Once upon"), (4, "assistant", "Twice")])
    conn.commit()
    conn.close()
    entries = [{"kind": "user", "id": 1, "text": "hi", "t": 0.0},
               {"kind": "text", "id": 2, "text": "Once ", "t": 10.0},
               {"kind": "text", "id": 2, "text": "upon", "t": 10.04},
               {"kind": "text", "id": 2, "text": " a time", "t": 10.08}]
    problems, lost_ms = _bench().check(db, entries, killed_at=10.1)
    assert problems == [] and round(lost_ms) == 20  # " a time" was shown at 10.08 and not saved by 10.1
    more = entries + [{"kind": "user", "id": 3, "text": "lost?", "t": 11.0},
                      {"kind": "text", "id": 4, "text": "Once", "t": 11.5}]
    problems, _ = _bench().check(db, more, killed_at=12.0)
    assert problems == ["user message 3 is missing or changed",
                        "reply 4: the saved text is not a prefix of what was shown"]


@pytest.mark.model
@pytest.mark.slow
def test_three_kills_of_the_window_process_lose_nothing_saved(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, str(BENCH), "--kills", "3", "--seed", "7"], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "integrity=ok kills=3" in done.stdout
