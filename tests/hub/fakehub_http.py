"""The fake Hub's HTTP side: routes, errors, Range and the injected faults (tests/hub/README.md §5)."""

from __future__ import annotations

import json
import re
import socket
import traceback
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from tests.hub.fakehub_repos import SORT_KEYS, Blob, Refusal, Repo
from tests.hub.fakehub_upload import UploadRoutes

if TYPE_CHECKING:
    from tests.hub.fakehub import FakeHub

_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


class Handler(UploadRoutes, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"
    hub: "FakeHub"

    # -- plumbing -------------------------------------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.hub = self.server.hub  # type: ignore[attr-defined]
        self.hub._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.hub._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        self.body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        self.segments = [unquote(s) for s in raw_path.split("/")[1:]]
        self.query = parse_qs(raw_query, keep_blank_values=True)
        self.method = method
        path = "/" + "/".join(self.segments)
        self.record = self.hub._log_request(method, path, self.query, self.headers, self.body)
        try:
            fault = self.hub._take_fault(method, path)
            if fault is not None:
                return self._fault(fault)
            self._route(path)
        except Refusal as error:
            self._error(error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug in FakeHub: answer 500 and keep it for the fixture to report
            self.hub.server_errors.append(f"{method} {path}\n{traceback.format_exc()}")
            self._error(Refusal(500, f"FakeHub failed: {exc!r}"))

    # -- responses ----------------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", headers: dict | None = None,
              content_type: str = "application/json; charset=utf-8", length: int | None = None) -> None:
        self.record.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        if self.method != "HEAD" and body:
            self.wfile.write(body)

    def _json(self, data: Any, headers: dict | None = None, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode(), headers)

    def _error(self, error: Refusal) -> None:
        headers = {"X-Error-Message": error.message, **error.headers}
        if error.code:
            headers["X-Error-Code"] = error.code
        self._json({"error": error.message}, headers, error.status)

    def _fault(self, fault: dict) -> None:
        if fault["kind"] == "stall":
            self.hub._stopping.wait(fault["seconds"])
            return self._route("/" + "/".join(self.segments))
        if fault["kind"] == "malformed":
            return self._send(200, b'{"id": "broken", "siblings": [', None)
        self._error(Refusal(fault["status"], fault["message"], fault.get("code"), fault.get("headers")))

    # -- auth ---------------------------------------------------------------------------------------------------
    def _user(self) -> str | None:
        """The user the request's token belongs to; a token the Hub does not know is a 401, as on the real Hub."""
        auth = self.headers.get("Authorization", "")
        if not auth:
            return None
        token = auth.split(" ", 1)[-1].strip()
        user = self.hub.tokens.get(token)
        if user is None:
            raise Refusal(401, "Invalid credentials in Authorization header")
        return user

    def _can_write(self, user: str | None, namespace: str) -> bool:
        return user is not None and (user == namespace or namespace in self.hub.orgs.get(user, ()))

    def _repo(self, repo_type: str, repo_id: str, user: str | None) -> Repo:
        repo = self.hub._repos.get((repo_type, repo_id))
        visible = repo is not None and (not repo.private or self._can_write(user, repo.namespace)
                                        or user in repo.access)
        if not visible:
            raise Refusal(404 if user else 401, "Repository not found", "RepoNotFound")
        return repo  # type: ignore[return-value]

    def _check_gate(self, repo: Repo, user: str | None) -> None:
        if not repo.gated or self._can_write(user, repo.namespace) or user in repo.access:
            return
        message = (f"Access to {repo.repo_type} {repo.repo_id} is restricted. You must have access to it and be "
                   f"authenticated to access it. Please log in.")
        raise Refusal(403 if user else 401, message, "GatedRepo")

    @staticmethod
    def _commit(repo: Repo, revision: str):
        commit = repo.resolve(revision)
        if commit is None:
            raise Refusal(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return commit

    def _split_repo(self, parts: list[str]) -> tuple[str, list[str]]:
        """(repo_id, the rest) for ``ns/name/...`` or a legacy one-part id such as ``gpt2/...``."""
        ids = {rid for (_, rid) in self.hub._repos}
        if len(parts) >= 2 and f"{parts[0]}/{parts[1]}" in ids:
            return f"{parts[0]}/{parts[1]}", parts[2:]
        if parts and parts[0] in ids:
            return parts[0], parts[1:]
        return "/".join(parts[:2]), parts[2:]

    def _origin(self) -> str:
        return f"http://{self.headers.get('Host') or self.hub.endpoint.split('//')[1]}"

    # -- routing ------------------------------------------------------------------------------------------------
    def _route(self, path: str) -> None:
        seg, method = self.segments, self.method
        if seg[:1] == ["cdn"] and len(seg) == 2 and method in ("GET", "HEAD"):
            return self._cdn(seg[1])
        if seg[:1] == ["api"]:
            return self._api(seg[1:], method)
        if method in ("GET", "HEAD"):
            repo_type = "model"
            parts = seg
            if parts[:1] in (["datasets"], ["spaces"]):
                repo_type, parts = _TYPES[parts[0]], parts[1:]
            if "resolve" in parts[1:3]:
                i = parts.index("resolve", 1)
                if len(parts) > i + 2:
                    return self._resolve(repo_type, "/".join(parts[:i]), parts[i + 1], "/".join(parts[i + 2:]))
        raise Refusal(404, f"Not found: {path}")

    def _api(self, seg: list[str], method: str) -> None:
        with self.hub._lock:
            if seg == ["agent-harnesses"]:
                return self._json({"standardEnvVars": [], "harnesses": {}})
            user = self._user()
            if seg == ["whoami-v2"] and method == "GET":
                return self._whoami(user)
            if seg == ["validate-yaml"] and method == "POST":
                return self._validate_yaml()
            if seg == ["repos", "create"] and method == "POST":
                return self._create_repo(user)
            if len(seg) == 1 and seg[0] in _TYPES and method == "GET":
                return self._list(_TYPES[seg[0]], user)
            if len(seg) >= 2 and seg[0] in _TYPES:
                repo_id, rest = self._split_repo(seg[1:])
                return self._repo_api(_TYPES[seg[0]], repo_id, rest, method, user)
        raise Refusal(404, "Not found")

    def _repo_api(self, repo_type: str, repo_id: str, rest: list[str], method: str, user: str | None) -> None:
        repo = self._repo(repo_type, repo_id, user)
        action = rest[0] if rest else ""
        if method == "GET" and action in ("", "revision"):
            commit = self._commit(repo, rest[1] if action else "main")
            data = repo.info_json(commit, blobs=self.query.get("blobs") == ["true"])
            expand = self.query.get("expand")
            if expand:
                data = {k: v for k, v in data.items() if k in {*expand, "_id", "id"}}
            return self._json(data)
        if method == "GET" and action == "tree" and len(rest) >= 2:
            return self._tree(repo, self._commit(repo, rest[1]), "/".join(rest[2:]))
        if method == "GET" and action == "refs":
            branches = [{"name": n, "ref": f"refs/heads/{n}", "targetCommit": s} for n, s in repo.branches.items()]
            return self._json({"branches": branches, "converts": [], "tags": []})
        if method == "GET" and action == "commits" and len(rest) == 2:
            return self._json([repo.commit_json(c) for c in repo.history(self._commit(repo, rest[1]))])
        if method == "POST" and action == "paths-info" and len(rest) == 2:
            return self._paths_info(repo, self._commit(repo, rest[1]))
        if method == "POST" and action == "preupload" and len(rest) == 2:
            return self._preupload(repo, rest[1], user)
        if method == "POST" and action == "commit" and len(rest) == 2:
            return self._commit_files(repo, rest[1], user)
        raise Refusal(404, "Not found")

    # -- listing ------------------------------------------------------------------------------------------------
    def _list(self, repo_type: str, user: str | None) -> None:
        q = self.query
        items = []
        for (kind, _), repo in self.hub._repos.items():
            if kind != repo_type or (repo.private and not (self._can_write(user, repo.namespace)
                                                          or user in repo.access)):
                continue
            commit = repo.head()
            tags = set(repo.derived_tags(commit))
            if any(s.lower() not in repo.repo_id.lower() for s in q.get("search", [])):
                continue
            if q.get("author") and repo.namespace != q["author"][0]:
                continue
            if any(f not in tags for f in q.get("filter", [])):
                continue
            if q.get("pipeline_tag") and repo.pipeline_of(commit) != q["pipeline_tag"][0]:
                continue
            if q.get("gated") and bool(repo.gated) != (q["gated"][0] == "true"):
                continue
            items.append((repo, commit))
        sort = SORT_KEYS.get((q.get("sort") or [""])[0])
        if sort:
            items.sort(key=lambda rc: rc[0].info_json(rc[1], siblings=False)[sort], reverse=True)
        limit = int((q.get("limit") or [self.hub.page_size])[0])
        start = int((q.get("cursor") or ["0"])[0])
        page_size = min(limit, self.hub.page_size)
        page = items[start:start + page_size]
        body = [repo.list_item(commit, expand=q.get("expand", []), full=q.get("full") == ["true"],
                               card_data=q.get("cardData") == ["true"], config=q.get("config") == ["true"])
                for repo, commit in page]
        headers = {}
        if start + page_size < len(items):
            params = [(k, v) for k, vs in q.items() if k != "cursor" for v in vs] + [("cursor", start + page_size)]
            headers["Link"] = f'<{self._origin()}/api/{repo_type}s?{urlencode(params)}>; rel="next"'
        self._json(body, headers)

    def _tree(self, repo: Repo, commit, path: str) -> None:
        expand = self.query.get("expand") == ["true"]
        entries = repo.tree(commit, path, self.query.get("recursive") == ["true"], expand)
        if entries is None:
            raise Refusal(404, f"{path} does not exist on \"{commit.sha}\"", "EntryNotFound",
                           {"X-Repo-Commit": commit.sha})
        page_size = self.hub.tree_page_size_expand if expand else self.hub.tree_page_size
        start = int((self.query.get("cursor") or ["0"])[0])
        headers = {}
        if start + page_size < len(entries):
            params = [(k, v) for k, vs in self.query.items() if k != "cursor" for v in vs]
            params.append(("cursor", start + page_size))
            where = "/".join(quote(s, safe="") for s in self.segments)
            headers["Link"] = f'<{self._origin()}/{where}?{urlencode(params)}>; rel="next"'
        self._json(entries[start:start + page_size], headers)

    def _paths_info(self, repo: Repo, commit) -> None:
        form = parse_qs(self.body.decode(), keep_blank_values=True)
        if self.headers.get("Content-Type", "").startswith("application/json"):
            form = {k: (v if isinstance(v, list) else [str(v).lower()]) for k, v in json.loads(self.body).items()}
        expand = form.get("expand") == ["true"]
        out = []
        for path in form.get("paths", []):
            path = path.strip("/")
            if path in commit.files:
                out.append(repo.tree_json(commit, path, commit.files[path], expand))
            elif any(p.startswith(path + "/") for p in commit.files):
                out.append(repo.tree_json(commit, path, None, expand))
        self._json(out)

    # -- files --------------------------------------------------------------------------------------------------
    def _resolve(self, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        with self.hub._lock:
            user = self._user()
            repo = self._repo(repo_type, repo_id, user)
            self._check_gate(repo, user)
            commit = self._commit(repo, revision)
            blob = commit.files.get(path)
            if blob is None:
                raise Refusal(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": commit.sha})
        headers = {"X-Repo-Commit": commit.sha, "Accept-Ranges": "bytes"}
        if blob.lfs:
            headers.update({"Location": f"{self.hub.cdn_origin}/cdn/{blob.sha256}", "ETag": f'"{blob.oid}"',
                            "X-Linked-Etag": f'"{blob.sha256}"', "X-Linked-Size": blob.size})
            return self._send(302, b"", headers, "text/plain; charset=utf-8")
        name = path.rsplit("/", 1)[-1]
        ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
        headers.update({"ETag": f'"{blob.oid}"',
                        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}; filename=\"{ascii_name}\";"})
        self._body(blob, headers)

    def _cdn(self, sha256: str) -> None:
        data = self.hub._objects.get(sha256)
        if data is None:
            raise Refusal(404, "NoSuchKey")
        self._body(Blob(data, lfs=True), {"ETag": f'"{sha256}"', "Accept-Ranges": "bytes"})

    def _body(self, blob: Blob, headers: dict) -> None:
        """Send a file's bytes, honouring Range (206 / 416) and the faults armed for its sha256."""
        body = self.hub.body_override.get(blob.sha256, blob.data)
        total = len(body)
        status = 200
        wanted = self.headers.get("Range")
        if wanted and not self.hub.ignore_range:
            match = _RANGE.match(wanted.strip())
            if match:
                start = int(match.group(1))
                end = min(int(match.group(2)), total - 1) if match.group(2) else total - 1
                if start >= total or end < start:
                    raise Refusal(416, "Requested range not satisfiable", headers={"Content-Range": f"bytes */{total}"})
                body, status = body[start:end + 1], 206
                headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        content_type = "application/octet-stream"
        if self.method == "HEAD":
            return self._send(status, b"", headers, content_type, length=len(body))
        stall = self.hub._pop(self.hub.stall_after, blob.sha256)
        drop = self.hub._pop(self.hub.drop_after, blob.sha256)
        self._send(status, b"", headers, content_type, length=len(body))
        cut = len(body) if drop is None else min(drop, len(body))
        if stall is not None and stall[0] < cut:
            self.wfile.write(body[:stall[0]])
            self.wfile.flush()
            self.hub._stopping.wait(stall[1])
            self.wfile.write(body[stall[0]:cut])
        else:
            self.wfile.write(body[:cut])
        if cut < len(body):
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
