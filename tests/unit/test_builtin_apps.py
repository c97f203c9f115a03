"""The built-in apps in desktop_gpt/resources/apps: each one passes the app format's checks and the set covers the seed's kinds."""

from __future__ import annotations

import json

import pytest

from desktop_gpt.resources import resource
from desktop_gpt.store.app_format import MAX_ICON_BYTES, check_icon, parse_manifest
from desktop_gpt.store.library import builtin_apps

FOLDERS = sorted(p for p in resource("apps").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_each_builtin_app_is_valid(folder):
    manifest = parse_manifest((folder / "app.json").read_bytes())
    icon = folder / manifest.icon
    assert check_icon(manifest.icon, icon.read_bytes()) == "svg"
    assert icon.stat().st_size <= MAX_ICON_BYTES
    assert 2 <= len(manifest.starters) <= 4, "starters show what the app is for"
    assert (folder / "README.md").read_text(encoding="utf-8").startswith(f"# {manifest.name}")
    # Short enough for a small model to follow, specific enough to change its behaviour.
    assert 150 <= len(manifest.instructions) <= 1200


def test_the_builtin_apps_cover_the_seed_kinds():
    apps = {a.id: a for a in builtin_apps()}
    assert len(apps) == len(FOLDERS) >= 14  # none is skipped as broken
    for wanted in ("article-writer", "poet", "email-writer", "chat-companion", "tutor", "en-zh-translator",
                   "document-translator", "code-generator", "code-reviewer", "sql-helper"):
        assert f"builtin:{wanted}" in apps
    assert {a.tool for a in apps.values()} == {"chat", "writing", "translation", "code"}
    assert apps["builtin:en-zh-translator"].tool_options["target_language"] == "zh-Hans"
    chinese = apps["builtin:chinese-writing"]
    assert chinese.name == "中文写作助手" and "简体中文" in chinese.instructions
    assert len({a.name for a in apps.values()}) == len(apps)


def test_tool_options_name_choices_the_tools_know():
    from desktop_gpt.tools import code, languages, translation, writing
    from desktop_gpt.tools.options import find

    for app in builtin_apps():
        options = app.tool_options
        if app.tool == "writing":
            for key, choices in (("kind", writing.KINDS), ("tone", writing.TONES), ("length", writing.LENGTHS)):
                if key in options:
                    find(choices, options[key], key)
            if "language" in options:
                languages.find_language(options["language"])
        elif app.tool == "translation":
            translation.find_language(options["target_language"])
        elif app.tool == "code":
            code.find_language(options["language"])
            code.find_task(options["task"])


def test_app_json_is_pretty_utf8_with_chinese_kept():
    text = (resource("apps") / "chinese-writing" / "app.json").read_text(encoding="utf-8")
    assert "中文写作助手" in text and json.loads(text)["format"] == "desktop-gpt-app/1"
