"""End to end: the real bundled model served by the local Hub, downloaded through the queue, loaded and chatting."""

from __future__ import annotations

import threading

import pytest

from desktop_gpt.engine import SamplingParams, run_to_text
from desktop_gpt.models.catalog import pick, repo_files
from desktop_gpt.models.library import ModelLibrary
from desktop_gpt.models.partials import DownloadRequest
from desktop_gpt.services.downloads import DONE, DownloadQueue
from desktop_gpt.settings import Settings
from tests.models.helpers import FAST, sha256_file

pytestmark = pytest.mark.model


def test_a_downloaded_model_loads_and_chats(hub, hub_config, models_dir, bundled_model, engine):
    data = bundled_model.read_bytes()  # ~98 MB, served once in this module
    hub.add_repo("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", {bundled_model.name: data}, downloads=100)
    sha = hub.file("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", bundled_model.name).sha256
    hub.drop_after[sha] = 40_000_000
    hub.stall_after[sha] = (20_000_000, 0.6)  # a pause under the stall limit, so progress is seen mid-file

    files = repo_files(hub_config, "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF")
    model = pick(files)
    assert model.quant == "Q4_1" and model.size == len(data)
    finished = threading.Event()
    jobs = []

    def changed(job):
        jobs.append(job)
        if job.finished:
            finished.set()

    queue = DownloadQueue(models_dir, config_factory=lambda: hub_config, on_change=changed, download_options=FAST)
    queue.add(DownloadRequest.from_model_file(model))
    assert finished.wait(120)
    job = jobs[-1]
    assert job.state == DONE, job.error
    assert hub.requests_to(r"^/cdn/", "GET")[-1].range == "bytes=40000000-"
    assert sha256_file(job.path) == hub.file("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", bundled_model.name).sha256
    assert any(j.progress.phase == "downloading" and 0 < j.progress.done < len(data) for j in jobs)

    installed = ModelLibrary(Settings()).find(str(job.path))
    assert installed.source == "downloaded" and installed.usable and installed.architecture == "llama"

    info = engine.load(job.path, context_size=2048)
    assert info.path == str(job.path.resolve())
    text, stats = run_to_text(engine.chat([{"role": "user", "content": "Say hello."}],
                                          SamplingParams(temperature=0.0, max_tokens=12)))
    assert text.strip() and stats.completion_tokens > 0
    queue.shutdown()
