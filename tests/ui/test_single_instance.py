"""One instance per data folder: starting the app again shows the running window and touches nothing, and a
lock left by a killed app does not keep the next start out. Real processes, real database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop_gpt.paths import app_paths
from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.ui.single_instance import SingleInstance

HANG_LIMIT_S = 90  # a limit for a hung process, not a speed target


def _start_app(*args: str) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    return subprocess.Popen([sys.executable, "-m", "desktop_gpt", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_second_start_shows_the_first_window_and_leaves_its_streaming_reply_alone(qtbot):
    paths = app_paths().ensure()
    first = SingleInstance(paths.data)
    assert first.acquire()
    db = Database(paths.database)
    store = ConversationStore(db)
    conversation = store.create()
    user = store.add_message(conversation.id, None, "user", "Tell me a story.")
    reply = store.add_message(conversation.id, user.id, "assistant", "Once upon", "streaming")  # being written

    second = _start_app()
    try:
        with qtbot.waitSignal(first.activated, timeout=HANG_LIMIT_S * 1000):
            pass
        assert second.wait(HANG_LIMIT_S) == 0
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    assert store.message(reply.id).status == "streaming"  # no start-up recovery ran on the first one's reply
    db.close()
    first.release()


def test_a_lock_left_by_a_killed_app_does_not_keep_the_next_start_out(qtbot):
    data = app_paths().ensure().data
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\nfrom PySide6.QtCore import QCoreApplication\n"
         "from desktop_gpt.ui.single_instance import SingleInstance\n"
         f"app = QCoreApplication([])\ninstance = SingleInstance({str(data)!r})\n"
         "print(instance.acquire(), flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "True"
    assert not SingleInstance(data)._lock.tryLock(0)  # held while the holder lives
    holder.kill()  # SIGKILL: no clean-up runs
    holder.wait()
    again = SingleInstance(data)
    assert again.acquire()
    again.release()
