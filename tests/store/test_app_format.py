"""The app format desktop-gpt-app/1: every rule, broken once, is refused with a message naming the field."""

from __future__ import annotations

import json

import pytest

from desktop_gpt.errors import AppFormatError
from desktop_gpt.store.app_format import (
    CATEGORIES,
    FORMAT,
    MAX_ICON_BYTES,
    PNG_MAGIC,
    AppParameters,
    check_icon,
    check_icon_path,
    parse_manifest,
)

GOOD = {
    "format": FORMAT,
    "name": "中英翻译",
    "description": "Translates between English and Chinese.",
    "tool": "translation",
    "instructions": "You translate faithfully.\nKeep names as they are.",
    "category": "translation",
    "starters": ["Translate: good morning", "翻译：你好"],
    "parameters": {"temperature": 0.2, "top_p": 0.9, "top_k": 40, "repeat_penalty": 1.1, "max_tokens": 2048},
    "icon": "assets/icon.svg",
    "languages": ["en", "zh-Hans"],
    "recommended_model": {"repo": "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "file": "qwen2.5-1.5b-instruct-q4_k_m.gguf"},
    "tool_options": {"target_language": "zh-Hans", "glossary": ["GPU = 显卡"]},
    "version": "1.2",
    "license": "apache-2.0",
    "min_app_version": "0.1",
}

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="3"/></svg>'
PNG = PNG_MAGIC + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def with_(**changes):
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_a_complete_app_parses_from_bytes_text_and_dict():
    for form in (json.dumps(GOOD, ensure_ascii=False).encode(), json.dumps(GOOD), GOOD):
        manifest = parse_manifest(form)
        assert manifest.name == "中英翻译" and manifest.tool == "translation"
        assert manifest.starters == ("Translate: good morning", "翻译：你好")
        assert manifest.parameters == AppParameters(0.2, 0.9, 40, 1.1, 2048)
        assert manifest.parameters.as_dict()["max_tokens"] == 2048
        assert manifest.recommended_model.file.endswith(".gguf")
        assert manifest.tool_options["target_language"] == "zh-Hans"
    assert parse_manifest(manifest.to_dict()) == manifest


def test_minimal_app_defaults_and_unknown_fields_ignored():
    minimal = {k: GOOD[k] for k in ("format", "name", "description", "tool", "instructions")}
    manifest = parse_manifest({**minimal, "knowledge": ["x"], "future_field": {"a": 1}})
    assert manifest.category == "other" and manifest.starters == () and manifest.icon is None
    assert manifest.parameters.as_dict() == {} and manifest.tool_options == {}
    assert "future_field" not in manifest.to_dict()


def test_utf8_bom_is_accepted_and_a_newer_minor_version_too():
    assert parse_manifest(b"\xef\xbb\xbf" + json.dumps(GOOD).encode()).name == "中英翻译"
    assert parse_manifest(with_(format="desktop-gpt-app/1.3")).format == "desktop-gpt-app/1.3"


def test_newer_major_format_needs_a_newer_app():
    with pytest.raises(AppFormatError) as error:
        parse_manifest(with_(format="desktop-gpt-app/2"))
    assert str(error.value) == "This app needs a newer Desktop GPT (format desktop-gpt-app/2)."
    assert error.value.field == "format"


BROKEN = [
    # (what, app.json, field, words in the message)
    ("not json", b"{name: 1}", "app.json", "not valid JSON (line 1"),
    ("not utf-8", b'{"name": "\xff"}', "app.json", "not UTF-8"),
    ("not an object", b"[1, 2]", "app.json", "one JSON object"),
    ("too big", b'{"x": "' + b"a" * (256 * 1024) + b'"}', "app.json", "too big"),
    ("no format", with_(format=...), "format", "no format"),
    ("other format", with_(format="gpt-store/1"), "format", 'must be "desktop-gpt-app/1"'),
    ("old format", with_(format="desktop-gpt-app/0"), "format", 'must be "desktop-gpt-app/1"'),
    ("format not text", with_(format=1), "format", "not 1"),
    ("no name", with_(name=...), "name", "has no name"),
    ("empty name", with_(name="   "), "name", "name is empty"),
    ("long name", with_(name="名" * 61), "name", "name is too long: 61 characters, at most 60"),
    ("name on two lines", with_(name="a\nb"), "name", "line break"),
    ("name not text", with_(name=["x"]), "name", "must be text, not a list"),
    ("control character", with_(description="a\x07b"), "description", "control character (U+0007)"),
    ("no description", with_(description=...), "description", "no description"),
    ("long description", with_(description="d" * 501), "description", "at most 500"),
    ("no tool", with_(tool=...), "tool", "no tool"),
    ("unknown tool", with_(tool="image"), "tool", 'chat, writing, translation or code, not "image"'),
    ("no instructions", with_(instructions=...), "instructions", "no instructions"),
    ("long instructions", with_(instructions="i" * 16_001), "instructions", "16,001 characters, at most 16,000"),
    ("unknown category", with_(category="games"), "category", 'not "games"'),
    ("starters not a list", with_(starters="hi"), "starters", "list of texts"),
    ("five starters", with_(starters=["a", "b", "c", "d", "e"]), "starters", "5 starters; it may have at most 4"),
    ("long starter", with_(starters=["ok", "s" * 201]), "starters[1]", "starter 2 is too long"),
    ("starter not text", with_(starters=[3]), "starters[0]", "starter 1 must be text"),
    ("parameters not object", with_(parameters=[1]), "parameters", "must be an object"),
    ("temperature high", with_(parameters={"temperature": 2.5}), "parameters.temperature", "from 0 to 2, not 2.5"),
    ("temperature text", with_(parameters={"temperature": "hot"}), "parameters.temperature", "a number"),
    ("top_p high", with_(parameters={"top_p": 1.5}), "parameters.top_p", "from 0 to 1"),
    ("top_k fraction", with_(parameters={"top_k": 4.5}), "parameters.top_k", "a whole number"),
    ("top_k bool", with_(parameters={"top_k": True}), "parameters.top_k", "not true"),
    ("repeat_penalty low", with_(parameters={"repeat_penalty": 0.5}), "parameters.repeat_penalty", "from 1 to 2"),
    ("max_tokens zero", with_(parameters={"max_tokens": 0}), "parameters.max_tokens", "from 1 to 8192"),
    ("max_tokens big", with_(parameters={"max_tokens": 9000}), "parameters.max_tokens", "not 9000"),
    ("icon not text", with_(icon=5), "icon", "file name"),
    ("icon parent", with_(icon="../x.png"), "icon", "leaves the app's folder"),
    ("icon deep parent", with_(icon="a/../../x.png"), "icon", "leaves the app's folder"),
    ("icon absolute", with_(icon="/etc/x.png"), "icon", "absolute path"),
    ("icon drive", with_(icon="C:/x.png"), "icon", "absolute path"),
    ("icon home", with_(icon="~/x.png"), "icon", "absolute path"),
    ("icon backslash", with_(icon="..\\x.png"), "icon", "backslashes"),
    ("icon dot segment", with_(icon="./x.png"), "icon", "not a plain relative path"),
    ("icon double slash", with_(icon="a//x.png"), "icon", "not a plain relative path"),
    ("icon colon", with_(icon="x.png:stream"), "icon", "characters a file name may not have"),
    ("icon type", with_(icon="icon.gif"), "icon", "PNG or SVG"),
    ("languages not list", with_(languages="en"), "languages", "list of language tags"),
    ("language not a tag", with_(languages=["English!"]), "languages", '"English!"'),
    ("recommended not object", with_(recommended_model="x/y"), "recommended_model", "must be an object"),
    ("recommended repo", with_(recommended_model={"repo": "nope", "file": "a.gguf"}), "recommended_model.repo",
     "owner/name"),
    ("recommended file", with_(recommended_model={"repo": "a/b", "file": "a.bin"}), "recommended_model.file",
     "GGUF file"),
    ("tool_options not object", with_(tool_options=["x"]), "tool_options", "must be an object"),
    ("tool option nested", with_(tool_options={"x": {"y": 1}}), "tool_options.x", '"x" must be a text'),
    ("version not text", with_(version=2), "version", "version must be text"),
    ("license empty", with_(license=""), "license", "license is empty"),
    ("min_app_version shape", with_(min_app_version="latest"), "min_app_version", "a version such as"),
    ("min_app_version future", with_(min_app_version="99.0"), "min_app_version", "needs Desktop GPT 99.0 or newer"),
]


@pytest.mark.parametrize("data,field,words", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_every_rule_broken_once_names_the_field(data, field, words):
    with pytest.raises(AppFormatError) as error:
        parse_manifest(data)
    assert error.value.field == field
    assert words in str(error.value)
    assert "\n" not in str(error.value)


def test_every_category_and_tool_is_accepted():
    for category in CATEGORIES:
        assert parse_manifest(with_(category=category)).category == category
    for tool in ("chat", "writing", "translation", "code"):
        assert parse_manifest(with_(tool=tool)).tool == tool


@pytest.mark.parametrize("path", ["icon.png", "assets/icon.svg", "ICON.PNG", "图标/icon.svg"])
def test_icon_paths_inside_the_folder(path):
    assert check_icon_path(path) == path


def test_icon_bytes():
    assert check_icon("icon.svg", SVG) == "svg"
    assert check_icon("icon.svg", b'<?xml version="1.0"?>\n' + SVG) == "svg"
    assert check_icon("icon.png", PNG) == "png"
    cases = [
        ("icon.png", PNG + b"\x00" * MAX_ICON_BYTES, "too big"),
        ("icon.png", b"GIF89a" + b"\x00" * 40, "not a PNG image"),
        ("icon.png", SVG, "not a PNG image"),
        ("icon.svg", PNG, "not an SVG image"),
        ("icon.svg", b"<html><body/></html>", "not an SVG image"),
        ("icon.svg", b"<svg", "not an SVG image"),
        ("icon.svg", b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
         "DOCTYPE or entities"),
        ("icon.svg", SVG.replace(b"<circle", b"<script>alert(1)</script><circle"), "contains a script"),
        ("../icon.svg", SVG, "leaves the app's folder"),
    ]
    for name, data, words in cases:
        with pytest.raises(AppFormatError) as error:
            check_icon(name, data)
        assert error.value.field == "icon" and words in str(error.value), (name, str(error.value))
