"""An app killed without closing its engine (SIGKILL) leaves no worker behind: the worker notices its parent is
gone (engine/parent_watch.py), stops the request in progress and exits, mid-reply and mid-prompt alike. The app
is a real process (orphan_parent.py) with the real engine and the bundled model; Linux (reads /proc)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the worker's state in /proc")

HANG_LIMIT_S = 60  # a limit for a hung test, not a speed target
PARENT = Path(__file__).with_name("orphan_parent.py")


def _alive(pid: int) -> bool:
    """The process runs (an orphan that exited stays a zombie until its new parent reaps it: that counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + HANG_LIMIT_S
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


@pytest.fixture
def app_process(tmp_path, bundled_model):
    """Start orphan_parent.py; yields (process, worker pid reader); kills whatever is left at the end."""
    started: list[tuple[subprocess.Popen, int]] = []

    def start(mode: str) -> tuple[subprocess.Popen, int]:
        proc = subprocess.Popen([sys.executable, str(PARENT), str(tmp_path), mode], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        line = proc.stdout.readline()
        assert line.strip().isdigit(), f"the stand-in app did not start its engine (exit code {proc.wait()})"
        started.append((proc, int(line)))
        return proc, int(line)

    yield start
    for proc, worker in started:
        proc.kill()
        proc.wait()
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


@pytest.mark.model
def test_a_killed_app_leaves_no_worker_generating_a_reply(app_process, tmp_path):
    app, worker = app_process("reply")
    assert _alive(worker)
    os.kill(app.pid, signal.SIGKILL)
    app.wait()
    assert _wait_gone(worker), f"the engine worker (pid {worker}) kept running {HANG_LIMIT_S} s after the app died"


@pytest.mark.model
def test_a_killed_app_stops_the_worker_in_the_middle_of_a_long_prompt(app_process, tmp_path):
    """A prompt sends nothing until it is processed (minutes for a big model), so only the watch can notice."""
    app, worker = app_process("prompt")
    idle = _cpu_seconds(worker)  # the load is done: from here on the worker works on the prompt
    deadline = time.monotonic() + HANG_LIMIT_S
    while _cpu_seconds(worker) < idle + 1.0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _cpu_seconds(worker) >= idle + 1.0, "the worker never started on the prompt"
    os.kill(app.pid, signal.SIGKILL)
    app.wait()
    assert _wait_gone(worker), f"the engine worker (pid {worker}) kept running {HANG_LIMIT_S} s after the app died"
    log = (tmp_path / "engine.log").read_text(encoding="utf-8")
    assert "the app's process ended without closing the engine" in log  # it stopped because it noticed
    assert "did not stop within" not in log  # the Stop flag ended the prompt; the process was not cut short


# Without a multiprocessing parent (parent_process() is None) the watch polls os.getppid(). A process started
# with subprocess has none: the middle process starts one that watches and never stops by itself, prints its pid,
# and the test kills the middle process.
WATCHER = """
import time, types
from desktop_gpt.engine.parent_watch import watch_parent
watch_parent(types.SimpleNamespace(value=0))
print("watching", flush=True)
while True:
    time.sleep(0.1)
"""
MIDDLE = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print(child.pid, flush=True)
child.wait()
"""


def test_without_a_multiprocessing_parent_the_watch_asks_for_the_parent_pid():
    middle = subprocess.Popen([sys.executable, "-c", MIDDLE, WATCHER], stdout=subprocess.PIPE, text=True)
    watcher = int(middle.stdout.readline())
    try:
        assert _alive(watcher)
        os.kill(middle.pid, signal.SIGKILL)
        middle.wait()
        assert _wait_gone(watcher), f"the watching process (pid {watcher}) outlived its parent by {HANG_LIMIT_S} s"
    finally:
        if _alive(watcher):
            os.kill(watcher, signal.SIGKILL)
