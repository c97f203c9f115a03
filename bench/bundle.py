"""The frozen build's figures: size on disk, file count, package sizes, and start-up next to `make run`'s.

    python bench/bundle.py --sizes                   # sizes only (make bundle prints this)
    python bench/bundle.py                           # sizes, then start-up: frozen vs source, medians of 3
    python bench/bundle.py --compare build/full/desktop-gpt   # what leaving Qt parts out saved

Start-up is measured offscreen with DESKTOP_GPT_STARTUP_REPORT=1: the app prints when its window first painted and
when the bundled model was ready (seconds since the process started), then quits. Runs alternate between the two
programs, each with a fresh, empty DESKTOP_GPT_HOME. Goals (issue 9): .deb <= 200 MB with the 98 MB model inside;
window <= 1.5 s and model ready <= 3 s on a 2-core machine. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "desktop-gpt"
HANG_LIMIT = 300


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of a folder, symlinks counted as links."""
    total = files = 0
    for path in folder.rglob("*"):
        if path.is_file() or path.is_symlink():
            total += path.lstat().st_size
            files += 1
    return total, files


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def sizes(bundle: Path) -> dict[str, float]:
    total, files = folder_size(bundle)
    model = sum(p.stat().st_size for p in bundle.rglob("*.gguf"))
    pyside = [p for p in (bundle / "_internal" / "PySide6", bundle / "PySide6") if p.is_dir()]
    qt = folder_size(pyside[0])[0] if pyside else 0
    figures = {"bundle_mb": round(total / 1e6, 1), "files": files, "model_mb": round(model / 1e6, 1),
               "qt_mb": round(qt / 1e6, 1)}
    print(f"bundle {bundle}: {_mb(total)} in {files} files (model {_mb(model)}, PySide6/Qt {_mb(qt)})")
    for pattern, key in (("desktop-gpt_*.deb", "deb_mb"), ("desktop-gpt-*-linux-*.tar.gz", "tar_mb")):
        found = sorted(bundle.parent.glob(pattern), key=lambda p: p.stat().st_mtime)
        if found:
            figures[key] = round(found[-1].stat().st_size / 1e6, 1)
            print(f"{found[-1].name}: {_mb(found[-1].stat().st_size)}")
    return figures


def startup(cmd: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DESKTOP_GPT_HOME": home, "DESKTOP_GPT_STARTUP_REPORT": "1",
               "QT_QPA_PLATFORM": "offscreen", "HF_HUB_OFFLINE": "1"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=HANG_LIMIT, cwd=home)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the app and its engine worker until it quit (right after the model was ready): on a machine
    # shared with other jobs the wall times stretch, this does not.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    events = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            events[item["event"]] = item
    if "window" not in events or not events.get("model", {}).get("ok"):
        raise SystemExit(f"{cmd[0]} did not report a window and a loaded model:\n{done.stdout}\n{done.stderr[-2000:]}")
    return {"window_s": events["window"]["s"], "model_s": events["model"]["s"], "cpu_s": cpu}


def compare_startup(bundle: Path, runs: int) -> None:
    programs = {"frozen": [str(bundle / "desktop-gpt")], "make run": [str(ROOT / ".venv" / "bin" / "desktop-gpt")]}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in programs}
    for _ in range(runs):
        for name, cmd in programs.items():
            results[name].append(startup(cmd))
    for name, items in results.items():
        window = statistics.median(i["window_s"] for i in items)
        model = statistics.median(i["model_s"] for i in items)
        cpu = statistics.median(i["cpu_s"] for i in items)
        each = ", ".join("{:.2f}/{:.2f}".format(i["window_s"], i["model_s"]) for i in items)
        print(f"{name:>9}: window {window:.2f} s, model ready {model:.2f} s, CPU to model ready {cpu:.2f} s "
              f"(median of {runs}; window/model runs: {each}; load average {os.getloadavg()[0]:.1f})")
    frozen = statistics.median(i["window_s"] for i in results["frozen"])
    source = statistics.median(i["window_s"] for i in results["make run"])
    print(f"window_ratio_frozen_vs_source={frozen / source:.2f} (goals: window <= 1.5 s, model ready <= 3 s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    parser.add_argument("--sizes", action="store_true", help="only the sizes")
    parser.add_argument("--compare", type=Path, metavar="FULL_BUNDLE",
                        help="a bundle built with DESKTOP_GPT_BUNDLE_FULL=1: what leaving Qt parts out saved")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.bundle = args.bundle.resolve()
    if not (args.bundle / "desktop-gpt").exists():
        raise SystemExit(f"No bundle at {args.bundle}: run `make bundle` first.")
    trimmed = sizes(args.bundle)
    if args.compare:
        total, files = folder_size(args.compare)
        print(f"everything PyInstaller collects: {_mb(total)} in {files} files; left out: "
              f"{_mb(total - int(trimmed['bundle_mb'] * 1e6))} and {files - int(trimmed['files'])} files")
    if not args.sizes:
        compare_startup(args.bundle, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
