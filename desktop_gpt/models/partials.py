"""What a model download is and where its pieces live: the request, the .partial folder and its JSON sidecars."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop_gpt import log
from desktop_gpt.models.quant import ModelFile
from desktop_gpt.i18n import _

_log = log.get("downloads")

PARTIAL_DIR = ".partial"
PROVENANCE = ".desktop-gpt.json"  # in each <models>/<owner>/<repo>/ folder: what we downloaded there, and from where
SIDECAR_VERSION = 1
_provenance_lock = threading.Lock()


@dataclass(frozen=True)
class DownloadPart:
    """One file to fetch: its path in the repo, size and expected hashes (sha256 for LFS, git sha1 otherwise)."""

    path: str
    size: int
    sha256: str | None = None
    blob_id: str | None = None


@dataclass(frozen=True)
class DownloadRequest:
    """A model to download: one GGUF, or all parts of a split one, pinned to one commit.

    Attributes:
        repo_id: the Hub repository.
        revision: the commit (40 hex) the files and hashes were listed at.
        name: the model's file name (a split model's first part).
        quant: the quantization label, when the name has one.
        parts: the files, in order.
    """

    repo_id: str
    revision: str
    name: str
    quant: str | None
    parts: tuple[DownloadPart, ...]

    @classmethod
    def from_model_file(cls, model: ModelFile) -> "DownloadRequest":
        if model.missing:
            from desktop_gpt.errors import FileNotOnHub

            raise FileNotOnHub(
                _(
                    "'{name}' in '{repo_id}' is a split model with parts missing on the Hub (part {map}); it "
                    "cannot be downloaded."
                ).format(name=model.name, repo_id=model.repo_id, map=", ".join(map(str, model.missing))),
                repo_id=model.repo_id,
            )
        return cls(
            model.repo_id,
            model.revision,
            model.name,
            model.quant,
            tuple(DownloadPart(p.path, p.size, p.sha256, p.blob_id) for p in model.parts),
        )

    @property
    def total(self) -> int:
        return sum(p.size for p in self.parts)

    @property
    def key(self) -> str:
        """A file-name-safe id, the same for the same repo and model: ``owner--repo--file.gguf``."""
        return flat_name(self.repo_id, self.name)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["parts"] = [asdict(p) for p in self.parts]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DownloadRequest":
        parts = tuple(
            DownloadPart(str(p["path"]), int(p["size"]), p.get("sha256"), p.get("blob_id")) for p in data["parts"]
        )
        if not parts:
            raise ValueError("no parts")
        return cls(str(data["repo_id"]), str(data["revision"]), str(data["name"]), data.get("quant"), parts)


def flat_name(repo_id: str, path: str) -> str:
    """``owner--repo--file``: one file name per repo file, kept under the 255-byte limit of most file systems."""
    name = f"{repo_id}--{path}".replace("/", "--").replace("\\", "--")
    if len(name.encode("utf-8")) <= 200:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]
    return name.encode("utf-8")[:120].decode("utf-8", "ignore") + f"~{digest}"


def partial_dir(models_dir: Path) -> Path:
    return Path(models_dir) / PARTIAL_DIR


def part_file(models_dir: Path, request: DownloadRequest, part: DownloadPart) -> Path:
    """Where a part's bytes collect until they are verified: ``.partial/<owner>--<repo>--<file>.part``."""
    return partial_dir(models_dir) / (flat_name(request.repo_id, part.path) + ".part")


def sidecar_file(models_dir: Path, request: DownloadRequest) -> Path:
    return partial_dir(models_dir) / (request.key + ".json")


def lock_file(models_dir: Path, request: DownloadRequest) -> Path:
    return partial_dir(models_dir) / (request.key + ".lock")


def repo_dir(models_dir: Path, repo_id: str) -> Path:
    """Downloaded models land in ``<models>/<owner>/<repo>/``, as on the Hub (and in LM Studio)."""
    return Path(models_dir).joinpath(*repo_id.split("/"))


def target_file(models_dir: Path, request: DownloadRequest, part: DownloadPart | None = None) -> Path:
    """Where a part (default: the first, the one to load) lands once verified."""
    return repo_dir(models_dir, request.repo_id) / (part or request.parts[0]).path


def write_sidecar(
    models_dir: Path, request: DownloadRequest, etags: dict[str, str] | None = None, endpoint: str | None = None
) -> Path:
    """Record what the partial files are (repo, commit, files, sizes, hashes, etags) so any later run can resume."""
    path = sidecar_file(models_dir, request)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": SIDECAR_VERSION,
        **request.to_json(),
        "etags": etags or {},
        "endpoint": endpoint,
        "updated": time.time(),
    }
    _write_json(path, data)
    return path


def read_sidecar(path: Path) -> tuple[DownloadRequest, dict[str, str]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DownloadRequest.from_json(data), dict(data.get("etags") or {})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _log.warning("unreadable download record %s: %s", path, exc)
        return None


@dataclass(frozen=True)
class PartialDownload:
    """An unfinished download found on disk: what it is and how many bytes are already there."""

    request: DownloadRequest
    done: int
    sidecar: Path


def list_partials(models_dir: Path) -> list[PartialDownload]:
    """Every unfinished download in ``<models>/.partial`` (e.g. after a crash or quitting mid-download)."""
    folder = partial_dir(models_dir)
    found = []
    for sidecar in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        read = read_sidecar(sidecar)
        if read is None:
            continue
        request = read[0]
        done = sum(min(p.size, _size(part_file(models_dir, request, p))) for p in request.parts)
        found.append(PartialDownload(request, done, sidecar))
    return found


def discard_partial(models_dir: Path, request: DownloadRequest) -> None:
    """Delete a download's partial files and its record (cancel)."""
    for part in request.parts:
        part_file(models_dir, request, part).unlink(missing_ok=True)
    sidecar_file(models_dir, request).unlink(missing_ok=True)


def partial_bytes(models_dir: Path, request: DownloadRequest) -> int:
    return sum(min(p.size, _size(part_file(models_dir, request, p))) for p in request.parts)


def free_bytes(path: Path) -> int:
    """Free bytes on the disk holding ``path`` (its nearest existing parent)."""
    path = Path(path)
    while not path.exists() and path.parent != path:
        path = path.parent
    return shutil.disk_usage(path).free


def record_download(models_dir: Path, request: DownloadRequest) -> None:
    """Note in the repo folder that we downloaded these files (so only they may be deleted), from where, when."""
    folder = repo_dir(models_dir, request.repo_id)
    with _provenance_lock:
        data = read_provenance(folder)
        data[request.name] = {
            "repo_id": request.repo_id,
            "revision": request.revision,
            "quant": request.quant,
            "parts": [asdict(p) for p in request.parts],
            "downloaded": time.time(),
        }
        _write_json(folder / PROVENANCE, data)


def already_downloaded(models_dir: Path, request: DownloadRequest) -> Path | None:
    """The landed model when these exact files (same hashes) were downloaded before and are all still there."""
    folder = repo_dir(models_dir, request.repo_id)
    entry = read_provenance(folder).get(request.name)
    if not isinstance(entry, dict):
        return None
    had = {
        p.get("path"): (p.get("size"), p.get("sha256") or p.get("blob_id"))
        for p in entry.get("parts", [])
        if isinstance(p, dict)
    }
    for part in request.parts:
        target = target_file(models_dir, request, part)
        if had.get(part.path) != (part.size, part.sha256 or part.blob_id) or _size(target) != part.size:
            return None
    return target_file(models_dir, request)


def forget_download(folder: Path, name: str) -> None:
    with _provenance_lock:
        data = read_provenance(folder)
        if data.pop(name, None) is not None:
            _write_json(folder / PROVENANCE, data)


def read_provenance(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(folder) / PROVENANCE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
