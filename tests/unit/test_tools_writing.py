"""Writing prompts: drafts from a brief, edits of a selection, raw continuation, and word counts in any script."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import ToolInputError
from desktop_gpt.tools import writing


def test_draft_prompt_carries_kind_topic_tone_length_and_language():
    prompt = writing.draft_prompt("poem", "autumn rain", tone="playful", length="short", language="fr")
    system, user = prompt.messages[0]["content"], prompt.messages[1]["content"]
    assert "Write in French" in system
    assert "a poem about: autumn rain" in user and "playful" in user and "about 100 words" in user
    assert prompt.tool == "writing" and prompt.input == "autumn rain"
    assert prompt.request == {"mode": "draft", "kind": "poem", "tone": "playful", "length": "short",
                              "language": "fr"}


def test_draft_writes_in_the_language_of_the_brief():
    prompt = writing.draft_prompt("blog post", "秋天的雨")
    assert "Simplified Chinese" in prompt.messages[0]["content"]


@pytest.mark.parametrize("task", [t.key for t in writing.TASKS if not t.raw])
def test_every_edit_task_renders_with_the_text(task):
    prompt = writing.task_prompt(task, "Their going to the park tomorow.", tone="formal")
    user = prompt.messages[-1]["content"]
    assert user.endswith("Their going to the park tomorow.")
    assert "English" in user
    if task == "tone":
        assert "formal and polite" in user


def test_continue_is_a_raw_continuation_of_the_text_itself():
    prompt = writing.task_prompt("continue", "The quick brown fox")
    assert prompt.messages is None and prompt.raw == "The quick brown fox"
    long = "x" * 10_000 + "END"
    assert writing.continue_prompt(long).raw.endswith("END") and len(writing.continue_prompt(long).raw) == 6000


def test_accept_modes():
    modes = {t.key: t.accept for t in writing.TASKS}
    assert modes["continue"] == "insert" and modes["shorten"] == "replace"


def test_unknown_choices_and_empty_text_are_clear_errors():
    with pytest.raises(ToolInputError, match="Unknown task 'shrink'"):
        writing.task_prompt("shrink", "text")
    with pytest.raises(ToolInputError, match="Unknown kind 'sonnet'.*poem"):
        writing.draft_prompt("sonnet", "x")
    with pytest.raises(ToolInputError, match="no text"):
        writing.task_prompt("shorten", "  \n")
    assert writing.task_prompt("summarize", "Some text.").request["task"] == "summarise"  # US spelling works


@pytest.mark.parametrize("text,words", [
    ("", 0),
    ("Hello, world!", 2),
    ("Don't stop — e-mail me at 3.14 o'clock.", 7),
    ("今天天气很好。", 6),  # each Chinese character is a word
    ("我用 Python 写代码", 6),
    ("東京は日本の首都です", 10),
    ("안녕하세요 반갑습니다", 2),  # Korean is written with spaces
    ("Привет, как дела?", 3),
])
def test_word_count(text, words):
    assert writing.count_words(text) == words


def test_character_count_ignores_line_breaks():
    assert writing.count_characters("ab c\n中文\n") == 6
