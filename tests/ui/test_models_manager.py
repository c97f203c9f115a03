"""The model manager against the local Hub (real client, real HTTP) and the real files on disk."""

from __future__ import annotations

import pytest

from desktop_gpt.models.fit import human_size

from tests.hub.fixtures import fast_retries, hf_isolated, hub, hub_config  # noqa: F401
from tests.models.helpers import SPLIT_REPO, TINY_REPO, add_split_repo, add_tiny_repo

TIMEOUT_MS = 20_000


@pytest.fixture
def make_manager(qtbot):
    """A model manager on the app's settings and models folder; downloads use short stall and retry times."""
    from desktop_gpt.models.library import ModelLibrary
    from desktop_gpt.paths import app_paths
    from desktop_gpt.settings import load_settings
    from desktop_gpt.store.hub import HubConfig
    from desktop_gpt.ui.app import create_app
    from desktop_gpt.ui.models.downloads import Downloads
    from desktop_gpt.ui.models.window import ModelManager

    create_app([])
    made = []

    def make(stall_timeout: float = 5.0):
        paths = app_paths().ensure()
        settings = load_settings(paths).settings
        downloads = Downloads(paths.models, lambda: HubConfig.resolve(settings),
                              download_options={"stall_timeout": stall_timeout, "backoff": (0.01, 0.05)})
        manager = ModelManager(settings, ModelLibrary(settings, paths), downloads,
                               lambda: HubConfig.resolve(settings))
        qtbot.addWidget(manager)
        made.append(downloads)
        manager.show()
        qtbot.waitUntil(lambda: manager.installed.refresh_button.isEnabled(), timeout=TIMEOUT_MS)
        return manager

    yield make
    for downloads in made:
        downloads.shutdown()


def _row(manager, name):
    return next(i for i, m in enumerate(manager.installed.models) if m.name == name)


def _cells(table, row):
    return [table.item(row, c).text() for c in range(table.columnCount())]


def _search(qtbot, manager, text):
    pane = manager.search
    pane.query.setText(text)
    with qtbot.waitSignal(pane.searched, timeout=TIMEOUT_MS) as got:
        pane.search_button.click()
    return got.args[0]


def _files(qtbot, manager, repo_id):
    with qtbot.waitSignal(manager.search.files_listed, timeout=TIMEOUT_MS):
        manager.search.open_repo(repo_id)
    return manager.search.file_items(repo_id)


def _start_download(qtbot, manager, repo_id, name):
    _search(qtbot, manager, repo_id.split("/")[1])
    item = next(i for i in _files(qtbot, manager, repo_id) if i.text(0) == name)
    with qtbot.waitSignal(manager.download_started, timeout=TIMEOUT_MS) as started:
        manager.search.download_button(item).click()
    return started.args[0]


def _row_for(manager, job):
    return manager.downloads_pane.row(job.id)


@pytest.mark.model
def test_installed_lists_the_bundled_model_with_its_facts(make_manager, bundled_model):
    manager = make_manager()
    table = manager.installed.table
    row = _row(manager, bundled_model.name)
    name, size, arch, params, quant, context, license_, source, where = _cells(table, row)
    assert name == f"{bundled_model.name}  (default)"  # no model chosen: the bundled one loads at start
    assert size == "98.4 MB"
    assert (arch, params, quant, context) == ("llama", "135M", "Q4_1", "8,192")
    assert source == "Bundled with the app" and where == str(bundled_model)
    table.selectRow(row)
    assert manager.installed.delete_button.text() == "Remove from list"  # not ours to delete
    assert not manager.installed.default_button.isEnabled()  # it is the default already
    assert str(bundled_model) in manager.installed.detail.text()


def test_search_lists_every_file_with_quant_size_and_fit(qtbot, make_manager, hub):
    add_tiny_repo(hub, downloads=500)
    split_repo = add_split_repo(hub)
    manager = make_manager()
    found = _search(qtbot, manager, "GGUF")
    assert [r.repo_id for r in found] == [TINY_REPO, SPLIT_REPO]  # most downloaded first
    assert manager.search.repos[TINY_REPO].text(4) == "500"
    rows = [(i.text(0), i.text(1), i.text(2), i.text(3)) for i in _files(qtbot, manager, SPLIT_REPO)]
    small = human_size(len(split_repo.files["small-Q2_K.gguf"]))
    assert rows[0][:3] == ("small-Q2_K.gguf", "Q2_K", small) and small.endswith(" KB")
    split = rows[1]
    assert split[0] == "big-Q4_K_M-00001-of-00003.gguf  (3 parts, downloaded as one)"  # shards are one entry
    assert split[1] == "Q4_K_M" and split[2].endswith("KB")
    assert all(r[3] in ("Fits in RAM", "Fits on the GPU") for r in rows)  # tiny files fit anywhere
    assert len(rows) == 2


def test_download_shows_progress_and_completes_then_is_installed(qtbot, make_manager, hub):
    seeded = add_tiny_repo(hub)
    name = "tiny-Q4_K_M.gguf"
    hub.stall_after[seeded.sha256(name)] = (100_000, 1.5)  # a slow middle, to see it mid-way
    manager = make_manager()
    job = _start_download(qtbot, manager, TINY_REPO, name)
    assert manager.tabs.currentWidget() is manager.downloads_pane
    row = _row_for(manager, job)
    qtbot.waitUntil(lambda: 0 < row.job.progress.done < row.job.progress.total and row.job.state == "running",
                    timeout=TIMEOUT_MS)
    assert " of " in row.status.text() and "KB" in row.status.text()
    assert 0 < row.bar.value() < 1000 and row.pause_button.isVisible() and not row.use_button.isVisible()
    assert manager.tabs.tabText(3) == "Downloads (1)"
    with qtbot.waitSignal(manager.installed.scanned, timeout=TIMEOUT_MS):  # done: the Installed list rescans
        qtbot.waitUntil(lambda: row.job.state == "done", timeout=TIMEOUT_MS)
    assert row.status.text().startswith("Downloaded and verified")
    footer = manager.status.text()  # the manager's own line no longer says "Downloading…"
    assert not footer.startswith("Downloading") and f"{name} is downloaded" in footer
    assert row.bar.value() == 1000 and row.use_button.isVisible() and not row.cancel_button.isVisible()
    assert row.job.path.read_bytes() == seeded.files[name]
    installed = manager.installed.models[_row(manager, name)]
    assert installed.source_label == "Downloaded" and installed.repo_id == TINY_REPO
    with qtbot.waitSignal(manager.use, timeout=1000) as used:
        row.use_button.click()
    assert used.args[0] == str(row.job.path)


def test_pause_keeps_the_partial_and_resume_continues_with_a_range(qtbot, make_manager, hub):
    seeded = add_tiny_repo(hub)
    name = "tiny-Q8_0.gguf"
    hub.stall_after[seeded.sha256(name)] = (150_000, 30)  # holds mid-way until paused
    manager = make_manager(stall_timeout=30)
    job = _start_download(qtbot, manager, TINY_REPO, name)
    row = _row_for(manager, job)
    qtbot.waitUntil(lambda: row.job.progress.done >= 150_000, timeout=TIMEOUT_MS)
    row.pause_button.click()
    qtbot.waitUntil(lambda: row.job.state == "paused", timeout=TIMEOUT_MS)
    assert row.status.text() == "Paused · 150 KB of 440 KB"
    assert row.resume_button.isVisible() and row.cancel_button.isVisible() and not row.pause_button.isVisible()
    assert any(p.suffix == ".part" for p in (manager.downloads.queue.models_dir / ".partial").iterdir())
    row.resume_button.click()
    qtbot.waitUntil(lambda: row.job.state == "done", timeout=TIMEOUT_MS)
    assert row.job.path.read_bytes() == seeded.files[name]
    ranges = [r.range for r in hub.requests_to(r"/cdn/", "GET")]
    assert ranges[-1] == "bytes=150000-"  # it continued where it stopped


def test_a_second_download_says_it_waits_for_the_first(qtbot, make_manager, hub):
    seeded = add_tiny_repo(hub)
    first, second = "tiny-Q8_0.gguf", "tiny-Q4_K_M.gguf"
    hub.stall_after[seeded.sha256(first)] = (150_000, 30)  # holds mid-way, so the second has to wait
    manager = make_manager(stall_timeout=30)
    messages = []
    manager.message.connect(messages.append)
    running = _start_download(qtbot, manager, TINY_REPO, first)
    qtbot.waitUntil(lambda: _row_for(manager, running).job.progress.done >= 150_000, timeout=TIMEOUT_MS)
    assert messages[-1] == f"Downloading {first} from {TINY_REPO}."
    item = next(i for i in manager.search.file_items(TINY_REPO) if i.text(0) == second)
    with qtbot.waitSignal(manager.download_started, timeout=TIMEOUT_MS) as started:
        manager.search.download_button(item).click()
    assert started.args[0].state == "queued"
    assert messages[-1] == f"{second} will download when the download before it has finished."
    assert _row_for(manager, started.args[0]).status.text().startswith("Waiting for the download before it")
    _row_for(manager, running).cancel_button.click()
    qtbot.waitUntil(lambda: _row_for(manager, started.args[0]).job.state == "done", timeout=TIMEOUT_MS)


def test_cancel_deletes_the_partial(qtbot, make_manager, hub):
    seeded = add_tiny_repo(hub)
    name = "tiny-Q8_0.gguf"
    hub.stall_after[seeded.sha256(name)] = (150_000, 30)
    manager = make_manager(stall_timeout=30)
    job = _start_download(qtbot, manager, TINY_REPO, name)
    row = _row_for(manager, job)
    qtbot.waitUntil(lambda: row.job.progress.done >= 150_000, timeout=TIMEOUT_MS)
    row.cancel_button.click()
    qtbot.waitUntil(lambda: row.job.state == "cancelled", timeout=TIMEOUT_MS)
    assert row.status.text() == "0 B of 440 KB"
    assert not row.bar.isVisible() and row.clear_button.isVisible() and not row.resume_button.isVisible()
    partial = manager.downloads.queue.models_dir / ".partial"
    assert not [p for p in partial.iterdir() if p.suffix in (".part", ".json")]
    row.clear_button.click()
    qtbot.waitUntil(lambda: manager.downloads_pane.row(job.id) is None, timeout=TIMEOUT_MS)
    assert manager.downloads_pane.empty.isVisible()


def test_a_failed_download_says_why_and_can_be_tried_again(qtbot, make_manager, hub):
    seeded = add_tiny_repo(hub)
    name = "tiny-Q4_K_M.gguf"
    good = seeded.files[name]
    hub.body_override[seeded.sha256(name)] = bytes(len(good))  # same size, wrong bytes: silent corruption
    manager = make_manager()
    job = _start_download(qtbot, manager, TINY_REPO, name)
    row = _row_for(manager, job)
    qtbot.waitUntil(lambda: row.job.state == "failed", timeout=TIMEOUT_MS)
    text = row.status.text()
    assert "damaged" in text and "sha256" in text
    assert row.resume_button.text() == "Try again" and row.resume_button.isVisible()
    assert not list(manager.downloads.queue.models_dir.glob("acme/tiny-GGUF/*.gguf"))  # never offered as a model
    hub.body_override.clear()
    row.resume_button.click()
    qtbot.waitUntil(lambda: row.job.state == "done", timeout=TIMEOUT_MS)
    assert row.job.path.read_bytes() == good


def test_recommended_download_asks_the_hub_for_the_exact_file(qtbot, make_manager, hub):
    from desktop_gpt.models.catalog import recommended

    rec = recommended()[0]
    hub.add_repo(rec.repo_id, {rec.file: b"GGUF" + bytes(1000), "README.md": "# model\n"})
    manager = make_manager()
    table = manager.recommended.table
    assert table.rowCount() == len(recommended())
    assert table.item(0, 5).text().startswith(("Fits in RAM", "Fits on the GPU", "Too large"))
    assert "needs about" in table.item(0, 5).toolTip()
    with qtbot.waitSignal(manager.download_started, timeout=TIMEOUT_MS) as started:
        manager.recommended.buttons[0].click()
    job = started.args[0]
    assert (job.request.repo_id, job.request.name) == (rec.repo_id, rec.file)
    assert job.request.parts[0].sha256 == hub.file(rec.repo_id, rec.file).sha256


@pytest.mark.model
def test_offline_hub_is_said_plainly_and_installed_still_works(qtbot, make_manager, hub, bundled_model):
    manager = make_manager()
    hub.offline = True
    manager.search.query.setText("qwen")
    manager.search.search_button.click()
    qtbot.waitUntil(lambda: manager.search.search_button.isEnabled(), timeout=TIMEOUT_MS)
    text = manager.search.status.text()
    assert "could not be reached" in text.lower()
    assert "still listed under Installed" in text
    assert any(m.name == bundled_model.name for m in manager.installed.models)


def test_progress_words():
    from desktop_gpt.models.download import DownloadProgress
    from desktop_gpt.models.partials import DownloadPart, DownloadRequest
    from desktop_gpt.services.downloads import DownloadJob
    from desktop_gpt.ui.models.downloads_pane import duration, progress_text

    request = DownloadRequest("a/b", "0" * 40, "m.gguf", "Q4_K_M", (DownloadPart("m.gguf", 4_700_000_000),))

    def job(state, phase, done, **kw):
        error = kw.pop("error", "")
        return DownloadJob(1, request, state, DownloadProgress(phase, done, 4_700_000_000, **kw), error=error)

    running = job("running", "downloading", 1_200_000_000, speed=12_300_000, eta=285)
    assert progress_text(running) == "1.2 GB of 4.7 GB · 12.3 MB/s · 4 min left"
    quiet = job("running", "downloading", 1_200_000_000, speed=9_000_000, eta=390,
                message="No data from the server for 7 s; reconnecting at 30 s.")
    assert progress_text(quiet) == "1.2 GB of 4.7 GB · No data from the server for 7 s; reconnecting at 30 s."
    assert progress_text(job("paused", "paused", 1_200_000_000)) == "Paused · 1.2 GB of 4.7 GB"
    assert progress_text(job("queued", "queued", 0)) == "Waiting for the download before it · 0 B of 4.7 GB"
    failed = job("failed", "failed", 10, error="The Hub could not be reached.")
    assert progress_text(failed) == "Failed at 10 B of 4.7 GB: The Hub could not be reached."
    retry = job("running", "retrying", 5, message="The connection broke off. Retrying in 2 s.")
    assert progress_text(retry) == "Reconnecting · 5 B of 4.7 GB · The connection broke off. Retrying in 2 s."
    assert (duration(45), duration(720), duration(4800), duration(None)) == ("45 s", "12 min", "1 h 20 min", "")
