"""Benchmark: start-up time of the GUI (offscreen), next to a bare ``import PySide6.QtWidgets``.

Each round starts fresh Python processes, interleaved:
- ``python -c "import PySide6.QtWidgets"`` (the floor: what any Qt app pays);
- the app as ``desktop-gpt`` starts it (ui/app.py: QApplication, settings, database, main window, then the model
  loading behind the window), in an empty home, recording when the window has been shown and painted
  ("window") and when the engine reports the bundled model loaded ("model ready").
Times are from process start (the parent's clock before the process is created). Medians of the rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer

from desktop_gpt.ui.app import create_app, install_exception_hook

app = create_app([])
install_exception_hook()
from desktop_gpt.ui.context import AppContext
from desktop_gpt.ui.main_window import MainWindow

context = AppContext.create()
window = MainWindow(context)
window.show()

def shown():
    print("window", time.time(), flush=True)

def ready(_info):
    print("ready", time.time(), flush=True)
    window.close()
    app.quit()

def failed(message):
    print("failed", message, flush=True)
    app.quit()

QTimer.singleShot(0, shown)  # runs once the event loop has shown and painted the window
context.controller.loaded.connect(ready)
context.controller.load_failed.connect(failed)
context.controller.no_model.connect(failed)
QTimer.singleShot(0, context.controller.load)
app.exec()
context.db.close()
"""


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    start = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    end = time.time()
    marks = {"exit": end - start}
    for line in proc.stdout.splitlines():
        parts = line.split(maxsplit=1)
        if parts and parts[0] in ("window", "ready"):
            marks[parts[0]] = float(parts[1]) - start
        elif parts and parts[0] == "failed":
            raise SystemExit(f"the app did not load its model: {line}")
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed:\n{proc.stderr[-2000:]}")
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    bare, window, ready = [], [], []
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as home:
        env["DESKTOP_GPT_HOME"] = home
        timed([sys.executable, "-c", CHILD], env)  # first start: creates the settings and database
        for r in range(args.rounds):
            bare.append(timed([sys.executable, "-c", "import PySide6.QtWidgets"], env)["exit"])
            marks = timed([sys.executable, "-c", CHILD], env)
            window.append(marks["window"])
            ready.append(marks["ready"])
            print(f"round {r + 1}: import PySide6.QtWidgets {bare[-1]:.2f} s, window {window[-1]:.2f} s, "
                  f"model ready {ready[-1]:.2f} s", flush=True)
    b, w, m = statistics.median(bare), statistics.median(window), statistics.median(ready)
    print(f"medians: import PySide6.QtWidgets {b:.2f} s | window {w:.2f} s ({w / b:.1f}x) | model ready {m:.2f} s")
    print(f"window_s={w:.2f} ready_s={m:.2f} qt_import_s={b:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
