"""Build llama.cpp's own ``llama-bench`` once, from the sources the installed llama-cpp-python was built from.

The sdist of the installed version (``pip download --no-binary :all:``) vendors llama.cpp under
``vendor/llama.cpp``; it is configured with the same defaults llama-cpp-python's build uses (Release, shared
libraries, GGML_NATIVE as default, plus any ``CMAKE_ARGS`` in the environment, as pip would pass them) and only the
``llama-bench`` target is built. The build folder is kept under the cache folder
(``~/.cache/desktop-gpt-bench/llama.cpp-<version>``) so later runs start at once.

    python bench/llama_bench_build.py          # builds if needed, prints the binary's path
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "desktop-gpt-bench"


def llama_bench_path(pkg_version: str | None = None) -> Path:
    pkg_version = pkg_version or version("llama-cpp-python")
    return cache_root() / f"llama.cpp-{pkg_version}" / "build" / "bin" / "llama-bench"


def _run(cmd: list[str], **kw) -> None:
    print("+", " ".join(shlex.quote(c) for c in cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, **kw)


def build(pkg_version: str | None = None, jobs: int = 2) -> Path:
    """Return the path of llama-bench for the installed llama-cpp-python, building it the first time."""
    pkg_version = pkg_version or version("llama-cpp-python")
    binary = llama_bench_path(pkg_version)
    if binary.exists():
        return binary
    root = binary.parents[2]
    src = root / "src"
    if not (src / "CMakeLists.txt").exists():
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                  f"llama-cpp-python=={pkg_version}", "-d", tmp])
            sdist = next(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
            prefix = f"{sdist.name[:-len('.tar.gz')]}/vendor/llama.cpp/"
            with tarfile.open(sdist) as tar:
                members = []
                for m in tar.getmembers():
                    if m.name.startswith(prefix) and len(m.name) > len(prefix):
                        m.name = m.name[len(prefix):]
                        members.append(m)
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(src, members=members, filter="data")
                else:  # Python < 3.10.12 / 3.11.4
                    tar.extractall(src, members=members)
    build_dir = root / "build"
    # llama-cpp-python's CMakeLists: shared libraries, LLAMA_CURL off; everything else at llama.cpp's defaults.
    flags = ["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=ON", "-DLLAMA_CURL=OFF",
             "-DLLAMA_BUILD_COMMON=ON", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_TESTS=OFF",
             "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=OFF", "-DLLAMA_BUILD_APP=OFF"]
    flags += shlex.split(os.environ.get("CMAKE_ARGS", ""))
    generator = ["-G", "Ninja"] if subprocess.run(["ninja", "--version"], capture_output=True).returncode == 0 \
        else []
    _run(["cmake", "-S", str(src), "-B", str(build_dir), *generator, *flags])
    _run(["cmake", "--build", str(build_dir), "--target", "llama-bench", "-j", str(jobs)])
    if not binary.exists():
        raise SystemExit(f"the build finished but {binary} is missing")
    return binary


if __name__ == "__main__":
    print(build())
