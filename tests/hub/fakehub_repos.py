"""The fake Hub's data: repos, commits and files, and their JSON as the real Hub renders it (tests/hub/README.md §2)."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

import yaml

# Files with these endings go to LFS, as the Hub's default .gitattributes says; so does anything over the threshold.
LFS_SUFFIXES = (".gguf", ".bin", ".safetensors", ".pt", ".pth", ".onnx", ".h5", ".msgpack", ".npz", ".zip", ".tar",
                ".gz", ".zst", ".parquet", ".arrow")
LFS_THRESHOLD = 10 * 1024 * 1024

GITATTRIBUTES = b"".join(b"*%s filter=lfs diff=lfs merge=lfs -text\n" % s.encode() for s in LFS_SUFFIXES)

# What the real Hub puts in a list item when neither expand nor full is asked for.
DEFAULT_LIST_FIELDS = {
    "model": ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name",
              "createdAt", "modelId"),
    "dataset": ("_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "likes", "downloads",
                "trendingScore", "tags", "createdAt", "description"),
}
SORT_KEYS = {"downloads": "downloads", "likes": "likes", "lastModified": "lastModified", "createdAt": "createdAt",
             "trendingScore": "trendingScore", "trending_score": "trendingScore", "last_modified": "lastModified",
             "created_at": "createdAt"}

_counter = itertools.count(1)


class Refusal(Exception):
    """An answer the Hub gives as an error: a status, an X-Error-Code and a message."""

    def __init__(self, status: int, message: str, code: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


def git_blob_sha1(data: bytes) -> str:
    """The git object id of a blob: what the Hub sends as ETag / oid for a regular file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def as_datetime(value: datetime | str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def front_matter(readme: bytes | None) -> dict:
    """The YAML metadata block at the top of a README.md ({} when there is none or it is not a mapping)."""
    if not readme:
        return {}
    text = readme.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end < 0:
        return {}
    data = yaml.safe_load(text[4:end]) or {}
    return data if isinstance(data, dict) else {}


@dataclass
class Blob:
    """One file's content; an LFS file is stored in git as a pointer, its bytes served from the CDN."""

    data: bytes
    lfs: bool
    sha256: str = ""
    pointer: bytes = b""

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        if self.lfs:
            self.pointer = (f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
                            f"size {len(self.data)}\n").encode()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def oid(self) -> str:
        """The git blob id: of the pointer for LFS files, of the content otherwise."""
        return git_blob_sha1(self.pointer if self.lfs else self.data)

    @property
    def content_sha1(self) -> str:
        return git_blob_sha1(self.data)


@dataclass
class Commit:
    sha: str
    parent: str | None
    files: dict[str, Blob]
    title: str
    date: datetime
    author: str


@dataclass
class Repo:
    """A repository with its history. ``branches`` maps a branch name to a commit sha; old commits stay."""

    repo_id: str
    repo_type: str = "model"
    author: str = ""
    private: bool = False
    gated: bool | str = False
    likes: int = 0
    downloads: int = 0
    trending_score: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    tags: list[str] = field(default_factory=list)
    card_data: dict | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    gguf: dict | None = None
    extra: dict = field(default_factory=dict)
    access: set[str] = field(default_factory=set)
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    mongo_id: str = ""

    def __post_init__(self) -> None:
        self.author = self.author or self.repo_id.split("/")[0]
        self.mongo_id = self.mongo_id or hashlib.md5(self.repo_id.encode()).hexdigest()[:24]
        if self.gated is True:
            self.gated = "auto"

    @property
    def namespace(self) -> str:
        return self.repo_id.split("/")[0] if "/" in self.repo_id else self.repo_id

    def resolve(self, revision: str) -> Commit | None:
        """The commit a branch name or a full commit sha names; None when neither."""
        sha = self.branches.get(revision, revision)
        return self.commits.get(sha)

    def head(self, branch: str = "main") -> Commit:
        return self.commits[self.branches[branch]]

    def add_commit(self, files: dict[str, Blob], title: str, date: datetime, branch: str = "main") -> Commit:
        parent = self.branches.get(branch)
        digest = hashlib.sha1(f"{self.repo_id}\0{parent}\0{title}\0{next(_counter)}".encode())
        for path in sorted(files):
            digest.update(f"{path}\0{files[path].oid}\0".encode())
        commit = Commit(digest.hexdigest(), parent, files, title, date, self.namespace)
        self.commits[commit.sha] = commit
        self.branches[branch] = commit.sha
        return commit

    def history(self, commit: Commit) -> list[Commit]:
        chain = [commit]
        while chain[-1].parent:
            chain.append(self.commits[chain[-1].parent])
        return chain

    # -- what the Hub derives from the files ------------------------------------------------------------------
    def card(self, commit: Commit) -> dict:
        if self.card_data is not None:
            return dict(self.card_data)
        readme = commit.files.get("README.md")
        return front_matter(readme.data if readme else None)

    def derived_tags(self, commit: Commit) -> list[str]:
        """Explicit tags, then the README's ``tags:``, then the ones the Hub adds (library, license, gguf)."""
        card = self.card(commit)
        card_tags = card.get("tags") or []
        if isinstance(card_tags, str):
            card_tags = [card_tags]
        tags: list[str] = [*self.tags, *(str(t) for t in card_tags)]
        library = self.library_of(commit)
        if library:
            tags.append(library)
        if any(path.endswith(".gguf") for path in commit.files):
            tags.append("gguf")
        pipeline = self.pipeline_of(commit)
        if pipeline:
            tags.append(pipeline)
        if card.get("license"):
            tags.append(f"license:{card['license']}")
        return list(dict.fromkeys(tags))

    def library_of(self, commit: Commit) -> str | None:
        if self.library_name:
            return self.library_name
        if self.card(commit).get("library_name"):
            return str(self.card(commit)["library_name"])
        if any(path.endswith(".gguf") for path in commit.files):
            return "gguf"
        return None

    def pipeline_of(self, commit: Commit) -> str | None:
        return self.pipeline_tag or self.card(commit).get("pipeline_tag")

    def last_change(self, commit: Commit, path: str, folder: bool = False) -> Commit:
        """The newest commit in ``commit``'s history that changed ``path`` (or anything under it)."""
        def view(c: Commit) -> dict:
            if not folder:
                blob = c.files.get(path)
                return {path: blob.oid if blob else None}
            prefix = path.rstrip("/") + "/" if path else ""
            return {p: b.oid for p, b in c.files.items() if p.startswith(prefix)}

        chain = self.history(commit)
        for current, older in zip(chain, chain[1:]):
            if view(current) != view(older):
                return current
        return chain[-1]

    # -- JSON --------------------------------------------------------------------------------------------------
    def info_json(self, commit: Commit, *, blobs: bool = False, siblings: bool = True) -> dict[str, Any]:
        """Every key the Hub sends for this repo at ``commit`` (model_info / dataset_info / full listing)."""
        main = self.head() if "main" in self.branches else commit
        card = self.card(commit)
        data: dict[str, Any] = {
            "_id": self.mongo_id,
            "id": self.repo_id,
            "author": self.author,
            "sha": commit.sha,
            "lastModified": iso(main.date),
            "createdAt": iso(self.created_at),
            "private": self.private,
            "gated": self.gated,
            "disabled": False,
            "downloads": self.downloads,
            "downloadsAllTime": self.downloads,
            "likes": self.likes,
            "trendingScore": self.trending_score,
            "tags": self.derived_tags(commit),
            "cardData": card or None,
            "usedStorage": sum(b.size for b in commit.files.values()),
        }
        if self.repo_type == "model":
            data.update({
                "modelId": self.repo_id,
                "pipeline_tag": self.pipeline_of(commit),
                "library_name": self.library_of(commit),
                "config": {},
                "spaces": [],
                "widgetData": [],
                "transformersInfo": None,
                "model-index": None,
            })
            if self.gguf is not None:
                data["gguf"] = dict(self.gguf)
        else:
            data["description"] = str(card.get("description") or card.get("pretty_name") or "")
            data["citation"] = None
            data["paperswithcode_id"] = None
        if siblings:
            data["siblings"] = [self.sibling_json(path, blob, blobs) for path, blob in sorted(commit.files.items())]
        data.update(self.extra)
        return data

    @staticmethod
    def sibling_json(path: str, blob: Blob, blobs: bool) -> dict[str, Any]:
        item: dict[str, Any] = {"rfilename": path}
        if blobs:
            item.update({"blobId": blob.oid, "size": blob.size})
            if blob.lfs:
                item["lfs"] = {"sha256": blob.sha256, "size": blob.size, "pointerSize": len(blob.pointer)}
        return item

    def list_item(self, commit: Commit, *, expand: Iterable[str] = (), full: bool = False,
                  card_data: bool = False, config: bool = False) -> dict[str, Any]:
        everything = self.info_json(commit, siblings=full or "siblings" in expand)
        wanted = set(expand)
        if not wanted:
            wanted = set(everything) if full else set(DEFAULT_LIST_FIELDS[self.repo_type])
            if card_data:
                wanted.add("cardData")
            if config:
                wanted.add("config")
        wanted |= {"_id", "id"}
        return {key: value for key, value in everything.items() if key in wanted}

    def tree_json(self, commit: Commit, path: str, blob: Blob | None, expand: bool) -> dict[str, Any]:
        if blob is None:
            item: dict[str, Any] = {"type": "directory", "size": 0, "path": path,
                                    "oid": hashlib.sha1(f"{commit.sha}:{path}".encode()).hexdigest()}
        else:
            item = {"type": "file", "oid": blob.oid, "size": blob.size, "path": path}
            if blob.lfs:
                item["lfs"] = {"oid": blob.sha256, "size": blob.size, "pointerSize": len(blob.pointer)}
        if expand:
            changed = self.last_change(commit, path, folder=blob is None)
            item["lastCommit"] = {"id": changed.sha, "title": changed.title, "date": iso(changed.date)}
            if blob is not None:
                item["securityFileStatus"] = {"status": "safe", "avScan": {"status": "safe"},
                                              "pickleImportScan": {"status": "unscanned"}}
        return item

    def tree(self, commit: Commit, path: str, recursive: bool, expand: bool) -> list[dict] | None:
        """The /tree listing under ``path`` (folders first, like the Hub); None when ``path`` is not a folder."""
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        under = {p: b for p, b in commit.files.items() if p.startswith(prefix)}
        if prefix and not under:
            return None
        folders: set[str] = set()
        files: list[str] = []
        for p in under:
            rest = p[len(prefix):].split("/")
            if len(rest) == 1:
                files.append(p)
            else:
                depth = len(rest) - 1 if recursive else 1
                for i in range(1, depth + 1):
                    folders.add(prefix + "/".join(rest[:i]))
                if recursive:
                    files.append(p)
        entries = [self.tree_json(commit, f, None, expand) for f in sorted(folders)]
        entries += [self.tree_json(commit, f, under[f], expand) for f in sorted(files)]
        return entries

    def commit_json(self, commit: Commit) -> dict[str, Any]:
        return {"id": commit.sha, "title": commit.title, "message": "", "date": iso(commit.date),
                "authors": [{"user": commit.author}]}
