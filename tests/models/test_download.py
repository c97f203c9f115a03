"""The downloader against the local Hub over real HTTP: resume, stalls, Range ignored, corruption, errors, splits."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import FileNotOnHub, GatedRepo, IntegrityError, NotEnoughSpace, RepoNotFound
from desktop_gpt.models import partials
from desktop_gpt.models.catalog import pick, repo_files
from desktop_gpt.models.download import Download
from desktop_gpt.models.gguf import read_gguf
from desktop_gpt.models.partials import DownloadPart, DownloadRequest
from tests.hub.fixtures import TOKEN
from tests.models.helpers import FAST, add_tiny_repo, sha256_file


def _request(config, repo_id, quant=None, filename=None) -> DownloadRequest:
    return DownloadRequest.from_model_file(pick(repo_files(config, repo_id), quant=quant, filename=filename))


def _cdn_gets(hub):
    return hub.requests_to(r"^/cdn/", "GET")


def test_download_lands_verified_in_the_models_folder(hub, hub_config, tiny_repo, models_dir):
    events = []
    request = _request(hub_config, tiny_repo.repo_id, quant="Q8_0")
    path = Download(request, models_dir, hub_config, on_progress=events.append, **FAST).run()

    assert path == models_dir / "acme" / "tiny-GGUF" / "tiny-Q8_0.gguf"
    assert sha256_file(path) == tiny_repo.sha256("tiny-Q8_0.gguf")
    assert read_gguf(path).architecture == "llama"
    assert not list(partials.partial_dir(models_dir).glob("*.part")), "no partial left behind"
    assert not list(partials.partial_dir(models_dir).glob("*.json"))
    assert partials.read_provenance(path.parent)["tiny-Q8_0.gguf"]["revision"] == hub.head(tiny_repo.repo_id)
    assert events[-1].phase == "done" and events[-1].done == events[-1].total == path.stat().st_size
    # pinned to the listed commit, and the LFS redirect was followed to the CDN origin without the token
    resolve = hub.requests_to(r"/resolve/", "GET")[-1]
    assert resolve.path.endswith(f"/resolve/{hub.head(tiny_repo.repo_id)}/tiny-Q8_0.gguf")
    assert _cdn_gets(hub)[-1].host.startswith("localhost") and "authorization" not in _cdn_gets(hub)[-1].headers


def test_a_dropped_connection_is_resumed_with_a_range_request(hub, hub_config, tiny_repo, models_dir):
    sha = tiny_repo.sha256("tiny-Q8_0.gguf")
    hub.drop_after[sha] = 150_000
    path = Download(_request(hub_config, tiny_repo.repo_id, "Q8_0"), models_dir, hub_config, **FAST).run()

    gets = _cdn_gets(hub)
    assert [g.range for g in gets] == [None, "bytes=150000-"]
    assert gets[-1].status == 206
    assert sha256_file(path) == sha


def test_a_stalled_connection_is_retried_and_completes(hub, hub_config, tiny_repo, models_dir):
    sha = tiny_repo.sha256("tiny-Q4_K_M.gguf")
    hub.stall_after[sha] = (100_000, 30)  # the server goes silent for longer than the stall timeout (1 s)
    events = []
    path = Download(_request(hub_config, tiny_repo.repo_id, "Q4_K_M"), models_dir, hub_config,
                    on_progress=events.append, **FAST).run()

    assert [g.range for g in _cdn_gets(hub)] == [None, "bytes=100000-"]
    retry = [e for e in events if e.phase == "retrying"]
    assert retry and "stopped sending data" in retry[0].message
    assert sha256_file(path) == sha


def test_a_server_that_ignores_range_restarts_cleanly(hub, hub_config, tiny_repo, models_dir):
    sha = tiny_repo.sha256("tiny-Q8_0.gguf")
    hub.drop_after[sha] = 150_000
    hub.ignore_range = True
    path = Download(_request(hub_config, tiny_repo.repo_id, "Q8_0"), models_dir, hub_config, **FAST).run()

    gets = _cdn_gets(hub)
    assert gets[-1].range == "bytes=150000-" and gets[-1].status == 200  # asked to resume, got the whole file
    assert sha256_file(path) == sha
    assert path.stat().st_size == len(tiny_repo.files["tiny-Q8_0.gguf"])


def test_a_same_size_corrupted_body_is_rejected_and_removed(hub, hub_config, tiny_repo, models_dir):
    data = tiny_repo.files["tiny-Q4_K_M.gguf"]
    hub.body_override[tiny_repo.sha256("tiny-Q4_K_M.gguf")] = data[:-1000] + bytes(1000)
    request = _request(hub_config, tiny_repo.repo_id, "Q4_K_M")
    with pytest.raises(IntegrityError) as caught:
        Download(request, models_dir, hub_config, **FAST).run()

    assert "damaged" in str(caught.value) and "sha256" in str(caught.value) and "deleted" in str(caught.value)
    assert not partials.part_file(models_dir, request, request.parts[0]).exists()
    assert not partials.target_file(models_dir, request).exists()
    assert partials.list_partials(models_dir) == []


def test_a_missing_file_says_so(hub, hub_config, tiny_repo, models_dir):
    real = _request(hub_config, tiny_repo.repo_id, "Q8_0")
    request = DownloadRequest(real.repo_id, real.revision, "gone.gguf", None, (DownloadPart("gone.gguf", 10),))
    with pytest.raises(FileNotOnHub, match="'gone.gguf' is not in 'acme/tiny-GGUF'"):
        Download(request, models_dir, hub_config, **FAST).run()
    with pytest.raises(RepoNotFound, match="no repository 'acme/nothing'"):
        repo_files(hub_config, "acme/nothing")


def test_a_gated_repo_needs_a_token_with_access(hub, hub_config, models_dir):
    from desktop_gpt.settings import Settings
    from desktop_gpt.store.hub import HubConfig

    seeded = add_tiny_repo(hub, "meta/gated-GGUF", gated="manual")
    request = _request(hub_config, seeded.repo_id, "Q4_K_M")  # metadata is public, files are not
    with pytest.raises(GatedRepo) as caught:
        Download(request, models_dir, hub_config, **FAST).run()
    assert "gated" in str(caught.value) and "access token" in str(caught.value)
    assert caught.value.url.endswith("/meta/gated-GGUF")

    hub.grant(seeded.repo_id, "alice")
    with_token = HubConfig.resolve(Settings(), token=TOKEN)
    path = Download(request, models_dir, with_token, **FAST).run()
    assert sha256_file(path) == seeded.sha256("tiny-Q4_K_M.gguf")
    resolve, cdn = hub.requests_to(r"/resolve/", "GET")[-1], _cdn_gets(hub)[-1]
    assert resolve.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in cdn.headers, "the token is not sent on to the CDN's origin"


def test_a_full_disk_is_refused_before_starting(hub, hub_config, tiny_repo, models_dir, monkeypatch):
    # A fault we cannot cause otherwise: the free-space figure is faked (a real full disk is not available here).
    monkeypatch.setattr(partials, "free_bytes", lambda path: 50_000_000)
    request = _request(hub_config, tiny_repo.repo_id, "Q8_0")
    with pytest.raises(NotEnoughSpace) as caught:
        Download(request, models_dir, hub_config, **FAST).run()
    message = str(caught.value)
    assert "Not enough free disk space" in message and "50.0 MB free" in message and "440 KB more" in message
    assert _cdn_gets(hub) == [], "nothing was fetched"
    assert partials.list_partials(models_dir) == [], "a refused download is not listed as unfinished"


def test_a_split_model_downloads_as_one(hub, hub_config, split_repo, models_dir):
    files = repo_files(hub_config, split_repo.repo_id)
    big = pick(files, quant="Q4_K_M")
    assert big.sharded and len(big.parts) == 3 and big.name == "big-Q4_K_M-00001-of-00003.gguf"
    events = []
    path = Download(DownloadRequest.from_model_file(big), models_dir, hub_config, on_progress=events.append,
                    **FAST).run()

    assert path.name == "big-Q4_K_M-00001-of-00003.gguf"
    for name, data in split_repo.files.items():
        if name.startswith("big-"):
            assert sha256_file(path.parent / name) == split_repo.sha256(name)
    assert {e.parts for e in events} == {3} and {e.part for e in events} == {1, 2, 3}
    assert events[-1].done == events[-1].total == big.size


def test_rate_limits_and_server_errors_are_retried(hub, hub_config, tiny_repo, models_dir):
    hub.fail_next(r"^/cdn/", 429, times=1, method="GET", headers={"Retry-After": "0"})
    hub.fail_next(r"^/cdn/", 502, times=1, method="GET")
    events = []
    path = Download(_request(hub_config, tiny_repo.repo_id, "Q4_K_M"), models_dir, hub_config,
                    on_progress=events.append, **FAST).run()
    assert sha256_file(path) == tiny_repo.sha256("tiny-Q4_K_M.gguf")
    assert [g.status for g in _cdn_gets(hub)] == [502, 429, 200]
    said = [e.message for e in events if e.phase == "retrying"]
    assert said[0].startswith("The Hugging Face Hub answered with error 502.")
    assert "too many requests" in said[1]


def test_progress_says_when_the_server_goes_quiet(hub, hub_config, tiny_repo, models_dir, monkeypatch):
    from desktop_gpt.models import download

    monkeypatch.setattr(download, "QUIET_NOTICE", 0.3)
    hub.stall_after[tiny_repo.sha256("tiny-Q4_K_M.gguf")] = (100_000, 30)
    events = []
    Download(_request(hub_config, tiny_repo.repo_id, "Q4_K_M"), models_dir, hub_config, on_progress=events.append,
             stall_timeout=1.5, backoff=(0.01, 0.05)).run()
    quiet = [e for e in events if e.phase == "downloading" and e.message]
    assert quiet and quiet[0].done == 100_000
    assert quiet[0].message.startswith("No data from the server for") and "reconnecting at 1.5 s" in quiet[0].message
