"""docs/app-format.md is the public contract: its example app must be valid, its tables must match the code."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from desktop_gpt.store.app_format import CATEGORIES, AppManifest, AppParameters, parse_manifest
from desktop_gpt.store.library import AppLibrary
from desktop_gpt.store.publish import split_front_matter, validate_folder

DOC = Path(__file__).resolve().parents[2] / "docs" / "app-format.md"


def example_files() -> dict[str, str]:
    section = DOC.read_text(encoding="utf-8").split("## A complete example", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"`([\w.]+)`:\n\n```\w+\n(.*?)```", section, re.S)
    return dict(blocks)


def test_the_example_app_in_the_doc_is_valid_and_installs(tmp_path):
    files = example_files()
    assert sorted(files) == ["README.md", "app.json", "icon.svg"]
    folder = tmp_path / "zh-en-tutor"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert validate_folder(folder) == []
    manifest = parse_manifest(files["app.json"].encode())
    assert manifest.icon == "icon.svg" and manifest.category == "education" and len(manifest.starters) == 3
    meta, _ = split_front_matter(files["README.md"])
    assert meta["tags"][:2] == ["desktop-gpt-app", f"category:{manifest.category}"]
    assert AppLibrary().install_folder(folder).name == "中文老师 Chinese Tutor"


def test_the_doc_tables_name_every_field_category_and_parameter():
    text = DOC.read_text(encoding="utf-8")
    fields_table = text.split("## `app.json`", 1)[1].split("### Categories", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", fields_table, re.M))
    assert documented == {f.name for f in dataclasses.fields(AppManifest)}
    categories = text.split("### Categories", 1)[1].split("###", 1)[0]
    assert re.findall(r"`(\w+)`", categories) == list(CATEGORIES)
    parameters = text.split("### `parameters`", 1)[1].split("###", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", parameters, re.M) == [f.name for f in dataclasses.fields(AppParameters)]
