"""The packaging helpers: system packages, icons, the user-menu install script, the licences list."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

from system_libs import SYSTEM_LIBRARIES, deb_depends  # noqa: E402

from desktop_gpt import licences  # noqa: E402


def test_ci_installs_every_system_package_the_deb_depends_on():
    script = (ROOT / "scripts" / "install_system_packages.sh").read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in script.splitlines())
    listed = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", code.split("packages=(", 1)[1].split(")", 1)[0]))
    assert {"libxcb-cursor0", "cmake"} <= listed
    for entry in deb_depends():
        assert entry.split(" | ")[-1] in listed, entry  # the older name, which both old and new releases take


def test_every_system_library_maps_to_a_package_name():
    for soname, package in SYSTEM_LIBRARIES.items():
        assert soname.startswith("lib") and ".so." in soname
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", p) for p in package.split(" | ")), package


def test_icons_render_for_every_platform(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "render_icons.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    png = (tmp_path / "hicolor" / "48x48" / "apps" / "desktop-gpt.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (48, 48)
    assert (tmp_path / "hicolor" / "scalable" / "apps" / "desktop-gpt.svg").is_file()
    ico = (tmp_path / "desktop-gpt.ico").read_bytes()
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, 6)
    icns = (tmp_path / "desktop-gpt.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns) and b"ic10" in icns


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the portable Linux folder's script")
def test_the_portable_install_script_adds_a_launcher_and_removes_it_keeping_the_data(tmp_path):
    folder = tmp_path / "Desktop GPT folder"  # a space in the path, as a download folder may have
    shutil.copytree(ROOT / "packaging" / "linux", folder / "share" / "applications",
                    ignore=shutil.ignore_patterns("*.xml", "*.sh"))
    (folder / "share" / "icons" / "hicolor" / "48x48" / "apps").mkdir(parents=True)
    (folder / "share" / "icons" / "hicolor" / "48x48" / "apps" / "desktop-gpt.png").write_bytes(b"png")
    (folder / "desktop-gpt").write_text("#!/bin/sh\necho ok\n")
    (folder / "desktop-gpt").chmod(0o755)
    shutil.copy2(ROOT / "packaging" / "linux" / "install.sh", folder / "install.sh")
    home = tmp_path / "home"
    data = home / ".local" / "share"
    (data / "desktop-gpt").mkdir(parents=True)
    (data / "desktop-gpt" / "desktop-gpt.sqlite3").write_bytes(b"chats")
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}

    done = subprocess.run(["sh", str(folder / "install.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    launcher = data / "applications" / "desktop-gpt.desktop"
    assert f'Exec="{folder}/desktop-gpt"' in launcher.read_text(encoding="utf-8")
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "desktop-gpt.png").is_file()
    assert (home / ".local" / "bin" / "desktop-gpt").resolve() == (folder / "desktop-gpt").resolve()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(launcher)], capture_output=True, text=True)
        assert "error" not in check.stdout + check.stderr, check.stdout

    done = subprocess.run(["sh", str(folder / "install.sh"), "--uninstall"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not launcher.exists() and not (home / ".local" / "bin" / "desktop-gpt").exists()
    assert (data / "desktop-gpt" / "desktop-gpt.sqlite3").read_bytes() == b"chats"


def test_the_licences_list_names_qt_llama_cpp_and_the_model_from_metadata(tmp_path):
    written = licences.write_licences(tmp_path / "licences.json")
    by_name = {c.name.lower(): c for c in written}
    qt = next(c for n, c in by_name.items() if n.startswith("pyside6"))
    assert qt.licence == "LGPL-3.0-only" and "LGPL" in qt.notice and "replace them" in qt.notice
    assert by_name["llama.cpp"].licence == "MIT"
    assert by_name["smollm2-135m-instruct"].licence == "Apache-2.0"
    assert by_name["desktop-gpt"].licence == "Apache-2.0" and "Apache License" in by_name["desktop-gpt"].text
    assert by_name["python"].licence == "PSF-2.0"
    assert "jinja2" in by_name and "platformdirs" in by_name and "pytest" not in by_name  # runtime only
    assert all(c.licence for c in written)
    again = json.loads((tmp_path / "licences.json").read_text(encoding="utf-8"))
    assert [item["name"] for item in again] == [c.name for c in written]
