"""Writing prompts: draft a piece from a brief, edit a selection (rewrite, shorten…), continue raw text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_gpt.errors import ToolInputError
from desktop_gpt.i18n import N_, _
from desktop_gpt.tools import translation
from desktop_gpt.tools.options import Option, find
from desktop_gpt.tools.templates import Prompt, templates

KINDS = [
    Option("article", N_("Article"), "an article"),
    Option("blog-post", N_("Blog post"), "a blog post", ("blog",)),
    Option("email", N_("Email"), "an email", ("e-mail", "mail")),
    Option("letter", N_("Letter"), "a letter"),
    Option("story", N_("Story"), "a short story"),
    Option("poem", N_("Poem"), "a poem"),
    Option("essay", N_("Essay"), "an essay"),
    Option("outline", N_("Outline"), "an outline as a Markdown list"),
    Option("summary", N_("Summary"), "a summary"),
    Option("social-post", N_("Social post"), "a social media post", ("social", "tweet", "post")),
    Option("speech", N_("Speech"), "a short speech"),
    Option("product-description", N_("Product description"), "a product description", ("product",)),
    Option("report", N_("Report"), "a short report"),
]

TONES = [
    Option("neutral", N_("Neutral"), "clear and neutral"),
    Option("formal", N_("Formal"), "formal and polite"),
    Option("friendly", N_("Friendly"), "warm and friendly"),
    Option("casual", N_("Casual"), "casual and relaxed"),
    Option("professional", N_("Professional"), "professional and confident"),
    Option("persuasive", N_("Persuasive"), "persuasive"),
    Option("playful", N_("Playful"), "playful and light"),
    Option("academic", N_("Academic"), "academic and precise"),
]

LENGTHS = [
    Option("short", N_("Short"), "about 100 words"),
    Option("medium", N_("Medium"), "about 300 words"),
    Option("long", N_("Long"), "about 800 words"),
]


@dataclass(frozen=True)
class Task(Option):
    """An edit of existing text. ``accept`` is how its result goes into the document: "replace" the text it
    was made from, or "insert" after it. ``raw``: the engine continues the text itself (no chat template)."""

    accept: str = "replace"
    raw: bool = False


TASKS: list[Task] = [
    Task("continue", N_("Continue"), "continue the text", ("more",), accept="insert", raw=True),
    Task("rewrite", N_("Rewrite / improve"), "rewrite the text so it reads better", ("improve", "polish")),
    Task("shorten", N_("Shorten"), "make the text shorter", ("shorter", "condense")),
    Task("expand", N_("Expand"), "make the text longer and richer", ("longer", "elaborate")),
    Task("tone", N_("Change tone"), "change the tone of the text", ("change-tone",)),
    Task("grammar", N_("Fix grammar and spelling"), "fix the grammar and spelling", ("fix", "proofread", "spelling")),
    Task("summarise", N_("Summarise"), "summarise the text", ("summarize", "summary", "tldr")),
]

# The raw continuation sees at most this much of the document before the cursor (the engine keeps the end of a
# prompt that is still too long for the context).
CONTINUE_CHARS = 6000

# Han ideographs and Japanese kana: each character is a word, as Chinese and Japanese word counts are made.
_CJK_CHAR = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")


def count_words(text: str) -> int:
    """Words as a writer counts them: each Chinese or Japanese character is one, other words are split at
    spaces and punctuation ("don't" and "e-mail" are one word; Korean words are spaced, so they count as such)."""
    cjk = len(_CJK_CHAR.findall(text))
    return cjk + len(_WORD.findall(_CJK_CHAR.sub(" ", text)))


def count_characters(text: str) -> int:
    """Characters, spaces included, line breaks not."""
    return len(text) - text.count("\n")


def _language_name(code: str | None, text: str) -> str:
    """The language to write in, in words: the chosen one, else the one the text is in ("" if unknown)."""
    if code and code != "auto":
        return translation.find_language(code).name
    detected = translation.detect_language(text)
    return translation.find_language(detected).name if detected else ""


def draft_prompt(
    kind: str, topic: str, tone: str = "neutral", length: str = "medium", language: str | None = None
) -> Prompt:
    """Write a new piece from a brief. ``language`` None or "auto": the language the brief is written in."""
    if not topic.strip():
        raise ToolInputError(_("Say what to write about: the topic is empty."))
    k, t, n = find(KINDS, kind, N_("kind")), find(TONES, tone, N_("tone")), find(LENGTHS, length, N_("length"))
    lang = _language_name(language, topic)
    messages = templates().messages(
        "writing/draft.j2", kind=k.hint, topic=topic.strip(), tone=t.hint, length=n.hint, language=lang
    )
    return Prompt(
        "writing", f"{k.label}: {topic.strip()[:60]}", topic, messages=messages,
        request={"mode": "draft", "kind": k.key, "tone": t.key, "length": n.key, "language": language or "auto"},
    )


def task_prompt(task: str, text: str, tone: str = "neutral", language: str | None = None) -> Prompt:
    """An edit of ``text`` (a selection or a whole document). "continue" is a raw continuation: ``text`` is
    everything before the point to continue from."""
    t = find(TASKS, task, N_("task"))
    if not text.strip():
        raise ToolInputError(_("There is no text to work on: select some text or write something first."))
    if t.raw:
        return continue_prompt(text)
    lang = _language_name(language, text)
    messages = templates().messages(
        f"writing/{t.key}.j2", text=text.strip("\n"), tone=find(TONES, tone, N_("tone")).hint, language=lang
    )
    return Prompt("writing", f"{t.label}: {_first_words(text)}", text, messages=messages,
                  request={"mode": "task", "task": t.key, "tone": tone, "language": language or "auto"})


CONTINUE_TOKENS = 200  # Continue writes about a paragraph (~150 words); "Continue more" goes on from there


def continue_params(params: dict) -> dict:
    """The sampling of a continuation: the user's, with a paragraph's length instead of their longest reply."""
    return {**params, "max_tokens": min(params.get("max_tokens", CONTINUE_TOKENS), CONTINUE_TOKENS)}


def continue_prompt(text_before: str) -> Prompt:
    """Raw continuation, the way a base model continues "The quick brown fox…": no instructions at all."""
    tail = text_before[-CONTINUE_CHARS:]
    raw = templates().text("writing/continue.j2", text=tail)
    return Prompt("writing", f"Continue: {_first_words(text_before[-200:])}", tail, raw=raw,
                  request={"mode": "task", "task": "continue"})


def _first_words(text: str, limit: int = 40) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit].rstrip() + "…"
