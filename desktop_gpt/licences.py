"""The parts that make up Desktop GPT and their licences, read from the installed distributions' metadata.

A frozen build carries ``resources/licences.json``, written by the build (packaging/desktop-gpt.spec) from the
metadata of the distributions it bundles; from a source checkout or a wheel the same list is made at run time.
Only what metadata cannot say is written here: the notice Qt's LGPL-3.0 asks for, that llama.cpp (MIT) is inside
llama-cpp-python, and the model's own licence, which is read from its GGUF header.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from desktop_gpt import APP_ID, log

_log = log.get("app")

LICENCES_FILE = "licences.json"
_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice)([.-].*)?$", re.IGNORECASE)
_CLASSIFIER = "License :: OSI Approved :: "
_EXTRA_MARKER = re.compile(r"""extra\s*==""")

QT_NOTICE = (
    "Desktop GPT uses the Qt {version} libraries (through PySide6) under the GNU Lesser General Public License "
    "version 3 (LGPL-3.0-only). Qt is made by The Qt Company and contributors; its source code is available from "
    "https://download.qt.io/official_releases/qt/ and PySide6's from https://code.qt.io/cgit/pyside/pyside-setup.git/. "
    "The Qt libraries are shipped as separate shared libraries (in a built app, the PySide6/Qt/lib folder inside "
    "the install folder) and are not modified: you may replace them with your own compatible build of the same Qt "
    "version. The LGPL-3.0 text is at https://www.gnu.org/licenses/lgpl-3.0.txt (it adds permissions to the GPL-3.0, "
    "https://www.gnu.org/licenses/gpl-3.0.txt)."
)
LLAMA_CPP_NOTICE = (
    "llama.cpp and ggml (https://github.com/ggml-org/llama.cpp, Copyright (c) 2023-2024 The ggml authors) are "
    "compiled into llama-cpp-python's shared libraries and used under the MIT licence."
)


@dataclass(frozen=True)
class Component:
    """One bundled part.

    Attributes:
        name: what it is called ("PySide6-Essentials", "llama.cpp", "SmolLM2-135M-Instruct"...).
        version: its version, or "".
        licence: the licence's name or SPDX expression ("MIT", "Apache-2.0", "LGPL-3.0-only"...).
        homepage: where it comes from, or "".
        notice: what its licence asks us to say, or "".
        text: the licence files it ships, joined, or "" (shown as plain text).
    """

    name: str
    version: str
    licence: str
    homepage: str = ""
    notice: str = ""
    text: str = ""


def _licence_name(meta) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 80:
        return field
    classifiers = [c[len(_CLASSIFIER):] for c in meta.get_all("Classifier") or [] if c.startswith(_CLASSIFIER)]
    return "; ".join(classifiers) or "see its licence text"


def _homepage(meta) -> str:
    for url in meta.get_all("Project-URL") or []:
        label, _, address = url.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            return address.strip()
    return (meta.get("Home-page") or "").strip()


def _licence_text(dist: metadata.Distribution) -> str:
    texts = []
    for file in dist.files or []:
        if _LICENCE_FILE.match(file.name) and (".dist-info" in str(file) or "licenses" in file.parts):
            try:
                texts.append(file.read_text(encoding="utf-8").strip())
            except (OSError, UnicodeDecodeError):
                continue
    return "\n\n".join(dict.fromkeys(t for t in texts if t))


def _requirement_name(requirement: str) -> str | None:
    if _EXTRA_MARKER.search(requirement.partition(";")[2]):
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else None


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _python_component() -> Component:
    text = ""
    for candidate in (Path(sys.base_prefix) / "LICENSE.txt",
                      Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "LICENSE.txt"):
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8", errors="replace").strip()
            break
    return Component("Python", platform.python_version(), "PSF-2.0", "https://www.python.org", "", text)


def runtime_distributions(root: str = APP_ID) -> list[metadata.Distribution]:
    """``root`` and everything it needs at run time (extras left out), each once, by name."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        key = _normalise(name)
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        pending.extend(n for n in map(_requirement_name, dist.requires or []) if n)
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _from_distribution(dist: metadata.Distribution, notice: str = "") -> Component:
    meta = dist.metadata
    text = _licence_text(dist)
    if not text and _normalise(meta["Name"]) == APP_ID:  # an editable install's metadata lacks the file
        checkout = Path(__file__).resolve().parent.parent / "LICENSE"
        text = checkout.read_text(encoding="utf-8").strip() if checkout.is_file() else ""
    return Component(meta["Name"], dist.version, _licence_name(meta), _homepage(meta), notice, text)


def _model_component() -> Component | None:
    from desktop_gpt.models.gguf import read_gguf
    from desktop_gpt.models.local import BUNDLED_DISTRIBUTION, BUNDLED_NAME, bundled_model

    path = bundled_model()
    if path is None:
        return None
    licence, organisation = "", ""
    try:
        header = read_gguf(path).metadata
        licence = str(header.get("general.license", "")).strip()
        organisation = str(header.get("general.organization", "")).strip()
    except Exception as exc:  # noqa: BLE001 - a licences list must not fail because of one header
        _log.warning("could not read the bundled model's header: %s", exc)
    try:
        wrapper = metadata.distribution(BUNDLED_DISTRIBUTION)
        text = _licence_text(wrapper)
        version = wrapper.version
        licence = licence or _licence_name(wrapper.metadata)
    except metadata.PackageNotFoundError:
        text, version = "", ""
    spdx = {"apache-2.0": "Apache-2.0", "mit": "MIT"}.get(licence.lower(), licence)
    by = f" by {organisation}" if organisation else ""
    notice = (f"The bundled model {path.name}{by}, licensed {spdx or 'as its header says'}; packaged for pip by "
              f"{BUNDLED_DISTRIBUTION} {version}.")
    return Component(BUNDLED_NAME, version, spdx, "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
                     notice, text)


def collect(frozen: bool = False) -> list[Component]:
    """Desktop GPT, the Python packages it runs on, Qt, llama.cpp and the bundled model (and the PyInstaller
    bootloader when ``frozen``), from the metadata installed here."""
    components = [_python_component()]
    for dist in runtime_distributions():
        name = _normalise(dist.metadata["Name"])
        notice = ""
        if name.startswith("pyside6"):
            notice = QT_NOTICE.format(version=dist.version)  # PySide6 x.y.z is built on Qt x.y.z
        elif name == "llama-cpp-python":
            notice = LLAMA_CPP_NOTICE
        component = _from_distribution(dist, notice)
        if name.startswith(("pyside6", "shiboken6")):  # offered under LGPL-3.0 or GPL; we use the LGPL
            component = Component(component.name, component.version, "LGPL-3.0-only", component.homepage,
                                  component.notice, component.text)
        components.append(component)
        if name == "llama-cpp-python":
            components.append(Component("llama.cpp", "", "MIT", "https://github.com/ggml-org/llama.cpp",
                                        LLAMA_CPP_NOTICE, component.text))
    model = _model_component()
    if model is not None:
        components.append(model)
    if frozen:
        try:
            components.append(_from_distribution(metadata.distribution("pyinstaller"),
                                                 "The program that starts this build is PyInstaller's bootloader, "
                                                 "GPL-2.0 with an exception that allows its use in any program."))
        except metadata.PackageNotFoundError:
            pass
    return components


def write_licences(path: str | Path, frozen: bool = False) -> list[Component]:
    """Write the list as JSON (the build does this; the app reads it back with :func:`load`)."""
    components = collect(frozen=frozen)
    Path(path).write_text(json.dumps([asdict(c) for c in components], ensure_ascii=False, indent=1),
                          encoding="utf-8")
    return components


def load() -> list[Component]:
    """The list the build wrote, or, when running from source or a wheel, the one the metadata gives now."""
    from desktop_gpt.resources import resource

    built = resource(LICENCES_FILE)
    if built.is_file():
        try:
            return [Component(**item) for item in json.loads(built.read_text(encoding="utf-8"))]
        except (ValueError, TypeError) as exc:
            _log.warning("the bundled licences list is unreadable (%s); reading the metadata instead", exc)
    return collect(frozen=getattr(sys, "frozen", False))
