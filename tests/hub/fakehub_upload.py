"""The fake Hub's account and upload endpoints: whoami, validate-yaml, repos/create, preupload and commit."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from tests.hub.fakehub_repos import Refusal, Repo, front_matter

if TYPE_CHECKING:
    from tests.hub.fakehub import FakeHub


class UploadRoutes:
    """What create_repo / create_commit / upload_folder call, mixed into the request handler.

    Preupload always answers "regular" (files travel base64 inside the NDJSON commit); the server still stores big
    or binary files as LFS, as it does for seeded repos.
    """

    hub: "FakeHub"
    body: bytes

    # -- account and upload -------------------------------------------------------------------------------------
    def _whoami(self, user: str | None) -> None:
        if user is None:
            raise Refusal(401, "Invalid credentials in Authorization header")
        orgs = [{"type": "org", "name": o} for o in sorted(self.hub.orgs.get(user, ()))]
        self._json({"type": "user", "id": user, "name": user, "fullname": user, "orgs": orgs,
                    "auth": {"type": "access_token", "accessToken": {"displayName": "test", "role": "write"}}})

    def _validate_yaml(self) -> None:
        content = json.loads(self.body or b"{}").get("content", "")
        try:
            front_matter(content.encode())
        except Exception as exc:  # any YAML error is the user's mistake, reported like the Hub does
            return self._json({"errors": [{"message": f"Invalid YAML: {exc}"}], "warnings": []}, status=400)
        self._json({"errors": [], "warnings": []})

    def _create_repo(self, user: str | None) -> None:
        payload = json.loads(self.body or b"{}")
        repo_type = payload.get("type") or "model"
        if user is None:
            raise Refusal(401, "You must be authenticated to create a repo")
        namespace = payload.get("organization") or user
        repo_id = f"{namespace}/{payload['name']}"
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        url = f"{self.hub.endpoint}/{prefix}{repo_id}"
        if not self._can_write(user, namespace):
            raise Refusal(403, f"You don't have the rights to create a {repo_type} under the namespace \"{namespace}\"")
        if (repo_type, repo_id) in self.hub._repos:
            return self._json({"error": "You already created this repo", "url": url}, {"X-Error-Message":
                              "You already created this repo"}, status=409)
        self.hub._create(repo_id, repo_type, private=payload.get("visibility") == "private")
        self._json({"url": url, "name": repo_id, "id": self.hub._repos[(repo_type, repo_id)].mongo_id})

    def _writable(self, repo: Repo, revision: str, user: str | None) -> None:
        if not self._can_write(user, repo.namespace):
            raise Refusal(403, f"You don't have write access to {repo.repo_id}")
        if revision not in repo.branches:
            raise Refusal(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    def _preupload(self, repo: Repo, revision: str, user: str | None) -> None:
        self._writable(repo, revision, user)
        current = repo.head(revision).files
        files = []
        for item in json.loads(self.body)["files"]:
            known = current.get(item["path"])
            files.append({"path": item["path"], "uploadMode": "regular", "shouldIgnore": False,
                          "oid": known.content_sha1 if known else None})
        self._json({"files": files, "commitOid": repo.branches[revision]})

    def _commit_files(self, repo: Repo, revision: str, user: str | None) -> None:
        self._writable(repo, revision, user)
        lines = [json.loads(line) for line in self.body.splitlines() if line.strip()]
        header = next((line["value"] for line in lines if line["key"] == "header"), {})
        parent = header.get("parentCommit")
        if parent and parent != repo.branches[revision]:
            raise Refusal(412, "A commit has happened since. Please refresh and try again.")
        files: dict[str, bytes] = {}
        deletes: list[str] = []
        current = repo.head(revision).files
        for line in lines:
            key, value = line["key"], line["value"]
            if key == "file":
                files[value["path"]] = base64.b64decode(value["content"])
            elif key in ("deletedFile", "deletedFolder"):
                path = value["path"].rstrip("/")
                hits = [p for p in current if p == path or p.startswith(path + "/")]
                if not hits:
                    raise Refusal(404, "A file with this name doesn't exist", "EntryNotFound",
                                   {"X-Repo-Commit": repo.branches[revision]})
                deletes += hits
            elif key == "lfsFile":
                raise Refusal(400, "FakeHub answers preupload with 'regular' only; LFS uploads are not supported")
        sha = self.hub._apply(repo, files, deletes, header.get("summary") or "Upload", revision, None)
        prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
        self._json({"success": True, "commitOid": sha, "commitUrl": f"{self.hub.endpoint}/{prefix}{repo.repo_id}"
                    f"/commit/{sha}", "hookOutput": "", "pullRequestUrl": None})
