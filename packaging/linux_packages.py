"""Wrap the one-folder build (dist/desktop-gpt) into a .deb (dpkg-deb) and a portable .tar.gz.

    python packaging/linux_packages.py deb  [--bundle dist/desktop-gpt] [--icons build/icons] [--out dist]
    python packaging/linux_packages.py tar  [same options]

The .deb: the bundle in /opt/desktop-gpt, /usr/bin/desktop-gpt, the launcher, hicolor icons, AppStream metainfo and a
copyright file made from the bundle's licences list; Depends: the system libraries the bundle uses but does not carry
(checked here against every ELF file in it), Recommends: fonts for the scripts people write in. User data lives in
the user's home folders, which dpkg never touches, so removing the package keeps it.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "packaging"))

from desktop_gpt import APP_ID, APP_NAME, __version__  # noqa: E402
from system_libs import BASE_LIBRARIES, DRIVER_LIBRARIES, RECOMMENDED_PACKAGES, SYSTEM_LIBRARIES  # noqa: E402

LINUX = ROOT / "packaging" / "linux"
METAINFO = "io.github.desktopgpt.DesktopGPT.metainfo.xml"
MAINTAINER = "Desktop GPT developers <desktop-gpt@users.noreply.github.com>"
_ELF_MAGIC = b"\x7fELF"


def _elf_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == _ELF_MAGIC:
                    found.append(path)
    return found


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def system_dependencies(bundle: Path) -> tuple[set[str], str]:
    """(the system sonames the bundle needs, the newest glibc symbol version it uses). Fails on a library that is
    neither inside the bundle nor known to come from a package we depend on."""
    elves = _elf_files(bundle)
    inside = {p.name for p in bundle.rglob("*")}
    needed = {name for elf in elves for name in _needed(elf)}
    outside = needed - inside - BASE_LIBRARIES - DRIVER_LIBRARIES
    unknown = sorted(outside - set(SYSTEM_LIBRARIES))
    if unknown:
        raise SystemExit("The bundle needs system libraries no package is declared for: " + ", ".join(unknown)
                         + "\nAdd them to packaging/system_libs.py (or bundle them).")
    glibc = "2.17"
    for elf in elves:
        for version in re.findall(rb"GLIBC_(2\.\d+)", elf.read_bytes()):
            glibc = max(glibc, version.decode(), key=lambda v: tuple(map(int, v.split("."))))
    return outside, glibc


def _architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def _copy_bundle(bundle: Path, target: Path) -> None:
    if not (bundle / APP_ID).is_file():
        raise SystemExit(f"No bundle at {bundle}: run `make bundle` first.")
    shutil.copytree(bundle, target, symlinks=True)


def _metainfo() -> str:
    date = _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    return (LINUX / METAINFO).read_text(encoding="utf-8").replace("@VERSION@", __version__).replace("@DATE@", date)


def _copyright(bundle: Path) -> str:
    """Debian's copyright file, from the licences list the build wrote into the bundle."""
    listing = next(bundle.rglob("licences.json"), None)
    parts = ["Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
             f"Upstream-Name: {APP_NAME}", "",
             "Files: *", "Copyright: Desktop GPT developers", "License: Apache-2.0",
             " On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.", ""]
    for item in json.loads(listing.read_text(encoding="utf-8")) if listing else []:
        if item["name"] == APP_ID:
            continue
        parts += [f"Files: (bundled) {item['name']} {item['version']}".rstrip(),
                  f"Copyright: see {item['homepage'] or 'its licence text'}",
                  f"License: {item['licence']}"]
        body = (item["notice"] + "\n\n" + item["text"]).strip() if item["notice"] else item["text"].strip()
        for line in (body or "See Help -> About -> Licences in the app.").splitlines():
            parts.append(" " + line if line.strip() else " .")
        parts.append("")
    return "\n".join(parts)


def _share(stage: Path, icons: Path, desktop_exec: str | None = None) -> None:
    apps = stage / "share" / "applications"
    apps.mkdir(parents=True, exist_ok=True)
    desktop = (LINUX / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    if desktop_exec:
        desktop = re.sub(r"(?m)^Exec=.*$", f"Exec={desktop_exec}", desktop)
    (apps / f"{APP_ID}.desktop").write_text(desktop, encoding="utf-8")
    if not (icons / "hicolor").is_dir():
        raise SystemExit(f"No icons in {icons}: run packaging/render_icons.py first (make bundle does).")
    shutil.copytree(icons / "hicolor", stage / "share" / "icons" / "hicolor", dirs_exist_ok=True)
    (stage / "share" / "metainfo").mkdir(parents=True, exist_ok=True)
    (stage / "share" / "metainfo" / METAINFO).write_text(_metainfo(), encoding="utf-8")


def _size_kib(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*")) // 1024 + 1


def _package_name(variant: str) -> str:
    return APP_ID if variant == "cpu" else f"{APP_ID}-{variant}"


def build_deb(bundle: Path, icons: Path, out: Path, variant: str = "cpu") -> Path:
    arch = _architecture()
    sonames, glibc = system_dependencies(bundle)
    package = _package_name(variant)
    stage = ROOT / "build" / "deb" / f"{package}_{__version__}_{arch}"
    shutil.rmtree(stage, ignore_errors=True)
    _copy_bundle(bundle, stage / "opt" / APP_ID)
    (stage / "usr" / "bin").mkdir(parents=True)
    os.symlink(f"../../opt/{APP_ID}/{APP_ID}", stage / "usr" / "bin" / APP_ID)
    _share(stage / "usr", icons)
    doc = stage / "usr" / "share" / "doc" / APP_ID
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(_copyright(bundle), encoding="utf-8")

    depends = [f"libc6 (>= {glibc})"] + sorted({SYSTEM_LIBRARIES[s] for s in sonames})
    others = [] if variant == "cpu" else [f"Provides: {APP_ID}", f"Conflicts: {APP_ID}", f"Replaces: {APP_ID}"]
    control = "\n".join([
        f"Package: {package}",
        f"Version: {__version__}",
        f"Architecture: {arch}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {_size_kib(stage)}",
        "Section: utils",
        "Priority: optional",
        f"Depends: {', '.join(depends)}",
        f"Recommends: {', '.join(RECOMMENDED_PACKAGES)}",
        *others,
        "Description: private, offline GPT store on your own computer",
        " Desktop GPT runs a language model on this computer, with Chat, Writing,",
        " Translation and Code tools and a store of assistants. Nothing you type",
        " leaves the computer. The small SmolLM2-135M-Instruct model is included.",
        "",
    ])
    (stage / "DEBIAN").mkdir()
    (stage / "DEBIAN" / "control").write_text(control, encoding="utf-8")
    for path in [stage, *stage.rglob("*")]:
        if path.is_symlink():
            continue
        path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{package}_{__version__}_{arch}.deb"
    # zstd -9: a few seconds where xz takes minutes, about 25% larger on Qt (the model hardly compresses either way);
    # dpkg reads zstd since 1.21.18 (Debian 12, Ubuntu 21.10), older than the glibc this build needs anyway.
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zzstd", "-z9", "--build", str(stage), str(target)],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"{target}  {target.stat().st_size / 1e6:.1f} MB  Depends: {', '.join(depends)}")
    return target


def build_tar(bundle: Path, icons: Path, out: Path, variant: str = "cpu") -> Path:
    arch = os.uname().machine
    name = f"{_package_name(variant)}-{__version__}-linux-{arch}"
    stage = ROOT / "build" / "tar" / name
    shutil.rmtree(stage, ignore_errors=True)
    _copy_bundle(bundle, stage)
    _share(stage, icons)
    shutil.copy2(LINUX / "install.sh", stage / "install.sh")
    (stage / "README.txt").write_text(
        f"{APP_NAME} {__version__}\n\n"
        "Start it with ./desktop-gpt (no arguments: the window; with arguments: the command line, see --help).\n"
        "Put it in your app menu with ./install.sh (./install.sh --uninstall takes it away again).\n"
        "It needs the X11/Wayland, OpenGL and fontconfig libraries every desktop has; if one is missing it says\n"
        "which and how to install it. Your chats and models live in ~/.local/share/desktop-gpt.\n", encoding="utf-8")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=name)
    print(f"{target}  {target.stat().st_size / 1e6:.1f} MB")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("deb", "tar"))
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / APP_ID)
    parser.add_argument("--icons", type=Path, default=ROOT / "build" / "icons")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--variant", default="cpu", help="cpu, or the GPU build inside (cuda): names the package")
    args = parser.parse_args(argv)
    (build_deb if args.kind == "deb" else build_tar)(args.bundle, args.icons, args.out, args.variant)
    return 0


if __name__ == "__main__":
    sys.exit(main())
