"""Prompt templates: every bundled template renders, a user's copy wins, a broken one is a clear error."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import PromptTemplateError
from desktop_gpt.tools import templates as tpl
from desktop_gpt.tools.templates import PromptTemplates

VALUES = dict(text="T", tone="calm", language="", kind="a poem", topic="rain", length="short", source="English",
              target="French", glossary=[], inline=False, fence="python", code="x = 1", description="d", error="",
              target_fence="rust")


def test_every_bundled_template_renders():
    folder = tpl.bundled_folder()
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2") if not p.name.startswith("_"))
    assert len(names) >= 16
    for name in names:
        blocks = tpl.templates().render(name, **VALUES)
        assert blocks.get("user") or "text" in blocks, name


def test_a_users_copy_replaces_the_bundled_template(app_home):
    own = tpl.user_folder() / "writing"
    own.mkdir(parents=True)
    (own / "shorten.j2").write_text("{% block user %}Make it short: {{ text }}{% endblock %}", encoding="utf-8")
    from desktop_gpt.tools.writing import task_prompt

    assert task_prompt("shorten", "Hello there").messages == [{"role": "user", "content": "Make it short: Hello there"}]


def test_broken_and_missing_templates_are_clear_errors(tmp_path):
    (tmp_path / "bad.j2").write_text("{% block user %}{% if %}{% endblock %}", encoding="utf-8")
    (tmp_path / "needs.j2").write_text("{% block user %}{{ missing }}{% endblock %}", encoding="utf-8")
    (tmp_path / "system_only.j2").write_text("{% block system %}S{% endblock %}", encoding="utf-8")
    templates = PromptTemplates([tmp_path])
    with pytest.raises(PromptTemplateError, match="bad.j2 has a mistake on line 1"):
        templates.messages("bad.j2")
    with pytest.raises(PromptTemplateError, match="missing"):
        templates.messages("needs.j2")
    with pytest.raises(PromptTemplateError, match="nothere.j2 is missing"):
        templates.messages("nothere.j2")
    with pytest.raises(PromptTemplateError, match="no user block"):
        templates.messages("system_only.j2")


def test_raw_text_is_kept_exactly():
    assert tpl.templates().text("writing/continue.j2", text="Once upon a time ") == "Once upon a time "
