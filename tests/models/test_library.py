"""Installed models: the models folder, the Hugging Face cache (filled by the real client), the user's folders."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import ModelLoadError, ModelNotInstalled
from desktop_gpt.models.catalog import pick, repo_files
from desktop_gpt.models.download import Download
from desktop_gpt.models.library import BUNDLED, DOWNLOADED, FOLDER, HF_CACHE, ModelLibrary, estimate_file
from desktop_gpt.models.partials import DownloadRequest
from desktop_gpt.paths import app_paths
from desktop_gpt.settings import Settings, load_settings
from desktop_gpt.store.hub import download_file
from tests.models.helpers import FAST, gguf_bytes


def _download(config, repo_id, models_dir, quant):
    request = DownloadRequest.from_model_file(pick(repo_files(config, repo_id), quant=quant))
    return Download(request, models_dir, config, **FAST).run()


def _by_name(models):
    return {m.name: m for m in models}


@pytest.mark.model  # lists the bundled model next to the downloaded one
def test_a_downloaded_model_is_listed_with_its_facts(hub, hub_config, tiny_repo, models_dir):
    path = _download(hub_config, tiny_repo.repo_id, models_dir, "Q8_0")
    library = ModelLibrary(Settings())
    model = _by_name(library.scan())["tiny-Q8_0.gguf"]

    assert model.path == path and model.source == DOWNLOADED and model.source_label == "Downloaded"
    assert model.repo_id == "acme/tiny-GGUF" and model.deletable and model.usable
    assert model.architecture == "llama" and model.quantization == "Q4_K_M"  # the header's file type wins
    assert model.parameters == 110_000 and model.context_length == 2048 and model.layers == 4
    assert model.license == "mit" and model.size == path.stat().st_size
    assert model.estimate(1024).kv_cache == 1024 * 1024 and model.estimate(1024).exact
    assert any(m.source == BUNDLED and m.is_default for m in library.scan()), "the bundled model is the default"


def test_models_in_the_hugging_face_cache_are_used_in_place(hub, hub_config, tiny_repo, models_dir):
    cached = download_file(hub_config, tiny_repo.repo_id, "tiny-Q4_K_M.gguf")  # the real client's cache layout
    settings = Settings()
    library = ModelLibrary(settings)
    model = _by_name(library.scan())["tiny-Q4_K_M.gguf"]

    assert model.source == HF_CACHE and model.repo_id == "acme/tiny-GGUF" and model.usable
    assert model.path == cached and "snapshots" in model.path.parts
    assert not list(models_dir.rglob("*.gguf")), "nothing copied into the models folder"
    assert not model.deletable

    said = library.remove(model)
    assert "Removed tiny-Q4_K_M.gguf from the list" in said and cached.exists()
    assert "tiny-Q4_K_M.gguf" not in _by_name(library.scan())
    assert load_settings().settings.hidden_models == [str(cached)]


def test_folders_the_user_adds_split_models_and_broken_files(tmp_path, app_home):
    folder = tmp_path / "my models"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "中文模型-Q5_K_M.gguf").write_bytes(gguf_bytes("zh", 2000))
    for i in (1, 2):
        (folder / f"big-Q4_K_M-{i:05d}-of-00002.gguf").write_bytes(gguf_bytes("big", 1000, seed=i, split=(i, 2)))
    (folder / "gap-Q8_0-00001-of-00002.gguf").write_bytes(gguf_bytes("gap", 1000, split=(1, 2)))
    (folder / "cut-Q4_0.gguf").write_bytes(gguf_bytes("cut", 5000)[:3000])
    (folder / "notes.txt").write_text("not a model")
    settings = Settings()
    library = ModelLibrary(settings)
    library.add_folder(folder)
    models = _by_name(library.scan())

    assert load_settings().settings.model_folders == [str(folder)]
    zh = models["中文模型-Q5_K_M.gguf"]
    assert zh.source == FOLDER and zh.usable and zh.quantization == "Q4_K_M"
    big = models["big-Q4_K_M-00001-of-00002.gguf"]
    assert len(big.parts) == 2 and big.size == sum(p.stat().st_size for p in big.parts) and big.usable
    assert big.parameters == 2000, "parameters of every part"
    assert "big-Q4_K_M-00002-of-00002.gguf" not in models, "a split model is one entry"
    assert "parts 2 of this split model are missing" in models["gap-Q8_0-00001-of-00002.gguf"].problem
    assert estimate_file(big.path, 1024).weights == big.size, "a split model's estimate counts every part"
    with pytest.raises(ModelLoadError, match="parts 2 are missing"):
        estimate_file(folder / "gap-Q8_0-00001-of-00002.gguf", 1024)
    assert "truncated" in models["cut-Q4_0.gguf"].problem
    assert "notes.txt" not in models


def test_set_default_and_delete_a_downloaded_model(hub, hub_config, tiny_repo, models_dir):
    path = _download(hub_config, tiny_repo.repo_id, models_dir, "Q4_K_M")
    settings = Settings()
    library = ModelLibrary(settings)
    model = library.find("tiny-Q4_K_M")
    library.set_default(model)
    assert load_settings().settings.model_path == str(path)
    first = library.scan()[0]
    assert first.name == "tiny-Q4_K_M.gguf" and first.is_default

    said = library.remove(library.find("tiny-Q4_K_M.gguf"))
    assert said.startswith("Deleted tiny-Q4_K_M.gguf")
    assert not path.exists() and not (models_dir / "acme").exists(), "empty repo folders go too"
    assert load_settings().settings.model_path is None, "the default falls back to the bundled model"


def test_find_names_what_matches(tmp_path, app_home):
    folder = tmp_path / "m"
    folder.mkdir()
    for name in ("alpha-Q4_K_M.gguf", "alpha-Q8_0.gguf"):
        (folder / name).write_bytes(gguf_bytes(name, 500))
    settings = Settings(model_folders=[str(folder)])
    library = ModelLibrary(settings, app_paths())
    assert library.find("alpha-Q8_0").name == "alpha-Q8_0.gguf"
    with pytest.raises(ModelNotInstalled, match="Several installed models match 'alpha'"):
        library.find("alpha")
    with pytest.raises(ModelNotInstalled, match="No installed model is called 'beta'"):
        library.find("beta")


def test_a_split_model_in_a_repo_subfolder(hub, hub_config, models_dir):
    parts = {f"Q4_K_M/sub-Q4_K_M-{i:05d}-of-00002.gguf": gguf_bytes("sub", 3000, seed=i, split=(i, 2))
             for i in (1, 2)}
    hub.add_repo("unsloth/sub-GGUF", parts)
    path = _download(hub_config, "unsloth/sub-GGUF", models_dir, "Q4_K_M")
    assert path == models_dir / "unsloth" / "sub-GGUF" / "Q4_K_M" / "sub-Q4_K_M-00001-of-00002.gguf"

    library = ModelLibrary(Settings())
    model = library.find("sub-Q4_K_M")
    assert model.repo_id == "unsloth/sub-GGUF" and len(model.parts) == 2 and model.deletable
    library.remove(model)
    assert not (models_dir / "unsloth").exists()
