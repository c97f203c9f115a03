"""Kill soak: the real GUI process streams chat replies and is killed with SIGKILL at random moments, again and again.

Each round starts the app's window (the real AppContext, MainWindow and engine, offscreen) on one data folder,
sends messages one after another through the chat tab and records, in a side log written before the app saves
anything, every user message it committed and every batch of reply text it handed to the window (with the time).
The driver kills it at a random moment after text starts to stream, then checks the database as the next start
finds it: every committed user message is there, every saved reply is a prefix of what was shown, and
``PRAGMA integrity_check`` says ok. The next round's start runs the app's own recovery on it. Prints per round and
ends with ``lost_ms_max=N integrity=ok kills=K`` (N: the most streamed time lost by a kill: from when the first
unsaved text was shown to the kill; goal <= 100). Exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOPICS = ["a lighthouse keeper", "a cat who learns to sail", "a robot gardener", "the last train of the night",
          "a city under the sea", "a dragon who is afraid of fire", "two rival bakers", "a map with no names"]
HANG_LIMIT_S = 180  # a round whose app never streams is a failure, not a wait


# -- the app side (a child process) ---------------------------------------------------------------------------
def child(log_path: str) -> int:
    from PySide6.QtCore import Qt

    from desktop_gpt.ui.app import create_app
    from desktop_gpt.ui.context import AppContext
    from desktop_gpt.ui.main_window import MainWindow

    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def record(**entry) -> None:  # one write() per line: it reaches the file even if the process is killed next
        entry["t"] = time.time()
        os.write(fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))

    app = create_app([])
    context = AppContext.create()
    context.settings.temperature = 0.8
    window = MainWindow(context)
    window.show()
    controller = context.controller
    # Direct: runs on the engine thread when a batch is handed to the window, before that batch is saved.
    controller.reply_text.connect(lambda rid, text: record(kind="text", id=rid, text=text),
                                  Qt.ConnectionType.DirectConnection)
    rng = random.Random(os.getpid())

    def send_next() -> None:
        context.settings.max_tokens = rng.randint(60, 400)
        text = f"Write a story about {rng.choice(TOPICS)} ({rng.randint(1, 10**6)})."
        window.chat.send(text)
        # the engine thread may already have added the reply after it: take the last user message of the branch
        user = [m for m in context.store.active_path(window.chat.conversation_id) if m.role == "user"][-1]
        record(kind="user", id=user.id, text=user.content)

    def job_ended(_job: int) -> None:  # the chat tab heard first, so its busy state is current
        if not window.chat.busy and not controller.loading_now and controller.info is not None:
            if rng.random() < 0.2:
                window.chat.new_chat()
            send_next()

    controller.job_ended.connect(job_ended)
    controller.load()
    return app.exec()


# -- the driver ---------------------------------------------------------------------------------------------------
def read_log(path: Path) -> list[dict]:
    entries = []
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a line cut by the kill can only be the last; what it said was not acted on yet
    return entries


def check(db_path: Path, entries: list[dict], killed_at: float) -> tuple[list[str], float]:
    """The problems found, and the streamed time (ms) the kill lost."""
    problems: list[str] = []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        rows = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, role, content FROM messages")}
    finally:
        conn.close()
    shown: dict[int, list[tuple[float, str]]] = {}
    for e in entries:
        if e["kind"] == "user":
            if rows.get(e["id"]) != ("user", e["text"]):
                problems.append(f"user message {e['id']} is missing or changed")
        elif e["kind"] == "text":
            shown.setdefault(e["id"], []).append((e["t"], e["text"]))
    lost_ms = 0.0
    for rid, batches in shown.items():
        text = "".join(t for _, t in batches)
        saved = rows.get(rid, ("assistant", ""))[1]
        if not text.startswith(saved):
            problems.append(f"reply {rid}: the saved text is not a prefix of what was shown")
            continue
        if len(saved) < len(text):  # some shown text was not saved: since when?
            end = 0
            for t, piece in batches:
                end += len(piece)
                if end > len(saved):
                    lost_ms = max(lost_ms, (killed_at - t) * 1000)
                    break
    return problems, lost_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--max-delay", type=float, default=3.0, help="kill at most this long after text streams")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--child", metavar="LOG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)

    rng = random.Random(args.seed)
    lost_max, failures, kills = 0.0, 0, 0
    with tempfile.TemporaryDirectory(prefix="kill-soak-") as tmp:
        home = Path(tmp) / "home"
        env = dict(os.environ, DESKTOP_GPT_HOME=str(home), QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
        os.environ["DESKTOP_GPT_HOME"] = str(home)
        from desktop_gpt.paths import app_paths

        db_path = app_paths().database
        all_entries: list[dict] = []
        for round_no in range(1, args.kills + 1):
            log_path = Path(tmp) / f"round{round_no}.jsonl"
            log_path.touch()
            proc = subprocess.Popen([sys.executable, __file__, "--child", str(log_path)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + HANG_LIMIT_S
                while not any(e["kind"] == "text" for e in read_log(log_path)):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        print(f"round {round_no}: the app never streamed (exit {proc.poll()})", flush=True)
                        return 1
                    time.sleep(0.05)  # polling a file another process writes: this is the driver, not a test
                time.sleep(rng.uniform(0, args.max_delay))
                killed_at = time.time()
                os.kill(proc.pid, signal.SIGKILL)
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            kills += 1
            all_entries += read_log(log_path)
            problems, lost_ms = check(db_path, all_entries, killed_at)
            lost_max = max(lost_max, lost_ms)
            failures += bool(problems)
            print(f"round {round_no}: lost_ms={lost_ms:.0f} " + ("; ".join(problems) or "ok"), flush=True)
    print(f"lost_ms_max={lost_max:.0f} integrity={'ok' if not failures else 'FAILED'} kills={kills}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
