"""The local Hub speaks the protocol the real huggingface_hub client expects (tests/hub/README.md §5), end to end."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from huggingface_hub import HfApi, constants, hf_hub_download
from huggingface_hub.utils import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    get_session,
)

from tests.hub.fixtures import OTHER_TOKEN, TOKEN, USER

README = "---\nlicense: mit\ntags:\n- desktop-gpt-app\n- 中文\n---\n# 写作助手\n"


def api(hub, token=False) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token)


def seed_models(hub) -> None:
    hub.add_repo("acme/alpha-gguf", {"a.gguf": b"1"}, downloads=30, likes=1, trending_score=5,
                 last_modified="2026-01-03T00:00:00Z", created_at="2025-01-01T00:00:00Z")
    hub.add_repo("acme/beta", {"README.md": README}, downloads=10, likes=9, trending_score=1,
                 last_modified="2026-01-01T00:00:00Z", created_at="2025-03-01T00:00:00Z")
    hub.add_repo("zed/gamma-gguf", {"g.gguf": b"3"}, downloads=20, likes=5, trending_score=9,
                 last_modified="2026-01-02T00:00:00Z", created_at="2025-02-01T00:00:00Z", tags=["chat"])


def test_listing_searches_filters_and_sorts_descending(hub):
    seed_models(hub)
    client = api(hub)
    assert {m.id for m in client.list_models(search="GGUF")} == {"acme/alpha-gguf", "zed/gamma-gguf"}
    assert [m.id for m in client.list_models(author="acme", sort="downloads")] == ["acme/alpha-gguf", "acme/beta"]
    assert [m.id for m in client.list_models(filter=["gguf", "chat"])] == ["zed/gamma-gguf"]
    assert [m.id for m in client.list_models(filter="desktop-gpt-app")] == ["acme/beta"]
    orders = {
        "downloads": ["acme/alpha-gguf", "zed/gamma-gguf", "acme/beta"],
        "likes": ["acme/beta", "zed/gamma-gguf", "acme/alpha-gguf"],
        "last_modified": ["acme/alpha-gguf", "zed/gamma-gguf", "acme/beta"],
        "created_at": ["acme/beta", "zed/gamma-gguf", "acme/alpha-gguf"],
        "trending_score": ["zed/gamma-gguf", "acme/alpha-gguf", "acme/beta"],
    }
    for sort, expected in orders.items():
        assert [m.id for m in client.list_models(sort=sort)] == expected, sort
    assert [m.id for m in client.list_models(sort="downloads", limit=2)] == orders["downloads"][:2]


def test_listing_pages_with_link_headers(hub):
    for i in range(5):
        hub.add_repo(f"acme/m{i}", {"x.txt": str(i)})
    hub.page_size = 2
    assert [m.id for m in api(hub).list_models()] == [f"acme/m{i}" for i in range(5)]
    pages = hub.requests_to(r"^/api/models$")
    assert len(pages) == 3
    assert pages[1].query["cursor"] == ["2"] and pages[2].query["cursor"] == ["4"]


def test_listing_items_carry_what_the_hub_sends(hub):
    seed_models(hub)
    client = api(hub)
    plain = next(iter(client.list_models(search="beta")))
    assert plain.downloads == 10 and plain.likes == 9 and "license:mit" in plain.tags
    assert plain.last_modified is None and plain.author is None  # the real Hub leaves these out by default
    rich = next(iter(client.list_models(search="beta", expand=["author", "lastModified", "cardData", "likes"])))
    assert rich.author == "acme" and rich.last_modified.year == 2026 and rich.likes == 9
    assert rich.downloads is None  # expand returns only what was asked
    assert rich.card_data.to_dict()["tags"] == ["desktop-gpt-app", "中文"]
    full = next(iter(client.list_models(search="beta", full=True)))
    assert [s.rfilename for s in full.siblings] == ["README.md"]


def test_datasets_list_info_and_download(hub):
    sha = hub.add_repo("acme/presets", {"data.json": b"[1, 2]", "README.md": "---\ntags: [x]\n---\n"},
                       repo_type="dataset", downloads=4)
    hub.add_repo("acme/a-model", {"x": b"1"})
    client = api(hub)
    assert [d.id for d in client.list_datasets(filter="x")] == ["acme/presets"]
    assert client.dataset_info("acme/presets").sha == sha
    path = hf_hub_download("acme/presets", "data.json", repo_type="dataset", endpoint=hub.endpoint, token=False)
    assert Path(path).read_bytes() == b"[1, 2]"
    assert hub.requests_to(r"^/datasets/acme/presets/resolve/main/data.json$", "GET")


def test_model_info_files_metadata_and_revisions(hub):
    weights = os.urandom(3000)
    first = hub.add_repo("acme/tiny", {"config.json": b"{}", "model.Q4_K_M.gguf": weights},
                         gguf={"total": 1234, "architecture": "llama", "context_length": 4096})
    client = api(hub)
    info = client.model_info("acme/tiny", files_metadata=True)
    assert info.sha == first and info.gguf["architecture"] == "llama"
    files = {s.rfilename: s for s in info.siblings}
    assert files["config.json"].size == 2 and files["config.json"].lfs is None
    assert files["config.json"].blob_id == hashlib.sha1(b"blob 2\0{}").hexdigest()
    assert files["model.Q4_K_M.gguf"].lfs.sha256 == hashlib.sha256(weights).hexdigest()
    assert files["model.Q4_K_M.gguf"].lfs.size == 3000

    second = hub.commit("acme/tiny", {"config.json": b'{"v": 2}'}, deletes=["model.Q4_K_M.gguf"])
    assert client.model_info("acme/tiny").sha == second
    old = client.model_info("acme/tiny", revision=first)
    assert old.sha == first and "model.Q4_K_M.gguf" in {s.rfilename for s in old.siblings}
    assert [c.commit_id for c in client.list_repo_commits("acme/tiny")] == [second, first]
    assert client.list_repo_refs("acme/tiny").branches[0].target_commit == second
    assert client.model_info("acme/tiny", expand=["likes"]).sha is None


def test_tree_lists_folders_files_and_lfs(hub):
    weights = os.urandom(100)
    sha = hub.add_repo("acme/tree", {"README.md": "hi", "sub/a.txt": "a", "sub/deep/b.gguf": weights})
    client = api(hub)
    top = list(client.list_repo_tree("acme/tree"))
    assert [(type(e).__name__, e.path) for e in top] == [("RepoFolder", "sub"), ("RepoFile", "README.md")]
    everything = {e.path: e for e in client.list_repo_tree("acme/tree", recursive=True)}
    assert set(everything) == {"README.md", "sub", "sub/deep", "sub/a.txt", "sub/deep/b.gguf"}
    assert everything["sub/deep/b.gguf"].lfs.sha256 == hashlib.sha256(weights).hexdigest()
    assert [e.path for e in client.list_repo_tree("acme/tree", path_in_repo="sub")] == ["sub/deep", "sub/a.txt"]
    expanded = list(client.list_repo_tree("acme/tree", expand=True))
    assert expanded[1].last_commit.oid == sha
    assert client.list_repo_files("acme/tree", revision=sha) == ["README.md", "sub/a.txt", "sub/deep/b.gguf"]
    with pytest.raises(EntryNotFoundError):
        list(client.list_repo_tree("acme/tree", path_in_repo="nope"))
    hub.tree_page_size = 2
    assert len(list(client.list_repo_tree("acme/tree", recursive=True))) == 5
    assert len(hub.requests_to(r"/tree/")) >= 3 + 3


def test_download_regular_and_lfs_files_with_the_right_bytes(hub):
    weights = os.urandom(5000)
    sha = hub.add_repo("acme/tiny", {"config.json": b'{"a": 1}', "model.gguf": weights},
                       private=True, access=[USER])
    config = hf_hub_download("acme/tiny", "config.json", endpoint=hub.endpoint, token=TOKEN)
    model = hf_hub_download("acme/tiny", "model.gguf", endpoint=hub.endpoint, token=TOKEN)
    assert Path(config).read_bytes() == b'{"a": 1}' and Path(model).read_bytes() == weights
    assert f"snapshots/{sha}/" in model
    assert Path(model).resolve().name == hashlib.sha256(weights).hexdigest()  # blob named by X-Linked-Etag
    head = hub.requests_to(r"/resolve/main/model.gguf", "HEAD")[0]
    assert head.status == 302 and head.headers["authorization"] == f"Bearer {TOKEN}"
    cdn = hub.requests_to(r"^/cdn/", "GET")[0]
    assert cdn.host.startswith("localhost:") and "authorization" not in cdn.headers


def test_range_requests_get_206_and_416(hub):
    data = bytes(range(256)) * 4
    hub.add_repo("acme/r", {"f.txt": data})
    url = f"{hub.endpoint}/acme/r/resolve/main/f.txt"
    part = get_session().get(url, headers={"Range": "bytes=1000-"})
    assert part.status_code == 206 and part.content == data[1000:]
    assert part.headers["Content-Range"] == "bytes 1000-1023/1024"
    assert get_session().get(url, headers={"Range": "bytes=10-19"}).content == data[10:20]
    refused = get_session().get(url, headers={"Range": "bytes=1024-"})
    assert refused.status_code == 416 and refused.headers["Content-Range"] == "bytes */1024"
    assert hub.requests_to(r"/f.txt")[0].range == "bytes=1000-"
    hub.ignore_range = True
    whole = get_session().get(url, headers={"Range": "bytes=1000-"})
    assert whole.status_code == 200 and whole.content == data


def test_a_stalled_download_is_resumed_by_the_client_with_range(hub, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 1)
    weights = os.urandom(11 * 1024 * 1024)
    sha256 = hashlib.sha256(weights).hexdigest()
    hub.add_repo("acme/big", {"model.gguf": weights})
    hub.stall_after[sha256] = (10_600_000, 5)
    path = hf_hub_download("acme/big", "model.gguf", endpoint=hub.endpoint, token=False)
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha256
    gets = hub.requests_to(r"^/cdn/", "GET")
    assert [g.range for g in gets] == [None, "bytes=10485760-"] and gets[1].status == 206


def test_dropped_and_corrupted_bodies(hub):
    data = os.urandom(4000)
    sha256 = hashlib.sha256(data).hexdigest()
    hub.add_repo("acme/d", {"w.gguf": data})
    url = f"{hub.cdn_origin}/cdn/{sha256}"
    hub.drop_after[sha256] = 1000
    received = bytearray()
    with pytest.raises(Exception) as cut:
        with get_session().stream("GET", url) as response:
            for chunk in response.iter_bytes():
                received += chunk
    assert "RemoteProtocolError" in type(cut.value).__name__ and len(received) == 1000
    assert get_session().get(url).content == data  # faults fire once

    hub.body_override[sha256] = bytes(len(data))  # same size, wrong bytes: the client does not notice
    path = hf_hub_download("acme/d", "w.gguf", endpoint=hub.endpoint, token=False)
    assert Path(path).read_bytes() == bytes(len(data))


def test_errors_carry_the_hub_codes(hub):
    sha = hub.add_repo("acme/open", {"a.txt": "a"})
    hub.add_repo("acme/gated", {"a.txt": "a"}, gated="manual")
    hub.add_repo("acme/secret", {"a.txt": "a"}, private=True, access=[USER])
    anonymous, alice, bob = api(hub), api(hub, TOKEN), api(hub, OTHER_TOKEN)
    for client, status in ((anonymous, 401), (bob, 404)):
        with pytest.raises(RepositoryNotFoundError) as missing:
            client.model_info("acme/secret")
        assert missing.value.response.status_code == status
    assert alice.model_info("acme/secret").id == "acme/secret"
    assert anonymous.model_info("acme/gated").gated == "manual"  # metadata stays visible
    for token, status in ((False, 401), (OTHER_TOKEN, 403)):
        with pytest.raises(GatedRepoError) as gated:
            hf_hub_download("acme/gated", "a.txt", endpoint=hub.endpoint, token=token)
        assert gated.value.response.status_code == status
    hub.grant("acme/gated", "bob")
    assert Path(hf_hub_download("acme/gated", "a.txt", endpoint=hub.endpoint, token=OTHER_TOKEN)).read_text() == "a"
    with pytest.raises(EntryNotFoundError) as entry:
        hf_hub_download("acme/open", "nope.txt", endpoint=hub.endpoint, token=False)
    assert entry.value.response.headers["X-Repo-Commit"] == sha
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download("acme/open", "a.txt", revision="v9", endpoint=hub.endpoint, token=False)
    with pytest.raises(HfHubHTTPError) as bad_token:
        api(hub, "hf_NotAValidToken00000000000000000").model_info("acme/open")
    assert bad_token.value.response.status_code == 401


def test_injected_failures_fire_then_clear(hub):
    hub.add_repo("acme/x", {"a.txt": "a"})
    client = api(hub)
    hub.fail_next(r"^/api/models/acme/x$", 500)
    with pytest.raises(HfHubHTTPError) as failed:
        client.model_info("acme/x")
    assert failed.value.response.status_code == 500
    assert client.model_info("acme/x").id == "acme/x"
    hub.malformed(r"^/api/models$", times=1)
    with pytest.raises(ValueError):
        list(client.list_models())
    assert [m.id for m in client.list_models()] == ["acme/x"]
    hub.offline = True
    with pytest.raises(Exception) as down:
        client.model_info("acme/x")
    assert "ConnectError" in type(down.value).__name__
    hub.offline = False
    assert client.model_info("acme/x").id == "acme/x"


def test_upload_round_trip_with_tags_from_the_readme(hub, tmp_path):
    client = api(hub, TOKEN)
    assert client.whoami()["name"] == USER
    assert client.create_repo("alice/writer").repo_id == "alice/writer"
    assert client.create_repo("alice/writer", exist_ok=True).repo_id == "alice/writer"
    folder = tmp_path / "app"
    (folder / "icons").mkdir(parents=True)
    (folder / "README.md").write_text(README, encoding="utf-8")
    (folder / "app.json").write_text('{"name": "写作助手"}', encoding="utf-8")
    (folder / "icons" / "icon.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    first = client.upload_folder(repo_id="alice/writer", folder_path=folder, commit_message="Publish")
    assert client.model_info("alice/writer").tags == ["desktop-gpt-app", "中文", "license:mit"]
    assert [m.id for m in api(hub).list_models(filter="desktop-gpt-app")] == ["alice/writer"]
    again = client.upload_folder(repo_id="alice/writer", folder_path=folder)
    assert again.oid == first.oid  # nothing changed: the client skips the commit (preupload returned the oids)
    client.upload_file(path_or_fileobj=b'{"name": "v2"}', path_in_repo="app.json", repo_id="alice/writer")
    latest = hf_hub_download("alice/writer", "app.json", endpoint=hub.endpoint, token=False)
    pinned = hf_hub_download("alice/writer", "app.json", revision=first.oid, endpoint=hub.endpoint, token=False)
    assert Path(latest).read_text() == '{"name": "v2"}'
    assert Path(pinned).read_text(encoding="utf-8") == '{"name": "写作助手"}'
    icon = hf_hub_download("alice/writer", "icons/icon.png", endpoint=hub.endpoint, token=False)
    assert Path(icon).read_bytes() == (folder / "icons" / "icon.png").read_bytes()
    with pytest.raises(HfHubHTTPError) as foreign:
        client.create_repo("bob/not-yours")
    assert foreign.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError):
        api(hub).upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id="alice/writer")


def test_private_repos_created_by_upload_stay_private(hub):
    api(hub, TOKEN).create_repo("alice/drafts", private=True)
    assert [m.id for m in api(hub, TOKEN).list_models(author="alice")] == ["alice/drafts"]
    assert list(api(hub).list_models(author="alice")) == []
