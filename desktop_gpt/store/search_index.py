"""A local index of the Store's listing: what people see on the cards (name, description, category, author),
searchable in any language — Chinese included — and kept on disk, so a search finds what is on screen even though
the Hub itself only searches repository ids."""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop_gpt import log

_log = log.get("store")

INDEX_VERSION = 1
MAX_ENTRIES = 5000  # a Store far larger than any we know of; the oldest entries go first beyond it


@dataclass(frozen=True)
class IndexEntry:
    """One app as its card showed it (at commit ``sha``)."""

    repo_id: str
    sha: str
    name: str
    description: str
    category: str
    author: str
    likes: int = 0
    downloads: int = 0

    def haystack(self) -> str:
        return normalise(" ".join((self.name, self.description, self.category, self.repo_id, self.author)))


def normalise(text: str) -> str:
    """Case- and width-insensitive text (NFKC folds full-width letters; casefold handles ß, Σ…)."""
    return unicodedata.normalize("NFKC", text).casefold()


def terms(query: str) -> list[str]:
    """The words of a query. Chinese and Japanese have no spaces: a run of CJK text is matched as a substring,
    which is what a person typing 翻译 expects."""
    return [t for t in normalise(query).split() if t]


_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def matcher(term: str):
    """A test for one query word: the start of a word for spaced scripts ("plain" finds "plain words", not
    "explains"), anywhere for Chinese, Japanese and Korean, which have no spaces between words."""
    if _CJK.search(term):
        return lambda haystack: term in haystack
    pattern = re.compile(r"(?<!\w)" + re.escape(term))
    return lambda haystack: pattern.search(haystack) is not None


class StoreIndex:
    """The apps seen in the Store, per Hub address, in one small JSON file. Thread-safe (cards arrive on worker
    threads); saved after each change batch with ``save()``."""

    def __init__(self, path: Path, endpoint: str):
        self.path = path
        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._entries: dict[str, IndexEntry] = {}
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            _log.info("store index not read (%s); it is rebuilt as the Store is browsed", exc)
            return
        if not isinstance(raw, dict) or raw.get("version") != INDEX_VERSION:
            return
        apps = (raw.get("endpoints") or {}).get(self.endpoint) or []
        for item in apps if isinstance(apps, list) else []:
            try:
                entry = IndexEntry(**item)
            except TypeError:
                continue
            if all(isinstance(getattr(entry, f), str) for f in ("repo_id", "sha", "name", "description")):
                self._entries[entry.repo_id] = entry

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, repo_id: str) -> IndexEntry | None:
        return self._entries.get(repo_id)

    def add(self, entry: IndexEntry) -> None:
        with self._lock:
            if self._entries.get(entry.repo_id) != entry:
                self._entries.pop(entry.repo_id, None)
                self._entries[entry.repo_id] = entry  # most recent last
                while len(self._entries) > MAX_ENTRIES:
                    self._entries.pop(next(iter(self._entries)))
                self._dirty = True

    def search(self, query: str, category: str | None = None) -> list[IndexEntry]:
        """Entries whose name, description, category, id or author contain every word of ``query``, most
        downloaded first."""
        tests = [matcher(w) for w in terms(query)]
        with self._lock:
            entries = list(self._entries.values())
        found = [e for e in entries if (category is None or e.category == category)
                 and all(test(e.haystack()) for test in tests)]
        return sorted(found, key=lambda e: (-e.downloads, -e.likes, e.name))

    def save(self) -> None:
        """Write the file (atomically) when something changed; other Hub addresses' entries are kept."""
        with self._lock:
            if not self._dirty:
                return
            entries = [asdict(e) for e in self._entries.values()]
            self._dirty = False
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or raw.get("version") != INDEX_VERSION:
                raw = {}
        except (OSError, ValueError, UnicodeDecodeError):
            raw = {}
        endpoints = raw.get("endpoints") if isinstance(raw.get("endpoints"), dict) else {}
        endpoints[self.endpoint] = entries
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"version": INDEX_VERSION, "endpoints": endpoints}, ensure_ascii=False),
                           encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            _log.info("store index not saved: %s", exc)
