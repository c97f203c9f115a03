"""The sdist and wheel from ``python -m build``, installed non-editable into a fresh venv, run from their own files.

Offline on purpose: the build runs without isolation (setuptools, wheel and build are test dependencies) and the
fresh venv gets only the wheel; its dependencies (PySide6, llama-cpp-python, the bundled model...) come from this
test run's own site-packages through a plain path line, which does not process that folder's editable-install hook,
so the checkout's ``desktop_gpt`` stays invisible and every file the app reads must come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.model]

ROOT = Path(__file__).resolve().parents[2]
HANG_LIMIT = 240  # seconds; a hang limit on a loaded machine, not a speed target


def _run(cmd, cwd, env=None, timeout=HANG_LIMIT) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel_install(tmp_path_factory):
    """(the wheel, the fresh venv's python, an environment for running it, a working folder)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"  # a copy, so the build writes no egg-info or build/ into the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "desktop_gpt", source / "desktop_gpt",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = work / "dist"
    # sdist first, then the wheel built from the unpacked sdist: both must carry the resources.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)], cwd=work)
    wheel = next(dist.glob("desktop_gpt-*.whl"))

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
          "--no-compile", str(wheel)], cwd=work)
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=work).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_desktop_gpt_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(HF_HUB_OFFLINE="1", DESKTOP_GPT_HOME=str(work / "home"), HF_HOME=str(work / "hf"),
               QT_QPA_PLATFORM="offscreen")
    return wheel, python, env, work


def test_the_wheel_carries_the_resources_and_the_type_marker(wheel_install):
    wheel = wheel_install[0]
    names = zipfile.ZipFile(wheel).namelist()
    assert "desktop_gpt/py.typed" in names
    assert "desktop_gpt/resources/styles/app.qss" in names
    assert "desktop_gpt/resources/models/recommended.json" in names
    assert "desktop_gpt/resources/icons/desktop-gpt.svg" in names
    assert "desktop_gpt/resources/templates/writing/draft.j2" in names
    assert len([n for n in names if n.startswith("desktop_gpt/resources/apps/") and n.endswith("/app.json")]) == 16


def test_the_installed_package_is_the_wheels_not_the_checkout(wheel_install):
    _, python, env, work = wheel_install
    out = _run([str(python), "-c", "import desktop_gpt, desktop_gpt.resources as r; "
                "print(desktop_gpt.__file__); print(r.resources_dir())"], cwd=work, env=env).stdout.split()
    venv = python.parent.parent
    assert all(Path(p).is_relative_to(venv) for p in out), out
    assert not Path(out[0]).is_relative_to(ROOT)


def test_self_test_and_the_built_in_apps_from_the_wheel(wheel_install):
    _, python, env, work = wheel_install
    exe = python.parent / "desktop-gpt"
    report = json.loads(_run([str(exe), "--self-test"], cwd=work, env=env).stdout.strip().splitlines()[-1])
    assert report["tokens"] > 0
    apps = json.loads(_run([str(exe), "apps", "list", "--json"], cwd=work, env=env).stdout)
    builtin = [a for a in apps if str(a.get("id", "")).startswith("builtin:")]
    assert len(builtin) == 16, apps


def test_the_tools_from_the_wheel(wheel_install):
    _, python, env, work = wheel_install
    exe = str(python.parent / "desktop-gpt")
    common = ["--max-tokens", "16", "--temperature", "0"]
    for cmd in (["write", "--kind", "poem", "autumn rain", *common],
                ["translate", "--to", "fr", "Good morning", *common],
                ["code", "--lang", "python", "a function that reverses a string", *common]):
        done = _run([exe, *cmd], cwd=work, env=env)
        assert done.stdout.strip(), (cmd, done.stderr)


def test_the_window_starts_from_the_wheel(wheel_install):
    """The GUI module builds its QApplication with the packaged style and icon."""
    _, python, env, work = wheel_install
    code = ("from desktop_gpt.ui.app import create_app; app = create_app(); "
            "assert app.styleSheet(), 'no style'; assert not app.windowIcon().isNull(), 'no icon'; print('ok')")
    assert _run([str(python), "-c", code], cwd=work, env=env).stdout.strip() == "ok"
