"""Before the window: no desktop session or a missing xcb library is one line and exit 1, never Qt's core dump."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_gpt import startup
from desktop_gpt.startup import GUI_LIBRARIES, XCB_LIBRARIES, gui_problem

X11 = {"DISPLAY": ":0"}


def loader_without(*hidden: str):
    """A loader that finds everything except ``hidden``: the fault of a machine without those packages."""
    seen: list[str] = []

    def load(soname: str) -> object:
        seen.append(soname)
        if soname in hidden:
            raise OSError(f"{soname}: cannot open shared object file: No such file or directory")
        return object()

    load.seen = seen  # type: ignore[attr-defined]
    return load


def test_a_missing_xcb_library_is_named_with_the_package_that_installs_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/apt" if name == "apt" else None)
    problem = gui_problem(X11, "linux", loader_without("libxcb-cursor.so.0"))
    assert problem is not None and "\n" not in problem
    assert "a system library is missing (libxcb-cursor.so.0)" in problem
    assert problem.endswith("Install it with: sudo apt install libxcb-cursor0")


def test_several_missing_libraries_make_one_install_command(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/apt" if name == "apt" else None)
    problem = gui_problem(X11, "linux", loader_without("libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                                                       "libglib-2.0.so.0"))
    assert "missing (libglib-2.0.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1)" in problem
    assert problem.endswith("Install them with: sudo apt install libglib2.0-0 libxcb-icccm4 libxcb-keysyms1")


def test_without_apt_the_package_is_still_named(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    problem = gui_problem(X11, "linux", loader_without("libxcb-cursor.so.0"))
    assert "sudo" not in problem and "libxcb-cursor0" in problem


def test_no_desktop_session_says_the_command_line_still_works():
    problem = gui_problem({}, "linux", loader_without())
    assert "needs a desktop session" in problem and "desktop-gpt --help" in problem
    assert "needs a desktop session" in gui_problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "w"}, "linux",
                                                    loader_without())


def test_nothing_to_say_when_everything_loads_or_no_window_is_wanted():
    load = loader_without()
    assert gui_problem(X11, "linux", load) is None
    assert set(load.seen) == set(XCB_LIBRARIES) | set(GUI_LIBRARIES)
    assert gui_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", loader_without("libxcb-cursor.so.0")) is None
    assert gui_problem({}, "win32", loader_without("libxcb-cursor.so.0")) is None
    assert gui_problem({}, "darwin", loader_without()) is None


def test_a_wayland_session_does_not_need_the_xcb_libraries():
    assert gui_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", loader_without("libxcb-cursor.so.0")) is None
    forced = gui_problem({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux",
                         loader_without("libxcb-cursor.so.0"))
    assert "libxcb-cursor.so.0" in forced


def _needed(elf: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("readelf") is None,
                    reason="reads Linux ELF files with readelf (binutils)")
def test_the_table_is_exactly_the_system_libraries_of_the_xcb_plugin_and_qt():
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    bundled = {p.name for p in (qt / "lib").iterdir()}
    base = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0", "libdl.so.2",
            "librt.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libz.so.1"}
    elves = [qt / "plugins" / "platforms" / "libqxcb.so",
             *[qt / "lib" / f"libQt6{m}.so.6" for m in ("XcbQpa", "Gui", "Widgets", "Core", "DBus")]]
    needed = {n for elf in elves if elf.exists() for n in _needed(elf)}
    assert "libxcb-cursor.so.0" in needed or "libxcb.so.1" in needed  # we did read the plugin
    system = {n for n in needed if n not in bundled and n not in base}
    table = set(XCB_LIBRARIES) | set(GUI_LIBRARIES)
    assert system == table, f"not in the table: {system - table}; not needed: {table - system}"


def _run_gui(env: dict[str, str], prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run([*(prefix or []), sys.executable, "-m", "desktop_gpt"], env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_the_real_program_without_a_display_exits_1_with_one_line():
    done = _run_gui({})
    assert done.returncode == 1, done
    assert done.stderr.strip().count("\n") == 0 and "needs a desktop session" in done.stderr


def _lib_path(soname: str) -> str | None:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    match = re.search(rf"^\s*{re.escape(soname)} \(.*\) => (\S+)$", out, re.M)
    return match.group(1) if match else None


def _can_hide_libraries() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_hide_libraries(), reason="hiding a library needs root and mount namespaces")
def test_the_real_program_with_libxcb_cursor_hidden_from_the_loader_exits_1_naming_it():
    path = _lib_path("libxcb-cursor.so.0")
    if path is None:
        pytest.skip("libxcb-cursor0 is not installed here, nothing to hide")
    # In a private mount namespace (only this child sees it) the library becomes an empty file the loader rejects.
    hide = ["unshare", "-m", "sh", "-c", f'mount --bind /dev/null "{path}" && exec "$0" "$@"']
    done = _run_gui({"DISPLAY": ":99"}, prefix=hide)
    assert done.returncode == 1, done
    line = done.stderr.strip()
    assert "\n" not in line and "cannot open its window" in line, line
    assert "libxcb-cursor.so.0" in line and "sudo apt install libxcb-cursor0" in line, line


def test_check_gui_or_exit_exits_1(monkeypatch, capsys):
    monkeypatch.setattr(startup, "gui_problem", lambda: "no window here")
    with pytest.raises(SystemExit) as exc:
        startup.check_gui_or_exit()
    assert exc.value.code == 1 and capsys.readouterr().err == "no window here\n"
