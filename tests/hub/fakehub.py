"""A local Hugging Face Hub for tests: real HTTP on 127.0.0.1 for the real huggingface_hub client, with faults.

The protocol it speaks is the one measured in tests/hub/README.md. LFS files redirect to a second origin,
``http://localhost:<same port>/cdn/<sha256>``, so the client treats them as a CDN (no Authorization, metadata read
from the 3xx). See tests/hub/README.md for a short example.
"""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer
from typing import Any, Iterable, Mapping

from tests.hub.fakehub_http import Handler
from tests.hub.fakehub_repos import GITATTRIBUTES, LFS_SUFFIXES, LFS_THRESHOLD, Blob, Repo, as_datetime

__all__ = ["FakeHub", "LoggedRequest", "Repo"]


@dataclass
class LoggedRequest:
    """One request as the server saw it. ``headers`` has lower-case names; ``status`` is what was answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    host: str
    body: bytes = b""
    status: int | None = None

    @property
    def range(self) -> str | None:
        return self.headers.get("range")


@dataclass
class _Rule:
    pattern: re.Pattern
    fault: dict[str, Any]
    times: int | None
    method: str | None = None
    hits: int = field(default=0)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    hub: "FakeHub"

    def handle_error(self, request, client_address) -> None:  # a client hanging up mid-body is part of the tests
        pass


class FakeHub:
    """A Hub-compatible server in a thread. Start it, seed repos, point the client at ``endpoint``.

    Attributes:
        tokens: valid access tokens → the user each belongs to. Any other token gets a 401.
        orgs: user → organisations that user may write to.
        page_size: most items per /api/models page; more are behind ``Link: <…>; rel="next"``.
        lfs_threshold: files at least this big are stored in LFS (so are ``LFS_SUFFIXES``).
        stall_after: sha256 → (bytes, seconds): the next body of that file pauses after that many bytes.
        drop_after: sha256 → bytes: the next body of that file is cut (socket shut) after that many bytes.
        body_override: sha256 → bytes served instead of the real content (same size: silent corruption).
        ignore_range: answer every ranged GET with 200 and the whole body.
        requests: every request received, in order (LoggedRequest).
        server_errors: tracebacks of requests FakeHub itself failed on (answered 500); the fixture checks it.
    """

    def __init__(self, tokens: Mapping[str, str] | None = None, *, page_size: int = 1000,
                 lfs_threshold: int = LFS_THRESHOLD):
        self.tokens: dict[str, str] = dict(tokens or {})
        self.orgs: dict[str, set[str]] = {}
        self.page_size = page_size
        self.tree_page_size = 1000
        self.tree_page_size_expand = 50
        self.lfs_threshold = lfs_threshold
        self.stall_after: dict[str, tuple[int, float]] = {}
        self.drop_after: dict[str, int] = {}
        self.body_override: dict[str, bytes] = {}
        self.ignore_range = False
        self.requests: list[LoggedRequest] = []
        self.server_errors: list[str] = []
        self.port = 0
        self._repos: dict[tuple[str, str], Repo] = {}
        self._objects: dict[str, bytes] = {}
        self._rules: list[_Rule] = []
        self._lock = threading.RLock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def start(self) -> "FakeHub":
        self._stopping.clear()
        server = _Server(("127.0.0.1", self.port), Handler)
        server.hub = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fakehub-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection (a pooled keep-alive connection must not outlive us)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        for conn in list(self._connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeHub":
        return self if self._server else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """What HF_ENDPOINT / ``endpoint=`` should be."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def cdn_origin(self) -> str:
        """The second origin LFS downloads are redirected to (same server, another host name)."""
        return f"http://localhost:{self.port}"

    @property
    def offline(self) -> bool:
        """True while the server is stopped: connections are refused. Set it to go down or come back."""
        return self._server is None

    @offline.setter
    def offline(self, value: bool) -> None:
        if value and not self.offline:
            self.stop()
        elif not value and self.offline:
            self.start()

    # -- content ------------------------------------------------------------------------------------------------
    def add_repo(self, repo_id: str, files: Mapping[str, bytes | str], *, repo_type: str = "model",
                 tags: Iterable[str] = (), gated: bool | str = False, private: bool = False, likes: int = 0,
                 downloads: int = 0, trending_score: int = 0, last_modified: datetime | str | None = None,
                 created_at: datetime | str | None = None, author: str | None = None,
                 card_data: dict | None = None, pipeline_tag: str | None = None, library_name: str | None = None,
                 gguf: dict | None = None, access: Iterable[str] = (), lfs: Iterable[str] = (),
                 extra: dict | None = None, message: str = "Initial commit") -> str:
        """Create a repo with one commit on ``main`` holding ``files``; returns that commit's sha.

        ``gated`` is False, True/"auto" or "manual"; ``access`` lists users a gated or private repo lets in
        (its namespace's owner always may). ``card_data`` replaces the README's YAML metadata; ``tags`` come
        before the README's ``tags:``. ``lfs`` forces paths into LFS. ``extra`` adds raw keys to the repo JSON.
        """
        modified = as_datetime(last_modified)
        with self._lock:
            if (repo_type, repo_id) in self._repos:
                raise ValueError(f"{repo_type} {repo_id} already exists")
            repo = Repo(repo_id, repo_type, author=author or "", private=private, gated=gated, likes=likes,
                        downloads=downloads, trending_score=trending_score,
                        created_at=as_datetime(created_at) if created_at else modified, tags=list(tags),
                        card_data=card_data, pipeline_tag=pipeline_tag, library_name=library_name, gguf=gguf,
                        extra=dict(extra or {}), access=set(access))
            self._repos[(repo_type, repo_id)] = repo
            return repo.add_commit(self._blobs(files, set(lfs)), message, modified).sha

    def commit(self, repo_id: str, files: Mapping[str, bytes | str] | None = None, deletes: Iterable[str] = (), *,
               repo_type: str = "model", message: str = "Update", branch: str = "main",
               date: datetime | str | None = None, lfs: Iterable[str] = ()) -> str:
        """Add a commit on ``branch`` (created from main when new); returns its sha. Old commits stay resolvable."""
        with self._lock:
            repo = self.repo(repo_id, repo_type)
            if branch not in repo.branches:
                repo.branches[branch] = repo.branches["main"]
            return self._apply(repo, self._blobs(files or {}, set(lfs)), list(deletes), message, branch, date)

    def repo(self, repo_id: str, repo_type: str = "model") -> Repo:
        """The stored repo, to read or change its counters (``likes``, ``downloads``, ``gated``, ``access``…)."""
        return self._repos[(repo_type, repo_id)]

    def head(self, repo_id: str, branch: str = "main", repo_type: str = "model") -> str:
        return self.repo(repo_id, repo_type).branches[branch]

    def file(self, repo_id: str, path: str, revision: str = "main", repo_type: str = "model") -> Blob:
        """A stored file: ``.data``, ``.sha256``, ``.oid`` (git sha1), ``.lfs``, ``.size``."""
        commit = self.repo(repo_id, repo_type).resolve(revision)
        if commit is None:
            raise KeyError(revision)
        return commit.files[path]

    def add_token(self, token: str, user: str, orgs: Iterable[str] = ()) -> str:
        self.tokens[token] = user
        self.orgs.setdefault(user, set()).update(orgs)
        return token

    def grant(self, repo_id: str, user: str, repo_type: str = "model") -> None:
        """Let ``user`` into a gated or private repo."""
        self.repo(repo_id, repo_type).access.add(user)

    # -- faults -------------------------------------------------------------------------------------------------
    def fail_next(self, path_regex: str, status: int, times: int | None = 1, *, method: str | None = None,
                  code: str | None = None, message: str = "Internal Error", headers: dict | None = None) -> None:
        """Answer the next ``times`` requests whose path matches with ``status`` (None: every one).

        The newest rule wins when several match. ``code`` sets X-Error-Code; ``headers`` adds e.g. Retry-After.
        """
        fault = {"kind": "status", "status": status, "code": code, "message": message, "headers": headers}
        self._rules.insert(0, _Rule(re.compile(path_regex), fault, times, method))

    def malformed(self, path_regex: str, times: int | None = None, *, method: str | None = None) -> None:
        """Answer matching requests with 200 and a body that is not valid JSON."""
        self._rules.insert(0, _Rule(re.compile(path_regex), {"kind": "malformed"}, times, method))

    def stall_next(self, path_regex: str, seconds: float, times: int | None = 1, *, method: str | None = None):
        """Wait ``seconds`` before answering matching requests (a server that accepts but does not answer)."""
        self._rules.insert(0, _Rule(re.compile(path_regex), {"kind": "stall", "seconds": seconds}, times, method))

    def clear_faults(self) -> None:
        """Forget every armed fault (rules, stalls, drops, overrides, ignore_range)."""
        with self._lock:
            self._rules.clear()
            self.stall_after.clear()
            self.drop_after.clear()
            self.body_override.clear()
            self.ignore_range = False

    def requests_to(self, path_regex: str, method: str | None = None) -> list[LoggedRequest]:
        pattern = re.compile(path_regex)
        return [r for r in list(self.requests) if pattern.search(r.path) and (method is None or r.method == method)]

    # -- used by the handler ------------------------------------------------------------------------------------
    def _blobs(self, files: Mapping[str, bytes | str], force_lfs: set[str]) -> dict[str, Blob]:
        out = {}
        for path, data in files.items():
            raw = data.encode() if isinstance(data, str) else bytes(data)
            lfs = path in force_lfs or path.lower().endswith(LFS_SUFFIXES) or len(raw) >= self.lfs_threshold
            out[path.strip("/")] = blob = Blob(raw, lfs and len(raw) > 0)
            if blob.lfs:
                self._objects[blob.sha256] = raw
        return out

    def _apply(self, repo: Repo, files: Mapping[str, bytes | Blob], deletes: Iterable[str], message: str,
               branch: str, date: datetime | str | None) -> str:
        with self._lock:
            blobs = {p.strip("/"): b for p, b in files.items() if isinstance(b, Blob)}
            blobs.update(self._blobs({p: b for p, b in files.items() if not isinstance(b, Blob)}, set()))
            current = dict(repo.head(branch).files)
            for path in deletes:
                current.pop(path.strip("/"), None)
            current.update(blobs)
            moment = as_datetime(date)
            return repo.add_commit(current, message, moment, branch).sha

    def _create(self, repo_id: str, repo_type: str, private: bool) -> None:
        with self._lock:
            repo = Repo(repo_id, repo_type, private=private)
            self._repos[(repo_type, repo_id)] = repo
            repo.add_commit({".gitattributes": Blob(GITATTRIBUTES, False)}, "initial commit", as_datetime(None))

    def _log_request(self, method: str, path: str, query: dict, headers, body: bytes) -> LoggedRequest:
        record = LoggedRequest(method, path, query, {k.lower(): v for k, v in headers.items()},
                               headers.get("Host", ""), body)
        self.requests.append(record)
        return record

    def _take_fault(self, method: str, path: str) -> dict | None:
        with self._lock:
            for rule in self._rules:
                if rule.pattern.search(path) and (rule.method is None or rule.method == method):
                    rule.hits += 1
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule.fault
        return None

    def _pop(self, faults: dict, sha256: str) -> Any:
        with self._lock:
            return faults.pop(sha256, None)
