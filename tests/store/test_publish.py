"""Publishing an app folder with the real client to the local Hub, then finding and installing it from there."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from desktop_gpt.errors import AppFormatError, HubAuthError
from desktop_gpt.store.catalog import AppSearch
from desktop_gpt.store.library import AppLibrary
from desktop_gpt.store.publish import publish_folder, split_front_matter, validate_folder, with_store_tags
from desktop_gpt.store.app_format import parse_manifest
from tests.hub.fixtures import OTHER_TOKEN, TOKEN
from tests.store.apps import SVG, app_files, write_folder


def test_publish_then_find_and_install(hub, hub_config, tmp_path):
    files = app_files("中文写作助手", category="writing", languages=["zh-Hans"], license="mit")
    files["README.md"] = "---\ntags:\n- chinese\n- category:fun\n---\n# 中文写作助手\n\n帮你写中文。\n".encode()
    folder = write_folder(tmp_path / "writer", {**files, "notes.txt": b"private notes, not uploaded"})
    assert validate_folder(folder) == []
    result = publish_folder(folder, "alice/zh-writer", TOKEN, config=hub_config)
    assert result.repo_id == "alice/zh-writer" and result.sha == hub.head("alice/zh-writer")
    assert result.url == f"{hub.endpoint}/alice/zh-writer"
    assert sorted(result.files) == ["README.md", "app.json", "icon.svg"]
    assert "notes.txt" not in hub.repo("alice/zh-writer").head().files
    meta, body = split_front_matter(hub.file("alice/zh-writer", "README.md").data.decode())
    assert meta["tags"] == ["desktop-gpt-app", "category:writing", "chinese"]
    assert meta["license"] == "mit" and meta["language"] == ["zh-Hans"] and body == "# 中文写作助手\n\n帮你写中文。\n"

    found = AppSearch(hub_config, "zh-writer", category="writing").next_page()
    assert [a.repo_id for a in found] == ["alice/zh-writer"] and found[0].sha == result.sha
    app = AppLibrary().install(hub_config, "alice/zh-writer")
    assert app.manifest == parse_manifest(files["app.json"]) and app.sha == result.sha
    assert app.icon_path.read_bytes() == SVG and app.readme.startswith("# 中文写作助手")

    # Publishing again to the same repo is a new commit on it.
    (folder / "app.json").write_text(json.dumps({**json.loads(files["app.json"]), "version": "2"}))
    again = publish_folder(folder, "alice/zh-writer", TOKEN, config=hub_config)
    assert again.sha != result.sha and AppLibrary().check_update(hub_config, app).sha == again.sha


def test_a_folder_without_readme_gets_one_and_private_repos(hub, hub_config, tmp_path):
    folder = write_folder(tmp_path / "poet", app_files(with_readme=False))
    publish_folder(folder, "alice/poet", TOKEN, private=True, config=hub_config)
    assert hub.repo("alice/poet").private
    meta, body = split_front_matter(hub.file("alice/poet", "README.md").data.decode())
    assert meta["tags"][:2] == ["desktop-gpt-app", "category:writing"]
    assert body.startswith("# Poet\n\nPoet writes short poems") and "- A poem about rain" in body


def test_publish_needs_a_token_with_rights(hub, hub_config, tmp_path):
    folder = write_folder(tmp_path / "poet", app_files())
    with pytest.raises(HubAuthError, match="Publishing needs a Hugging Face access token"):
        publish_folder(folder, "alice/poet", config=hub_config)
    with pytest.raises(HubAuthError, match="did not allow this"):
        publish_folder(folder, "alice/poet", config=replace(hub_config, token=OTHER_TOKEN))
    assert hub.requests_to(r"/commit/") == []


def test_validate_lists_every_problem_in_words(tmp_path):
    folder = write_folder(tmp_path / "bad", {**app_files(icon_name="icon.png", icon=b"not a png"),
                                              "README.md": b"---\ntags: [a\n---\n# x\n"})
    assert validate_folder(folder) == ['The app\'s icon "icon.png" is not a PNG image.',
                                       "The metadata block at the top of README.md is not valid YAML (line 2)."]
    assert validate_folder(tmp_path / "missing") == [f"{tmp_path / 'missing'} is not a folder."]
    assert validate_folder(write_folder(tmp_path / "empty", {})) == [f"There is no app.json in {tmp_path / 'empty'}."]
    with pytest.raises(AppFormatError, match=r"not ready to publish: The app's icon \"icon.png\" is not a PNG image. "
                                             r"\(1 more problem\)"):
        publish_folder(folder, "alice/bad", TOKEN)


def test_store_tags_replace_an_old_category_and_keep_other_metadata():
    manifest = parse_manifest(json.loads(app_files(category="fun")["app.json"]))
    readme = "---\nlicense: apache-2.0\ntags: category:writing\nbase_model: x/y\n---\n\nText\n"
    meta, body = split_front_matter(with_store_tags(readme, manifest))
    assert meta == {"license": "apache-2.0", "tags": ["desktop-gpt-app", "category:fun"], "base_model": "x/y"}
    assert body == "Text\n"
