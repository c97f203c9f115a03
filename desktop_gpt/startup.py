"""Checks before the window opens: is there a desktop session, and can Qt's platform plugin load its system libraries.

Without them Qt prints "Could not load the Qt platform plugin" and aborts with a core dump. We look first (no Qt
import here) and say in one line what is missing and how to install it, then exit 1.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from typing import Callable, Mapping

from desktop_gpt import APP_NAME
from desktop_gpt.i18n import _, ngettext

# The system libraries (soname -> Debian/Ubuntu package) that Qt's xcb platform plugin and the Qt libraries it
# loads need and that PySide6 does not ship. "a | b" lists the Debian 13 / Ubuntu 24.04 name first.
# tests/unit/test_startup.py checks this table against the plugin's own ELF dependencies; packaging/ builds the
# .deb's Depends from it.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
}
# What every Qt GUI needs, whatever the platform plugin.
GUI_LIBRARIES: dict[str, str] = {
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libzstd.so.1": "libzstd1",
    "libdbus-1.so.3": "libdbus-1-3",
}

Loader = Callable[[str], object]
_NON_WINDOW_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")


def _dlopen(soname: str) -> object:
    return ctypes.CDLL(soname)


def missing_libraries(libraries: Mapping[str, str], load: Loader = _dlopen) -> list[str]:
    """The sonames the dynamic loader cannot load (as Qt would: by soname, through the usual search path)."""
    missing = []
    for soname in libraries:
        try:
            load(soname)
        except OSError:
            missing.append(soname)
    return missing


def _install_hint(packages: list[str]) -> str:
    # The older name of a renamed package ("libglib2.0-0") is provided by the new one, so apt takes it on both.
    unique = list(dict.fromkeys(p.split(" | ")[-1] for p in packages))
    names = " ".join(unique)
    if shutil.which("apt") or shutil.which("apt-get"):
        return ngettext("Install it with: sudo apt install {packages}",
                        "Install them with: sudo apt install {packages}", len(unique)).format(packages=names)
    return ngettext("Install the package that provides it (on Debian or Ubuntu: {packages}).",
                    "Install the packages that provide them (on Debian or Ubuntu: {packages}).",
                    len(unique)).format(packages=names)


def gui_problem(environ: Mapping[str, str] | None = None, platform: str | None = None,
                load: Loader = _dlopen) -> str | None:
    """Why the window cannot open on this computer, in one line, or None when it can (or we cannot tell)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip().lower()
    if requested in _NON_WINDOW_PLATFORMS:
        return None
    wayland, x11 = bool(environ.get("WAYLAND_DISPLAY")), bool(environ.get("DISPLAY"))
    if not (wayland or x11) or (requested == "xcb" and not x11) or (requested.startswith("wayland") and not wayland):
        return _("{app}'s window needs a desktop session (DISPLAY or WAYLAND_DISPLAY is not set). "
                 "The command line works without one: desktop-gpt --help").format(app=APP_NAME)
    needed = dict(GUI_LIBRARIES)
    if requested == "xcb" or not wayland:  # on a Wayland session Qt uses its wayland plugin, not xcb
        needed.update(XCB_LIBRARIES)
    missing = missing_libraries(needed, load)
    if not missing:
        return None
    return _("{app} cannot open its window: a system library is missing ({libraries}). {fix}").format(
        app=APP_NAME, libraries=", ".join(missing), fix=_install_hint([needed[s] for s in missing]))


def check_gui_or_exit() -> None:
    """Print the one-line reason and exit 1 when the window cannot open, before Qt would abort."""
    from desktop_gpt import i18n
    from desktop_gpt.settings import read_language

    i18n.install(read_language())  # the message in the language the window would have used
    problem = gui_problem()
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(1)
