"""``desktop-gpt models``: recommended, search, files, download, list, set-default, remove — against the local Hub."""

from __future__ import annotations

import json

import pytest

from desktop_gpt.cli import main
from desktop_gpt.models import download as download_module
from desktop_gpt.models import partials
from desktop_gpt.settings import load_settings
from tests.models.helpers import add_tiny_repo, sha256_file


def run(capsys, *args):
    code = main(["models", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_recommended_lists_real_repos_with_fit(capsys, app_home):
    code, out, err = run(capsys, "recommended", "--json")
    assert code == 0, err
    items = json.loads(out)
    ids = {i["repo_id"] for i in items}
    assert {"Qwen/Qwen2.5-7B-Instruct-GGUF", "bartowski/Llama-3.2-3B-Instruct-GGUF"} <= ids
    assert all(i["fit"] in ("gpu", "ram", "too_large") and i["size_gb"] > 0 and i["good_at"] for i in items)
    assert any(i["chinese"] for i in items) and items == sorted(items, key=lambda i: i["size_gb"])
    code, out, _ = run(capsys, "recommended")
    assert "Qwen2.5 7B Instruct" in out and "FIT" in out


def test_search_sorts_and_keeps_to_gguf(capsys, hub, tiny_repo):
    add_tiny_repo(hub, "zed/tiny-chat-GGUF", downloads=1, likes=50)
    hub.add_repo("zed/tiny-safetensors", {"model.safetensors": b"x" * 10}, downloads=999)
    code, out, err = run(capsys, "search", "tiny", "--sort", "likes", "--json")
    assert code == 0, err
    assert [r["repo_id"] for r in json.loads(out)] == ["zed/tiny-chat-GGUF", "acme/tiny-GGUF"]
    code, out, _ = run(capsys, "search", "tiny")
    assert out.index("acme/tiny-GGUF") < out.index("zed/tiny-chat-GGUF"), "most downloaded first by default"


def test_files_lists_every_quant_with_size_and_fit(capsys, hub, split_repo):
    code, out, err = run(capsys, "files", split_repo.repo_id)
    assert code == 0, err
    lines = out.splitlines()
    big = next(line for line in lines if line.startswith("big-Q4_K_M-00001-of-00003.gguf"))
    assert "Q4_K_M" in big and "3 parts" in big and "Fits" in big
    assert not any(line.startswith("big-Q4_K_M-00002") for line in lines)
    code, out, _ = run(capsys, "files", split_repo.repo_id, "--json")
    files = {f["name"]: f for f in json.loads(out)["files"]}
    assert files["big-Q4_K_M-00001-of-00003.gguf"]["size"] == sum(
        len(d) for n, d in split_repo.files.items() if n.startswith("big-"))


def test_download_list_set_default_remove(capsys, hub, tiny_repo, models_dir):
    code, out, err = run(capsys, "download", tiny_repo.repo_id, "--json")  # Q4_K_M by default
    assert code == 0, err
    result = json.loads(out)
    assert result["quant"] == "Q4_K_M" and sha256_file(result["path"]) == tiny_repo.sha256("tiny-Q4_K_M.gguf")
    assert "tiny-Q4_K_M.gguf: 100.0%" in err, "progress on stderr"
    code, out, err = run(capsys, "download", tiny_repo.repo_id, "--quant", "Q4_K_M")
    assert code == 0 and out.strip() == result["path"]
    assert len(hub.requests_to(r"^/cdn/", "GET")) == 1, "already downloaded: not fetched again"

    code, out, _ = run(capsys, "list", "--json")
    listed = {m["name"]: m for m in json.loads(out)}
    assert listed["tiny-Q4_K_M.gguf"]["source"] == "downloaded" and listed["tiny-Q4_K_M.gguf"]["deletable"]

    code, out, _ = run(capsys, "set-default", "tiny-Q4_K_M")
    assert code == 0 and "is now the default model" in out
    assert load_settings().settings.model_path == result["path"]
    code, out, _ = run(capsys, "list")
    assert any(line.startswith("*") and "tiny-Q4_K_M.gguf" in line for line in out.splitlines())

    code, out, _ = run(capsys, "remove", "tiny-Q4_K_M.gguf")
    assert code == 0 and out.startswith("Deleted tiny-Q4_K_M.gguf")
    assert load_settings().settings.model_path is None


def test_a_failed_download_says_why_and_how_to_resume(capsys, hub, tiny_repo, models_dir, monkeypatch):
    monkeypatch.setattr(download_module, "BACKOFF", (0.01, 0.02))
    monkeypatch.setattr(download_module, "MAX_RETRIES", 2)
    sha = tiny_repo.sha256("tiny-Q8_0.gguf")
    hub.drop_after[sha] = 150_000  # the first connection breaks off half-way…
    original = download_module.Download._attempt
    calls = []

    def attempt(self, part, path):  # …and from the first retry on, the CDN answers 503 every time
        calls.append(self._have)
        if len(calls) == 2:
            hub.fail_next(r"^/cdn/", 503, times=None, method="GET")
        return original(self, part, path)

    monkeypatch.setattr(download_module.Download, "_attempt", attempt)
    code, out, err = run(capsys, "download", tiny_repo.repo_id, "--quant", "Q8_0")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("desktop-gpt: The download of tiny-Q8_0.gguf stopped: The Hugging Face Hub answered "
                           "with error 503.")
    assert "run the same command again to resume it" in last
    [partial] = partials.list_partials(models_dir)
    assert partial.done == 150_000

    hub.clear_faults()
    monkeypatch.setattr(download_module.Download, "_attempt", original)
    code, out, err = run(capsys, "download", tiny_repo.repo_id, "--quant", "Q8_0")
    assert code == 0, err
    assert hub.requests_to(r"^/cdn/", "GET")[-1].range == "bytes=150000-"
    assert sha256_file(out.strip()) == sha


@pytest.mark.parametrize("args, words", [
    (["download", "acme/missing"], "There is no repository 'acme/missing'"),
    (["download", "acme/tiny-GGUF", "--quant", "Q5_K_M"], "has no Q5_K_M file. Quantizations: Q4_K_M, Q8_0"),
    (["remove", "nothing-like-this"], "No installed model is called 'nothing-like-this'"),
])
def test_errors_are_one_line_and_exit_1(capsys, hub, tiny_repo, args, words):
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err


def test_download_takes_a_pasted_address_or_a_recommended_id(capsys, hub, tiny_repo, models_dir):
    url = f"{hub.endpoint}/{tiny_repo.repo_id}/blob/main/tiny-Q8_0.gguf"
    code, out, err = run(capsys, "download", url)
    assert code == 0, err
    assert sha256_file(out.strip()) == tiny_repo.sha256("tiny-Q8_0.gguf")
    code, out, err = run(capsys, "download", "qwen2.5-0.5b")  # recommended: Qwen/…, not on this local Hub
    assert code == 1 and "There is no repository 'Qwen/Qwen2.5-0.5B-Instruct-GGUF'" in err


def test_the_clients_retry_notices_go_to_the_log_not_stderr(hub, app_home):
    """In a real process: the Hub answers a listing with 500 once, the client retries (after 1 s), stderr stays clean."""
    import os
    import subprocess
    import sys

    from desktop_gpt.paths import app_paths

    seeded = add_tiny_repo(hub)
    hub.fail_next(r"^/api/models$", 500, times=1)
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint}
    done = subprocess.run([sys.executable, "-m", "desktop_gpt", "models", "search", "tiny", "--json"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and seeded.repo_id in done.stdout
    assert "Retry" in (app_paths().logs / "cli.log").read_text()
