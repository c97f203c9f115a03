"""The Hub catalogue with the real client: search and sort, every GGUF of a repo at a pinned commit, offline."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_gpt.errors import HubOffline
from desktop_gpt.models.catalog import pick, recommended, repo_files, search
from desktop_gpt.models.download import Download
from desktop_gpt.models.partials import DownloadRequest
from tests.models.helpers import FAST, add_tiny_repo, gguf_bytes, sha256_file


def test_search_finds_gguf_repos_in_each_order(hub, hub_config):
    add_tiny_repo(hub, "a/old-GGUF", downloads=300, likes=1, last_modified="2025-01-01T00:00:00Z")
    add_tiny_repo(hub, "b/new-GGUF", downloads=100, likes=2, last_modified="2026-11-01T00:00:00Z")
    add_tiny_repo(hub, "c/liked-GGUF", downloads=200, likes=9, last_modified="2026-01-01T00:00:00Z")
    hub.add_repo("d/not-gguf", {"model.safetensors": b"x"}, downloads=1000)

    assert [r.repo_id for r in search(hub_config)] == ["a/old-GGUF", "c/liked-GGUF", "b/new-GGUF"]
    assert [r.repo_id for r in search(hub_config, sort="likes")][0] == "c/liked-GGUF"
    newest = search(hub_config, sort="updated")
    assert newest[0].repo_id == "b/new-GGUF" and newest[0].last_modified.year == 2026
    found = search(hub_config, "LIKED")
    assert [r.repo_id for r in found] == ["c/liked-GGUF"]
    assert found[0].likes == 9 and found[0].downloads == 200 and found[0].license == "mit"
    assert hub.requests_to(r"^/api/models$")[-1].query["filter"] == ["gguf"]


def test_repo_files_lists_every_gguf_with_hashes_at_one_commit(hub, hub_config, tiny_repo):
    files = repo_files(hub_config, tiny_repo.repo_id)
    assert files.commit == hub.head(tiny_repo.repo_id) and files.license == "mit" and not files.gated
    by_name = {f.name: f for f in files.files}
    assert set(by_name) == {"tiny-Q4_K_M.gguf", "tiny-Q8_0.gguf"}, "README is not a model"
    q8 = by_name["tiny-Q8_0.gguf"]
    assert q8.quant == "Q8_0" and q8.size == len(tiny_repo.files["tiny-Q8_0.gguf"])
    assert q8.parts[0].sha256 == tiny_repo.sha256("tiny-Q8_0.gguf") and q8.revision == files.commit


def test_a_download_stays_on_the_commit_it_was_listed_at(hub, hub_config, tiny_repo, models_dir):
    request = DownloadRequest.from_model_file(pick(repo_files(hub_config, tiny_repo.repo_id), quant="Q8_0"))
    hub.commit(tiny_repo.repo_id, {"tiny-Q8_0.gguf": gguf_bytes("tiny", 110_000, seed=77)})  # main moves on
    path = Download(request, models_dir, hub_config, **FAST).run()
    assert sha256_file(path) == tiny_repo.sha256("tiny-Q8_0.gguf")


def test_offline_mode_contacts_nothing(hub, hub_config, tiny_repo, models_dir):
    request = DownloadRequest.from_model_file(pick(repo_files(hub_config, tiny_repo.repo_id), quant="Q8_0"))
    offline = dataclasses.replace(hub_config, offline=True, offline_reason="settings")
    before = len(hub.requests)
    with pytest.raises(HubOffline, match="offline mode"):
        search(offline, "tiny")
    with pytest.raises(HubOffline):
        Download(request, models_dir, offline, **FAST).run()
    assert len(hub.requests) == before


def test_the_recommended_list_is_complete():
    items = recommended()
    assert len(items) >= 10 and len({r.id for r in items}) == len(items)
    for r in items:
        assert "/" in r.repo_id and r.file.endswith(".gguf") and r.quant in r.file.upper()
        assert r.ram > r.size > 0 and r.good_at and r.license and r.parameter_count
    chinese = [r.repo_id for r in items if r.chinese]
    assert "Qwen/Qwen2.5-7B-Instruct-GGUF" in chinese and len(chinese) >= 4
    qwen7 = next(r for r in items if r.id == "qwen2.5-7b")
    assert qwen7.parts and qwen7.file == qwen7.parts[0]


@pytest.mark.parametrize("text, repo, file, quant, rev", [
    ("Qwen/Qwen2.5-1.5B-Instruct-GGUF", "Qwen/Qwen2.5-1.5B-Instruct-GGUF", None, None, None),
    ("bartowski/Llama-3.2-1B-Instruct-GGUF@q4_k_m", "bartowski/Llama-3.2-1B-Instruct-GGUF", None, "Q4_K_M", None),
    ("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0", "bartowski/Llama-3.2-1B-Instruct-GGUF", None, "Q8_0", None),
    ("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GGUF", "Qwen/Qwen2.5-7B-Instruct-GGUF", None, None, None),
    ("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GGUF/blob/main/qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf",
     "Qwen/Qwen2.5-7B-Instruct-GGUF", "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", None, None),
    ("https://hf-mirror.com/a/b/resolve/abc123/sub/x.gguf?download=true", "a/b", "sub/x.gguf", None, "abc123"),
])
def test_what_people_paste_names_a_repo(text, repo, file, quant, rev):
    from desktop_gpt.models.catalog import parse_ref

    ref = parse_ref(text)
    assert (ref.repo_id, ref.filename, ref.quant, ref.revision) == (repo, file, quant, rev)


def test_search_results_carry_the_hubs_gguf_summary(hub, hub_config):
    add_tiny_repo(hub, "a/sized-GGUF", gguf={"total": 7_615_616_512, "architecture": "qwen2",
                                              "context_length": 32768})
    [found] = search(hub_config, "sized")
    assert found.parameters == 7_615_616_512 and found.architecture == "qwen2"
    assert repo_files(hub_config, "a/sized-GGUF").parameters == 7_615_616_512


def test_a_failing_search_gives_up_after_one_retry(hub, hub_config):
    """A person is waiting: one short retry, not the client's five (~23 s) before saying so."""
    from desktop_gpt.errors import HubServerError

    hub.fail_next(r"^/api/models$", 500, times=None)
    with pytest.raises(HubServerError, match="error 500"):
        search(hub_config, "tiny")
    assert len(hub.requests_to(r"^/api/models$", "GET")) == 2


def test_a_search_answer_that_is_not_a_list_of_repos_is_explained(hub, hub_config):
    from desktop_gpt.errors import HubProtocolError

    hub.malformed(r"^/api/models$")
    with pytest.raises(HubProtocolError, match="did not answer like a Hugging Face Hub"):
        search(hub_config, "tiny")
