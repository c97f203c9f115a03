"""The Linux libraries a built Desktop GPT takes from the system instead of carrying them, and their packages.

Libraries that talk to the desktop (X11/xcb, Wayland, OpenGL/EGL, fontconfig, glib, D-Bus) must match the running
system, so the bundle leaves them out and the .deb depends on them; the start-up check (desktop_gpt/startup.py)
names the missing ones. Everything else the bundle needs (OpenSSL, SQLite, libffi, OpenMP...) travels inside it.
"""

from __future__ import annotations

from desktop_gpt.startup import GUI_LIBRARIES, XCB_LIBRARIES

# soname -> Debian/Ubuntu package ("new | old" where Debian 13 / Ubuntu 24.04 renamed it)
SYSTEM_LIBRARIES: dict[str, str] = {
    **XCB_LIBRARIES,
    **GUI_LIBRARIES,
    "libxcb-glx.so.0": "libxcb-glx0",  # the GLX integration plugin
    "libwayland-client.so.0": "libwayland-client0",  # the Wayland platform plugin
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libgio-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgmodule-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libdrm.so.2": "libdrm2",
    "libgbm.so.1": "libgbm1",
}

# Plain libraries the system always has (glibc and the compiler's runtime): never bundled, never a dependency.
BASE_LIBRARIES = {
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1", "libresolv.so.2",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "linux-vdso.so.1",
}

# The GPU driver's own library (a CUDA build): it comes with the NVIDIA driver, whose package name differs by
# distribution and driver version, so it is neither bundled nor a dependency; without it the app runs on the CPU.
DRIVER_LIBRARIES = {"libcuda.so.1", "libnvidia-ml.so.1"}

# Fonts for the scripts people write in (Chinese, Japanese and Korean, emoji...): recommended, not required.
RECOMMENDED_PACKAGES = [
    "fonts-noto-core", "fonts-noto-cjk", "fonts-noto-color-emoji", "fonts-noto-ui-core",
    "xdg-utils",  # Help -> Open data folder
]


def deb_depends(sonames: set[str] | None = None) -> list[str]:
    """The Depends: entries for these sonames (default: all of SYSTEM_LIBRARIES), each package once, sorted."""
    wanted = SYSTEM_LIBRARIES if sonames is None else {s: SYSTEM_LIBRARIES[s] for s in sonames}
    return sorted(set(wanted.values()))
