"""Installed models: GGUF files in the models folder, the Hugging Face cache and the user's folders, used in place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from desktop_gpt import log
from desktop_gpt.errors import DesktopGPTError, FileAccessError, ModelLoadError, ModelNotInstalled
from desktop_gpt.models import partials
from desktop_gpt.models.fit import MemoryEstimate, estimate_local, estimate_remote, overhead
from desktop_gpt.models.gguf import read_gguf
from desktop_gpt.models.local import bundled_model
from desktop_gpt.models.quant import parse_quant, shard_name, shard_path
from desktop_gpt.paths import AppPaths, app_paths, inside
from desktop_gpt.settings import Settings, save_settings
from desktop_gpt.i18n import N_, _

_log = log.get("models")

# Where a model was found. Only "downloaded" files are ours to delete; the others are removed from the list.
DOWNLOADED, HF_CACHE, FOLDER, BUNDLED, OPENED = "downloaded", "huggingface-cache", "folder", "bundled", "opened"
SOURCE_LABELS = {DOWNLOADED: N_("Downloaded"), HF_CACHE: N_("Hugging Face cache"), FOLDER: N_("Your folder"),
                 BUNDLED: N_("Bundled with the app"), OPENED: N_("Opened file")}
_MAX_DEPTH = 6  # how deep to look inside a folder the user added


@dataclass(frozen=True)
class InstalledModel:
    """A GGUF model on this computer and what its header says.

    Attributes:
        name: the file name (a split model's first part).
        path: the file to load (the first part of a split model).
        parts: every file of the model (one unless split).
        size: bytes of all parts.
        source: "downloaded", "huggingface-cache", "folder", "bundled" or "opened"; ``source_label`` in words.
        repo_id: the Hub repository it came from, when known.
        architecture, parameters, quantization, context_length, license, layers: from the GGUF header (None when
            unknown); ``quantization`` falls back to the file name's label.
        is_default: it is settings.model_path (or the bundled model when none is set).
        problem: why it cannot be used (unreadable, truncated, parts missing), else "".
        kv_bytes_per_token: KV-cache bytes per token of context, for the fit estimate (None if unknown).
    """

    name: str
    path: Path
    parts: tuple[Path, ...]
    size: int
    source: str
    repo_id: str | None = None
    architecture: str | None = None
    parameters: int | None = None
    quantization: str | None = None
    context_length: int | None = None
    license: str | None = None
    layers: int | None = None
    is_default: bool = False
    problem: str = ""
    kv_bytes_per_token: int | None = field(default=None, repr=False)

    @property
    def source_label(self) -> str:
        return _(SOURCE_LABELS.get(self.source, self.source))

    @property
    def deletable(self) -> bool:
        """True when deleting removes the file; otherwise "remove from list" hides it and leaves the file."""
        return self.source == DOWNLOADED

    @property
    def usable(self) -> bool:
        return not self.problem

    def estimate(self, context_size: int) -> MemoryEstimate:
        """Memory at ``context_size`` tokens (from the header when it could be read)."""
        if self.kv_bytes_per_token:
            context = min(context_size, self.context_length or context_size)
            return MemoryEstimate(self.size, self.kv_bytes_per_token * context, overhead(self.size), context,
                                  self.parameters, True)
        return estimate_remote(self.size, context_size, quant=self.quantization, parameters=self.parameters)


class ModelLibrary:
    """Finds installed models and manages them (default, delete, hide, extra folders)."""

    def __init__(self, settings: Settings, paths: AppPaths | None = None, *, hf_cache: Path | str | None = None):
        self.settings = settings
        self.paths = paths or app_paths()
        self.hf_cache = hf_cache  # None: huggingface_hub's own (HF_HUB_CACHE)

    @property
    def models_dir(self) -> Path:
        return self.paths.models

    def scan(self) -> list[InstalledModel]:
        """Every model found, the default first, then by name. Reads only headers (fast)."""
        hidden = {os.path.normcase(str(Path(p).expanduser())) for p in self.settings.hidden_models}
        seen: set[str] = set()
        found: list[InstalledModel] = []

        def add(path: Path, source: str, repo_id: str | None = None) -> None:
            key = _identity(path)
            if key in seen or os.path.normcase(str(path)) in hidden:
                return
            shard = shard_name(path.name)
            if shard is not None and shard.index != 1:
                return  # listed through its first part
            seen.add(key)
            found.append(self._describe(path, source, repo_id))

        for path, repo_id in self._downloaded():
            add(path, DOWNLOADED, repo_id)
        for path, repo_id in self._hf_cache():
            add(path, HF_CACHE, repo_id)
        for folder in self.settings.model_folders:
            for path in _gguf_files(Path(folder).expanduser()):
                add(path, FOLDER)
        bundled = bundled_model()
        if bundled is not None:
            add(bundled, BUNDLED)
        if self.settings.model_path:
            configured = Path(self.settings.model_path).expanduser()
            if configured.is_file():
                add(configured, OPENED)
        default = self.default_path()
        marked = [_with_default(m, default) for m in found]
        marked.sort(key=lambda m: (not m.is_default, bool(m.problem), m.name.lower()))
        return marked

    def default_path(self) -> Path | None:
        if self.settings.model_path:
            return Path(self.settings.model_path).expanduser()
        return bundled_model()

    def find(self, name: str, models: Iterable[InstalledModel] | None = None) -> InstalledModel:
        """The model a person named: its file name, name without .gguf, a unique part of it, or its path."""
        models = list(models if models is not None else self.scan())
        wanted = name.strip()
        exact = [m for m in models if wanted in (m.name, str(m.path), m.name.removesuffix(".gguf"))
                 or (m.repo_id and wanted in (m.repo_id, f"{m.repo_id}/{m.name}"))]
        if len(exact) == 1:
            return exact[0]
        lowered = wanted.lower()
        partial = exact or [m for m in models if lowered in m.name.lower() or lowered in str(m.path).lower()]
        if len(partial) == 1:
            return partial[0]
        if not partial:
            raise ModelNotInstalled(_("No installed model is called '{name}'. See the list with: desktop-gpt models "
                                      "list").format(name=name))
        raise ModelNotInstalled(
            _("Several installed models match '{name}': ").format(name=name)
            + ", ".join(str(m.path) for m in partial)
            + _(". Give more of the name or the path.")
        )

    def set_default(self, model: InstalledModel, *, save: bool = True) -> None:
        """Make ``model`` the one loaded at start (settings.model_path)."""
        if model.problem:
            raise ModelLoadError(_("{name} cannot be used: {problem}").format(name=model.name, problem=model.problem))
        self.settings.set("model_path", str(model.path))
        if save:
            save_settings(self.settings, self.paths)

    def remove(self, model: InstalledModel, *, save: bool = True) -> str:
        """Delete a downloaded model's files; any other is only removed from the list. Returns what was done, in words.

        The file of a model that is loaded may be deleted (on Linux and macOS the engine keeps its copy until it
        unloads); Windows refuses, which is reported.
        """
        was_default = self.default_path() is not None and _identity(self.default_path()) == _identity(model.path)
        if model.deletable:
            for part in model.parts:  # only files in our models folder are ever deleted
                inside(self.models_dir, part, f"A part of {model.name}")
            try:
                for part in model.parts:
                    part.unlink(missing_ok=True)
            except OSError as exc:
                raise FileAccessError(
                    _(
                        "{name} could not be deleted: {strerror}. If it is loaded, switch to another model first."
                    ).format(name=model.name, strerror=exc.strerror or exc)
                ) from None
            repo_folder = partials.repo_dir(self.models_dir, model.repo_id) if model.repo_id else model.path.parent
            partials.forget_download(repo_folder, model.name)
            _remove_empty(model.path.parent, self.models_dir)
            from desktop_gpt.engine.states import forget_model  # noqa: PLC0415 - files only, no llama.cpp

            forget_model(self.paths.states, model.path)
            done = f"Deleted {model.name} ({_size_words(model.size)})."
        else:
            hidden = list(self.settings.hidden_models)
            if str(model.path) not in hidden:
                hidden.append(str(model.path))
            self.settings.set("hidden_models", hidden)
            done = f"Removed {model.name} from the list; the file stays at {model.path}."
        if was_default and self.settings.model_path:
            self.settings.set("model_path", None)
        if save:
            save_settings(self.settings, self.paths)
        return done

    def add_folder(self, folder: Path | str, *, save: bool = True) -> None:
        folder = str(Path(folder).expanduser())
        if not Path(folder).is_dir():
            raise FileAccessError(_("{folder} is not a folder.").format(folder=folder))
        if folder not in self.settings.model_folders:
            self.settings.set("model_folders", [*self.settings.model_folders, folder])
        if save:
            save_settings(self.settings, self.paths)

    # -- finding --------------------------------------------------------------------------------------------------
    def _downloaded(self) -> Iterable[tuple[Path, str | None]]:
        root = self.models_dir
        if not root.is_dir():
            return
        for path in _gguf_files(root, skip={partials.PARTIAL_DIR}):
            rel = path.relative_to(root).parts
            repo_id = f"{rel[0]}/{rel[1]}" if len(rel) >= 3 else None
            yield path, repo_id

    def _hf_cache(self) -> Iterable[tuple[Path, str | None]]:
        from huggingface_hub import constants, scan_cache_dir
        from huggingface_hub.errors import CacheNotFound

        try:  # the constant, read now: scan_cache_dir's default was bound when the library was imported
            info = scan_cache_dir(self.hf_cache or constants.HF_HUB_CACHE)
        except CacheNotFound:
            return
        except (OSError, ValueError) as exc:
            _log.warning("could not read the Hugging Face cache: %s", exc)
            return
        for repo in sorted(info.repos, key=lambda r: r.repo_id):
            if repo.repo_type != "model":
                continue
            newest = sorted(repo.revisions, key=lambda r: r.last_modified, reverse=True)
            names: set[str] = set()
            for revision in newest:
                for file in sorted(revision.files, key=lambda f: f.file_name):
                    if file.file_name.lower().endswith(".gguf") and file.file_name not in names:
                        names.add(file.file_name)  # the newest revision's copy of each file
                        yield Path(file.file_path), repo.repo_id

    def _describe(self, path: Path, source: str, repo_id: str | None) -> InstalledModel:
        parts, missing = _parts_of(path)
        size = sum(_size(p) for p in parts)
        base = dict(
            name=path.name,
            path=path,
            parts=tuple(parts),
            size=size,
            source=source,
            repo_id=repo_id,
            quantization=parse_quant(path.name),
        )
        if missing:
            return InstalledModel(
                **base, problem=f"parts {', '.join(map(str, missing))} of this split model are missing"
            )
        try:
            info = read_gguf(path)
            params = info.parameters
            for extra in parts[1:]:
                params += read_gguf(extra, check_size=False).parameters
        except DesktopGPTError as exc:
            return InstalledModel(**base, problem=str(exc))
        return InstalledModel(
            **{**base, "quantization": info.quantization or base["quantization"]},
            architecture=info.architecture,
            parameters=params or None,
            context_length=_int(info.context_length),
            license=_text(info.license),
            layers=_int(info.block_count),
            kv_bytes_per_token=info.kv_bytes_per_token(),
        )


def estimate_file(path: Path | str, context_size: int) -> MemoryEstimate:
    """Memory a GGUF file needs at ``context_size`` (every part of a split model counted); ModelLoadError in words
    when it is not a usable model. For the "will it fit?" warning before loading any file."""
    path = Path(path)
    parts, missing = _parts_of(path)
    if missing:
        raise ModelLoadError(
            _("{name} is part of a split model whose parts {map} are missing.").format(
                name=path.name, map=", ".join(map(str, missing))
            )
        )
    info = read_gguf(path)
    return estimate_local(info, context_size, weights=sum(_size(p) for p in parts))


def _with_default(model: InstalledModel, default: Path | None) -> InstalledModel:
    if default is None or _identity(default) != _identity(model.path):
        return model
    from dataclasses import replace

    return replace(model, is_default=True)


def _parts_of(path: Path) -> tuple[list[Path], list[int]]:
    shard = shard_name(path.name)
    if shard is None:
        return [path], []
    parts, missing = [], []
    for i in range(1, shard.count + 1):
        candidate = path.with_name(shard_path(shard.base, i, shard.count))
        (parts if candidate.exists() else missing).append(candidate if candidate.exists() else i)
    return parts, missing  # type: ignore[return-value]


def _gguf_files(folder: Path, skip: set[str] = frozenset()) -> Iterable[Path]:
    if not folder.is_dir():
        return
    base_depth = len(folder.parts)
    for root, dirs, files in os.walk(folder):
        dirs[:] = [
            d
            for d in sorted(dirs)
            if d not in skip and not d.startswith(".") and len(Path(root).parts) - base_depth < _MAX_DEPTH
        ]
        for name in sorted(files):
            if name.lower().endswith(".gguf") and not name.startswith("."):
                yield Path(root) / name


def _identity(path: Path) -> str:
    try:
        return os.path.normcase(str(Path(path).resolve()))
    except OSError:
        return os.path.normcase(str(path))


def _remove_empty(folder: Path, root: Path) -> None:
    """Remove the repo folders a deletion left empty (but never the models folder itself)."""
    folder, root = folder.resolve(), root.resolve()
    while folder != root and root in folder.parents:
        leftovers = [p for p in folder.iterdir() if p.name != partials.PROVENANCE]
        if leftovers:
            return
        for p in folder.iterdir():
            p.unlink(missing_ok=True)
        folder.rmdir()
        folder = folder.parent


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _int(value) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _size_words(n: int) -> str:
    from desktop_gpt.models.fit import human_size

    return human_size(n)
