"""The Store's catalogue on the Hub: search and pages of apps, their cards, the Featured shelves, an app's page."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


from desktop_gpt import log
from desktop_gpt.errors import FileNotOnHub, HubProtocolError, RepoNotFound, RevisionNotFound
from desktop_gpt.store import app_files
from desktop_gpt.store.app_format import (
    APP_TAG,
    CATEGORIES,
    CATEGORY_TAG_PREFIX,
    MANIFEST_FILE,
    MAX_ICON_BYTES,
    MAX_MANIFEST_BYTES,
    AppManifest,
    check_icon,
    parse_manifest,
)
from desktop_gpt.store import hf
from desktop_gpt.store.hub import HubConfig, hub_errors, quick_get
from desktop_gpt.store.library import strip_front_matter
from desktop_gpt.store.token import origin_of
from desktop_gpt.i18n import _

_log = log.get("store")

SORTS = ("downloads", "likes", "updated")
_HUB_SORT = {"downloads": "downloads", "likes": "likes", "updated": "lastModified"}
_EXPAND = ["author", "sha", "lastModified", "likes", "downloads", "tags", "gated", "private"]
PAGE_SIZE = 24
_COMMIT = re.compile(r"[0-9a-f]{40}")
FEATURED_FILE = "featured.json"
FEATURED_REPO_TYPE = "dataset"


@dataclass(frozen=True)
class AppListing:
    """One app as the Hub lists it (no app.json yet: see fetch_card).

    Attributes:
        sha: the commit main points to; the card and an install are read at this commit.
        updated: when the repo last changed (None when the Hub did not say).
        category: from the repo's ``category:<name>`` tag (None when it has none or an unknown one).
    """

    repo_id: str
    author: str
    sha: str | None
    likes: int
    downloads: int
    updated: datetime | None
    tags: tuple[str, ...]
    category: str | None
    gated: bool
    private: bool

    @property
    def repo_name(self) -> str:
        return self.repo_id.split("/")[-1]

    @classmethod
    def from_info(cls, info: "hf.hf_api.ModelInfo") -> "AppListing":
        tags = tuple(info.tags or ())
        return cls(repo_id=info.id, author=info.author or info.id.split("/")[0], sha=info.sha,
                   likes=int(info.likes or 0), downloads=int(info.downloads or 0), updated=info.last_modified,
                   tags=tags, category=category_of(tags), gated=bool(info.gated), private=bool(info.private))


@dataclass(frozen=True)
class AppCard:
    """What a Store card shows beyond the listing: the app's own name, description and icon at that commit."""

    repo_id: str
    sha: str
    manifest: AppManifest
    icon_path: Path | None

    name = property(lambda self: self.manifest.name)
    description = property(lambda self: self.manifest.description)


@dataclass(frozen=True)
class FeaturedShelf:
    """A row of the Featured section: a heading and its apps, in the curated order."""

    heading: str
    apps: tuple[AppListing, ...]


@dataclass(frozen=True)
class AppDetails:
    """Everything the app page shows before install: the full manifest (instructions included), README, icon.

    Attributes:
        readme: README.md without its YAML front matter ("" when the app has none).
        icon_path: the icon in the download cache (read-only), or None.
        url: the app's page on the Hub.
    """

    listing: AppListing
    manifest: AppManifest
    readme: str
    icon_path: Path | None
    sha: str
    url: str


def category_of(tags: tuple[str, ...] | list[str]) -> str | None:
    for tag in tags:
        if tag.startswith(CATEGORY_TAG_PREFIX) and tag[len(CATEGORY_TAG_PREFIX):] in CATEGORIES:
            return tag[len(CATEGORY_TAG_PREFIX):]
    return None


class AppSearch:
    """One Store query, read a page at a time: each ``next_page()`` is one request to the Hub (blocking).

    The Hub filters by the ``desktop-gpt-app`` tag (and ``category:<name>``), searches repo names, and sorts
    (always highest first). Make a new AppSearch for a new query.
    """

    def __init__(self, config: HubConfig, text: str = "", *, category: str | None = None,
                 sort: str = "downloads", page_size: int = PAGE_SIZE):
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}")
        if category is not None and category not in CATEGORIES:
            raise ValueError(f"category must be one of {CATEGORIES}")
        self.config, self.text, self.category, self.sort = config, text.strip(), category, sort
        params: list[tuple[str, Any]] = [("filter", APP_TAG)]
        if category:
            params.append(("filter", CATEGORY_TAG_PREFIX + category))
        if self.text:
            params.append(("search", self.text))
        params += [("sort", _HUB_SORT[sort]), ("limit", page_size)] + [("expand", e) for e in _EXPAND]
        self._url: str | None = f"{config.endpoint}/api/models"
        self._params: list[tuple[str, Any]] | None = params
        self.pages = 0

    @property
    def done(self) -> bool:
        """True when the Hub has no more pages for this query."""
        return self._url is None

    def next_page(self) -> list[AppListing]:
        """The next page of apps ([] once done); raises a HubError in words."""
        if self._url is None:
            return []
        with hub_errors(self.config):
            response = quick_get(self.config, self._url, params=self._params)
            items = response.json()
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str)
                                                  for i in items):
            raise HubProtocolError(
                _(
                    "The server at {endpoint} did not answer like a Hugging Face Hub (the list of apps was not a "
                    "list of repositories)."
                ).format(endpoint=self.config.endpoint),
                endpoint=self.config.endpoint,
            )
        # The next link already carries every parameter (the Hub's cursor included); it is followed only on the
        # Hub's own origin, so a listing never leads the app (and its token) somewhere else.
        following = response.links.get("next", {}).get("url")
        if following and origin_of(following) != origin_of(self.config.endpoint):
            _log.warning("the Hub's next page is on another site (%s); the listing stops here", origin_of(following))
            following = None
        self._url, self._params = following, None
        self.pages += 1
        model_info = hf.hf_api.ModelInfo
        return [AppListing.from_info(model_info(**{**item, "siblings": item.get("siblings")})) for item in items]


def fetch_card(config: HubConfig, repo_id: str, sha: str | None) -> AppCard:
    """The app's name, description and icon at ``sha``, from the on-disk cache after the first time.

    ``sha`` is the listing's commit (None or a branch name: the commit main names now, one more request).
    Raises AppFormatError for an app whose app.json or icon breaks the format, or a HubError.
    """
    if not sha or not _COMMIT.fullmatch(sha):
        sha = app_files.resolve(config, repo_id, sha).sha
    _unused, manifest_bytes = app_files.fetch_pinned(config, repo_id, sha, MANIFEST_FILE, MAX_MANIFEST_BYTES)
    manifest = parse_manifest(manifest_bytes)
    icon_path = None
    if manifest.icon:
        icon_path, icon = app_files.fetch_pinned(config, repo_id, sha, manifest.icon, MAX_ICON_BYTES, what="icon")
        check_icon(manifest.icon, icon)
    return AppCard(repo_id, sha, manifest, icon_path)


def app_details(config: HubConfig, repo_id: str, revision: str | None = None) -> AppDetails:
    """The app page: the manifest, README and icon at the commit ``revision`` (default main) names now."""
    remote = app_files.resolve(config, repo_id, revision)
    fetched = app_files.fetch_app(config, remote)
    readme = strip_front_matter(app_files.check_readme(fetched.readme)) if fetched.readme is not None else ""
    return AppDetails(
        AppListing.from_info(remote.info),
        fetched.manifest,
        readme,
        fetched.icon_path,
        remote.sha,
        config.repo_url(repo_id),
    )


def listing(config: HubConfig, repo_id: str, expected: tuple = ()) -> AppListing:
    """One app's listing (likes, downloads, updated…) by its repo id."""
    with hub_errors(config, repo_id=repo_id, expected=expected):
        info = config.api().model_info(repo_id, expand=_EXPAND)
    return AppListing.from_info(info)


def featured(config: HubConfig) -> list[FeaturedShelf]:
    """The Featured shelves from ``featured.json`` in the dataset repo ``config.store_repo``.

    [] when that repo or file does not exist (the shelf is simply not shown); apps on the list that are gone or
    private are left out. Other failures are HubErrors.
    """
    config.api()
    url = config.file_url(config.store_repo, FEATURED_FILE, repo_type=FEATURED_REPO_TYPE)
    try:
        with hub_errors(
            config,
            repo_id=config.store_repo,
            filename=FEATURED_FILE,
            repo_type=FEATURED_REPO_TYPE,
            expected=(RepoNotFound, FileNotOnHub, RevisionNotFound),
        ):
            response = quick_get(config, url, follow_redirects=True)
    except (RepoNotFound, FileNotOnHub, RevisionNotFound) as exc:
        _log.info("no featured list: %s", exc)
        return []
    shelves = parse_featured(response.content, config)
    wanted = list(dict.fromkeys(repo for _unused, repos in shelves for repo in repos))
    found: dict[str, AppListing] = {}

    def one(repo_id: str) -> None:
        try:
            found[repo_id] = listing(config, repo_id, expected=(RepoNotFound, RevisionNotFound))
        except (RepoNotFound, RevisionNotFound) as exc:
            _log.info("featured app %s left out: %s", repo_id, exc)

    with ThreadPoolExecutor(max_workers=6, thread_name_prefix="featured") as pool:
        for future in [pool.submit(one, repo) for repo in wanted]:
            future.result()
    return [
        FeaturedShelf(heading, tuple(found[r] for r in repos if r in found))
        for heading, repos in shelves
        if any(r in found for r in repos)
    ]


def parse_featured(data: bytes, config: HubConfig) -> list[tuple[str, list[str]]]:
    """``{"shelves": [{"heading": "…", "apps": ["owner/name", …]}, …]}`` or a plain list of repo ids."""
    bad = HubProtocolError(
        _(
            "The Store's featured list ({featured_file} in {store_repo}) is not valid; its maintainers need to fix it."
        ).format(featured_file=FEATURED_FILE, store_repo=config.store_repo),
        endpoint=config.endpoint,
        repo_id=config.store_repo,
    )
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise bad from None
    if isinstance(raw, list):
        raw = {"shelves": [{"heading": "Featured", "apps": raw}]}
    shelves = raw.get("shelves") if isinstance(raw, dict) else None
    if not isinstance(shelves, list):
        raise bad
    out = []
    for shelf in shelves[:20]:
        if not isinstance(shelf, dict) or not isinstance(shelf.get("apps"), list):
            raise bad
        heading = shelf.get("heading") or "Featured"
        repos = [r for r in shelf["apps"] if isinstance(r, str) and r.count("/") == 1][:48]
        if isinstance(heading, str) and repos:
            out.append((heading.strip()[:80], repos))
    return out
