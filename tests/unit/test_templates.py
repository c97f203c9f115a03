"""Chat templates: the GGUF's own template, repairs for known-bad ones, and clear errors."""

import pytest

from desktop_gpt.engine.templates import CHATML, ChatTemplate, normalise
from desktop_gpt.errors import TemplateError

GEMMA_LIKE = (
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for m in messages %}<start_of_turn>{{ m['role'] }}\n{{ m['content'] }}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def test_missing_template_falls_back_to_chatml():
    t = ChatTemplate(None)
    assert t.source == "fallback"
    out = t.render([{"role": "user", "content": "你好"}]).text
    assert out == "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n"


def test_gguf_template_renders_system_first_and_generation_prompt():
    t = ChatTemplate(CHATML)
    out = t.render([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]).text
    assert out.startswith("<|im_start|>system\nS<|im_end|>")
    assert out.endswith("<|im_start|>assistant\n")


def test_generation_tags_are_repaired():
    t = ChatTemplate("{% for m in messages %}{% generation %}{{ m['content'] }}{% endgeneration %}{% endfor %}")
    assert "strip {% generation %} tags" in t.fixes
    assert t.render([{"role": "user", "content": "hi"}]).text == "hi"


def test_template_refusing_system_role_gets_it_merged():
    t = ChatTemplate(GEMMA_LIKE)
    out = t.render([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]).text
    assert "Be brief.\n\nHi" in out and "<start_of_turn>system" not in out
    assert t.merges_system


def test_unreadable_template_is_a_clear_error():
    with pytest.raises(TemplateError, match="cannot be read"):
        ChatTemplate("{% for m in messages %}")


def test_template_raising_on_other_things_is_reported():
    t = ChatTemplate("{{ raise_exception('Conversation roles must alternate') }}")
    with pytest.raises(TemplateError, match="roles must alternate"):
        t.render([{"role": "user", "content": "x"}])


def test_normalise_merges_repeated_roles_and_drops_empty_replies():
    msgs = normalise([
        {"role": "system", "content": "S"},
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": "b"},
        {"role": "assistant", "content": "c"},
    ])
    assert msgs == [{"role": "system", "content": "S"}, {"role": "user", "content": "a\n\nb"},
                    {"role": "assistant", "content": "c"}]
