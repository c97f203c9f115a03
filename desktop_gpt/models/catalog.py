"""The Hub's GGUF catalogue: search GGUF repos, list every GGUF file of one repo, and the curated recommended list."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any


from desktop_gpt.errors import HubProtocolError
from desktop_gpt.models.quant import HubFile, ModelFile, group_files
from desktop_gpt.resources import resource
from desktop_gpt.store import hf
from desktop_gpt.store.hub import HubConfig, check_repo_id, hub_errors, is_safe_repo_path, quick_get
from desktop_gpt.i18n import _

# What people call the orders → what HfApi.list_models takes.
SORTS = {"downloads": "downloads", "likes": "likes", "updated": "last_modified", "last_modified": "last_modified",
         "lastModified": "last_modified", "trending": "trending_score"}
_HUB_SORT = {"last_modified": "lastModified", "trending_score": "trendingScore"}  # the API's own names
_EXPAND = ["author", "downloads", "likes", "lastModified", "gated", "tags", "pipeline_tag", "gguf"]
# What people paste: owner/repo, owner/repo@Q4_K_M (LM Studio), hf.co/owner/repo:Q4_K_M (Ollama), or a Hub web
# address (…/owner/repo, …/blob/<rev>/<file>, …/resolve/<rev>/<file>).
_REF = re.compile(r"^(?:https?://[^/\s]+/|(?:www\.)?(?:huggingface\.co|hf\.co|hf-mirror\.com)/)?"
                  r"(?P<repo>[\w.-]+/[\w.-]+?)"
                  r"(?:(?:/(?:blob|resolve|tree)/(?P<rev>[^/]+)(?:/(?P<file>.+?))?)|[:@](?P<quant>[\w.-]+))?/?"
                  r"(?:\?.*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class RepoSummary:
    """One GGUF repository in search results."""

    repo_id: str
    author: str
    downloads: int
    likes: int
    last_modified: datetime | None
    gated: bool
    license: str | None
    tags: tuple[str, ...] = ()
    parameters: int | None = None
    architecture: str | None = None


@dataclass(frozen=True)
class RepoFiles:
    """Every GGUF model of a repo at one commit, with what the Hub knows of the model.

    Attributes:
        repo_id, commit: the repository and the commit listed (downloads pin it).
        files: ModelFiles (split models as one), smallest first; projectors (mmproj) last.
        gated: the repo asks users to accept conditions (a token with access is needed to download).
        license: from the model card, when given.
        parameters, architecture, context_length: from the Hub's GGUF summary, when given.
    """

    repo_id: str
    commit: str
    files: tuple[ModelFile, ...]
    gated: bool = False
    license: str | None = None
    parameters: int | None = None
    architecture: str | None = None
    context_length: int | None = None

    def models(self) -> list[ModelFile]:
        """The chat-model files (no projectors)."""
        return [f for f in self.files if not f.projector]


def search(config: HubConfig, text: str = "", *, sort: str = "downloads", limit: int = 30) -> list[RepoSummary]:
    """GGUF repositories whose name contains ``text``, most downloaded (or liked, or recently updated) first."""
    order = SORTS.get(sort)
    if order is None:
        from desktop_gpt.errors import ToolInputError

        raise ToolInputError(_("Unknown sort order '{sort}': choose downloads, likes or updated.").format(sort=sort))
    params: list[tuple[str, Any]] = [("filter", "gguf")]
    if text.strip():
        params.append(("search", text.strip()))
    params += [("sort", _HUB_SORT.get(order, order)), ("limit", limit)] + [("expand", e) for e in _EXPAND]
    with hub_errors(config):
        # One page, one short retry (not the client's ~23 s of retries): a person is waiting for this list.
        items = quick_get(config, f"{config.endpoint}/api/models", params=params).json()
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        raise HubProtocolError(
            _(
                "The server at {endpoint} did not answer like a Hugging Face Hub (the list of models was not a "
                "list of repositories)."
            ).format(endpoint=config.endpoint)
        )
    return [_summary(hf.hf_api.ModelInfo(**item)) for item in items]


def _summary(info: Any) -> RepoSummary:
    tags = tuple(info.tags or ())
    license_ = next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None)
    gguf = getattr(info, "gguf", None) or {}
    return RepoSummary(
        info.id,
        info.author or info.id.split("/")[0],
        int(info.downloads or 0),
        int(info.likes or 0),
        info.last_modified,
        bool(info.gated),
        license_,
        tags,
        _int(gguf.get("total")),
        gguf.get("architecture"),
    )


@dataclass(frozen=True)
class RepoRef:
    """What a person typed or pasted to name a model: the repo, and maybe a file, a quantization or a revision."""

    repo_id: str
    filename: str | None = None
    quant: str | None = None
    revision: str | None = None


def parse_ref(text: str) -> RepoRef:
    """``owner/repo``, ``owner/repo@Q4_K_M``, ``hf.co/owner/repo:Q4_K_M`` or a Hub web address → RepoRef.

    Raises ToolInputError in words for anything else.
    """
    from urllib.parse import unquote

    from desktop_gpt.errors import ToolInputError

    match = _REF.match(text.strip())
    if not match:
        raise ToolInputError(
            _(
                "'{text}' is not a Hub repository: write it as owner/name (for example "
                "Qwen/Qwen2.5-1.5B-Instruct-GGUF) or paste its web address."
            ).format(text=text.strip())
        )
    file = unquote(match.group("file")) if match.group("file") else None
    quant = match.group("quant")
    if quant and quant.lower().endswith(".gguf"):
        file, quant = quant, None
    revision = unquote(match.group("rev")) if match.group("rev") else None
    if revision == "main":
        revision = None
    return RepoRef(match.group("repo"), file, quant.upper() if quant else None, revision)


def repo_files(config: HubConfig, repo_id: str, revision: str | None = None) -> RepoFiles:
    """Every GGUF file of ``repo_id`` with size and LFS sha256, split parts grouped, pinned to one commit.

    The repo id the Hub answers with must be the one asked for, and a file name that could not be a path inside
    the models folder (``..``, ``\\``, ``:``) is left out: both become paths on this computer.
    """
    check_repo_id(repo_id)
    with hub_errors(config, repo_id=repo_id, revision=revision):
        info = config.api().model_info(repo_id, revision=revision, files_metadata=True)
    repo_id = check_repo_id(info.id or repo_id, repo_id)
    commit = info.sha or revision or "main"
    files = [
        HubFile(
            s.rfilename, int(s.size or (s.lfs.size if s.lfs else 0) or 0), s.lfs.sha256 if s.lfs else None, s.blob_id
        )
        for s in (info.siblings or [])
        if is_safe_repo_path(s.rfilename)
    ]
    card = info.card_data.to_dict() if info.card_data is not None else {}
    license_ = card.get("license") or next(
        (t.split(":", 1)[1] for t in (info.tags or []) if t.startswith("license:")), None
    )
    gguf = info.gguf or {}
    return RepoFiles(
        repo_id=repo_id,
        commit=commit,
        files=tuple(group_files(repo_id, commit, files)),
        gated=bool(info.gated),
        license=license_ if isinstance(license_, str) else None,
        parameters=_int(gguf.get("total")),
        architecture=gguf.get("architecture"),
        context_length=_int(gguf.get("context_length")),
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def pick(files: RepoFiles, *, filename: str | None = None, quant: str | None = None) -> ModelFile:
    """The model a person asked for by file name or quantization; default: Q4_K_M, else the only one.

    Raises FileNotOnHub / ToolInputError naming what there is.
    """
    from desktop_gpt.errors import FileNotOnHub, ToolInputError

    models = files.models() or list(files.files)
    if not models:
        raise FileNotOnHub(
            _("'{repo_id}' has no GGUF model files.").format(repo_id=files.repo_id), repo_id=files.repo_id
        )
    labels = ", ".join(sorted({m.quant or m.name for m in models}))
    if filename:
        wanted = filename.strip().rsplit("/", 1)[-1].lower()
        for m in models:
            names = {m.name.lower(), m.path.lower()} | {p.path.rsplit("/", 1)[-1].lower() for p in m.parts}
            if wanted in names:
                return m
        raise FileNotOnHub(
            _("'{filename}' is not a GGUF model in '{repo_id}'. It has: ").format(
                filename=filename, repo_id=files.repo_id
            )
            + ", ".join(m.name for m in models)
            + ".",
            repo_id=files.repo_id,
        )
    if quant:
        matches = [m for m in models if (m.quant or "").upper() == quant.strip().upper()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise FileNotOnHub(
                _("'{repo_id}' has no {quant} file. Quantizations: {labels}.").format(
                    repo_id=files.repo_id, quant=quant.upper(), labels=labels
                ),
                repo_id=files.repo_id,
            )
        raise ToolInputError(
            _("'{repo_id}' has several {quant} files; choose one with --file: ").format(
                repo_id=files.repo_id, quant=quant.upper()
            )
            + ", ".join(m.name for m in matches)
            + "."
        )
    if len(models) == 1:
        return models[0]
    default = [m for m in models if m.quant == "Q4_K_M"]
    if len(default) == 1:
        return default[0]
    raise ToolInputError(
        _("'{repo_id}' has {models} GGUF files; choose a quantization ({labels}) or a file.").format(
            repo_id=files.repo_id, models=len(models), labels=labels
        )
    )


@dataclass(frozen=True)
class Recommended:
    """A curated model: a real Hub repo and file, what it is good at, and what it needs.

    ``size`` and ``ram`` are approximate bytes (the exact size comes from the Hub when listing the repo).
    """

    id: str
    name: str
    repo_id: str
    file: str
    quant: str
    size: int
    ram: int
    parameters: str
    good_at: str
    languages: tuple[str, ...]
    license: str
    chinese: bool = False
    parts: tuple[str, ...] = field(default=())

    @property
    def parameter_count(self) -> int | None:
        """``parameters`` ("7.6B", "135M") as a number."""
        text = self.parameters.strip().upper()
        scale = {"B": 1e9, "M": 1e6}.get(text[-1:])
        try:
            return int(float(text[:-1]) * scale) if scale else None
        except ValueError:
            return None


@lru_cache(maxsize=1)
def recommended() -> tuple[Recommended, ...]:
    """The curated list (desktop_gpt/resources/models/recommended.json), smallest first."""
    raw = json.loads(resource("models", "recommended.json").read_text(encoding="utf-8"))
    items = []
    for entry in raw["models"]:
        entry = dict(entry)
        entry["languages"] = tuple(entry.get("languages", ()))
        entry["parts"] = tuple(entry.get("parts", ()))
        entry["size"] = int(float(entry.pop("size_gb")) * 1e9)
        entry["ram"] = int(float(entry.pop("ram_gb")) * 1e9)
        items.append(Recommended(**entry))
    return tuple(sorted(items, key=lambda r: r.size))
