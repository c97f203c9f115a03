"""Translation prompts: languages, tone, a glossary, and the text cut into segments the model translates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from desktop_gpt.errors import ToolInputError
from desktop_gpt.i18n import N_, _
from desktop_gpt.tools import segments as _segments
from desktop_gpt.tools.languages import LANGUAGES, Language, detect_language, find_language, script_counts
from desktop_gpt.tools.options import Option, find
from desktop_gpt.tools.segments import Segment
from desktop_gpt.tools.templates import Prompt, templates

__all__ = [
    "AUTO", "LANGUAGES", "Language", "TONES", "TranslationRequest", "SegmentOutput", "detect_language",
    "find_language", "parse_glossary", "script_counts", "segment_prompt", "segment_max_tokens",
]

AUTO = "auto"
MAX_TEMPERATURE = 0.3  # translation wants the likeliest wording, whatever the chat temperature is


def cap_temperature(temperature: float) -> float:
    return min(temperature, MAX_TEMPERATURE)


def sampling(params: dict) -> dict:
    """The user's sampling settings as a translation uses them: the temperature capped at MAX_TEMPERATURE."""
    return {**params, "temperature": cap_temperature(params.get("temperature", MAX_TEMPERATURE))}

TONES = [
    Option("neutral", N_("Neutral"), "Keep the tone and register of the original."),
    Option("formal", N_("Formal"), "Use a formal, polite register."),
    Option("casual", N_("Casual"), "Use a casual, everyday register."),
]

_GLOSSARY_SEPARATORS = re.compile(r"\s*(?:→|=>|->|=|\t)\s*")


def swap_glossary(text: str) -> str:
    """The glossary the other way round ("model = 模型" → "模型 = model"), for translating back; comments,
    blank lines and lines without a separator stay as they are."""
    out = []
    for line in text.splitlines():
        parts = _GLOSSARY_SEPARATORS.split(line.strip(), maxsplit=1)
        if line.strip().startswith("#") or len(parts) != 2 or not all(parts):
            out.append(line)
            continue
        separator = _GLOSSARY_SEPARATORS.search(line.strip()).group(0)
        out.append(f"{parts[1]}{separator}{parts[0]}")
    return "\n".join(out)


def other_language(source: str, preferred: str) -> str:
    """A target for text in ``source``: ``preferred`` (e.g. this computer's language) unless the text is already
    in it; then English, or Simplified Chinese for English text."""
    if source != preferred:
        return preferred
    return "en" if source != "en" else "zh-Hans"


def parse_glossary(text: str) -> list[tuple[str, str]]:
    """Glossary lines "term = translation" (also →, ->, => or a tab); blank lines and # comments are skipped.
    A line with no separator raises ToolInputError naming it."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = _GLOSSARY_SEPARATORS.split(line, maxsplit=1)
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ToolInputError(
                _("Glossary line {number} (“{line}”) is not “term = translation”.").format(
                    number=number, line=line)
            )
        pairs.append((parts[0].strip(), parts[1].strip()))
    return pairs


@dataclass
class TranslationRequest:
    """A text to translate. ``source`` is a language code or "auto"; ``glossary`` holds (term, translation)."""

    text: str
    target: str
    source: str = AUTO
    tone: str = "neutral"
    glossary: list[tuple[str, str]] = field(default_factory=list)
    markdown: bool = True

    def __post_init__(self) -> None:
        self.target = find_language(self.target).code
        if self.source != AUTO:
            self.source = find_language(self.source).code
        self.tone = find(TONES, self.tone, N_("tone")).key

    @property
    def source_language(self) -> Language | None:
        """The chosen source language, or the detected one ("auto"); None if the text has no letters."""
        if self.source != AUTO:
            return find_language(self.source)
        code = detect_language(self.text)
        return find_language(code) if code else None

    def segments(self) -> list[Segment]:
        return _segments.split(self.text, self.markdown)

    def prompt(self) -> Prompt:
        """The run as a whole, for history (each segment gets its own ``segment_prompt``)."""
        source = self.source_language
        title = f"{source.label if source else 'Text'} → {find_language(self.target).label}"
        return Prompt("translation", title, self.text, request=self.to_dict())

    def to_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "tone": self.tone,
                "glossary": [list(p) for p in self.glossary], "markdown": self.markdown}


def segment_prompt(request: TranslationRequest, text: str, inline: bool = False,
                   source: Language | None = None) -> Prompt:
    """The prompt that translates one segment. Only glossary terms found in it are listed (short prompts keep a
    small model on task)."""
    if source is None:
        source = request.source_language
    target = find_language(request.target)
    lowered = text.lower()
    glossary = [(a, b) for a, b in request.glossary if a.lower() in lowered]
    messages = templates().messages(
        "translation/translate.j2", text=text, source=source.label if source else "", target=target.label,
        tone=find(TONES, request.tone, N_("tone")).hint, glossary=glossary, inline=inline,
    )
    return Prompt("translation", "", text, messages=messages)


def segment_max_tokens(text: str, limit: int) -> int:
    """A generous cap for one segment's translation, so a model that rambles stops soon."""
    return max(16, min(limit, 32 + 2 * len(text)))


class SegmentOutput:
    """Cleans one segment's translation as it streams: no blank space around it, no blank lines inside (they
    would split a paragraph), and at most as many lines as the original (a one-line heading, list item or
    paragraph stays one line; a model that goes on to add notes is cut off there).

    ``feed`` returns the text to show now; ``done`` turns true when the rest should not be read.
    """

    def __init__(self, max_lines: int = 1):
        self.max_lines = max(1, max_lines)
        self.lines = 1
        self.started = False
        self.done = False
        self._space = ""  # blank space held back until more text shows it is not trailing

    @classmethod
    def for_segment(cls, segment: Segment) -> "SegmentOutput":
        return cls(1 if segment.inline else segment.text.count("\n") + 1)

    def feed(self, text: str) -> str:
        if self.done:
            return ""
        out = []
        for ch in text:
            if ch.isspace():
                if self.started:
                    if ch == "\n" and "\n" not in self._space:
                        if self.lines >= self.max_lines:
                            self.done = True
                            break
                        self.lines += 1
                    self._space += ch
                continue
            if self._space:
                out.append("\n" if "\n" in self._space else self._space)
                self._space = ""
            self.started = True
            out.append(ch)
        return "".join(out)
