"""Cut a Markdown or plain text into the pieces a translator translates and the structure around them.

Joining the segments gives back the text exactly. Headings' ``#``, list markers, quote markers, table pipes,
fenced and indented code, HTML lines, rules, front matter and blank lines are never sent to the model, so a
translation keeps the document's structure by construction, whatever the model writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^( {0,3}#{1,6}[ \t]+)(.*?)([ \t]+#+[ \t]*)?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}((\*[ \t]*){3,}|(-[ \t]*){3,}|(_[ \t]*){3,})$")
_LIST = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)(.*)$")
_QUOTE = re.compile(r"^([ \t]*(?:>[ \t]?)+)(.*)$")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML = re.compile(r"^ {0,3}</?[A-Za-z!?][^>]*>?")
_LINK_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_INDENTED = re.compile(r"^( {4,}|\t)")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class Segment:
    """A piece of the text. ``translate``: send it to the model. ``inline``: it is part of one line (a heading,
    a list item, a table cell), so its translation must stay on one line."""

    text: str
    translate: bool = False
    inline: bool = False


def split(text: str, markdown: bool = True) -> list[Segment]:
    """The text as segments; ``"".join(s.text for s in split(t)) == t`` always holds.

    Plain text (``markdown=False``) keeps its blank lines; each paragraph between them is translated whole.
    """
    out: list[Segment] = []
    lines = text.splitlines(keepends=True)
    fence: str | None = None
    paragraph: list[str] = []
    in_list = False  # the last block was a list, so an indented line continues it rather than starting code
    in_table = False
    prev_blank = True

    def flush() -> None:
        if paragraph:
            _paragraph(out, "".join(paragraph))
            paragraph.clear()

    i = 0
    if markdown and lines and lines[0].rstrip("\r\n") == "---":  # YAML front matter is metadata: keep it
        end = next((j for j in range(1, len(lines)) if lines[j].rstrip("\r\n") in ("---", "...")), None)
        if end is not None:
            _keep(out, "".join(lines[: end + 1]))
            i = end + 1
    while i < len(lines):
        line = lines[i]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        i += 1
        if not markdown:
            if body.strip():
                paragraph.append(line)
            else:
                flush()
                _keep(out, line)
            continue
        if fence is not None:
            _keep(out, line)
            stripped = body.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            continue
        m = _FENCE.match(body)
        if m:
            flush()
            fence = m.group(1)
            _keep(out, line)
            in_list = False
            continue
        if not body.strip():
            flush()
            _keep(out, line)
            prev_blank, in_table = True, False
            continue
        if paragraph and _SETEXT.match(body):  # the paragraph above is a heading underlined with === or ---
            flush()
            _keep(out, line)
            prev_blank = False
            continue
        if (prev_blank and not in_list and not paragraph and _INDENTED.match(body)) or _RULE.match(body) \
                or _HTML.match(body) or _LINK_DEF.match(body) or _TABLE_RULE.match(body) and "-" in body \
                and "|" in body:
            flush()
            _keep(out, line)
            prev_blank = False
            continue
        if "|" in body and not in_table:
            following = lines[i] if i < len(lines) else ""
            in_table = body.lstrip().startswith("|") or bool(_TABLE_RULE.match(following) and "|" in following)
        structured = _structured(body, in_table)
        if structured is not None:
            flush()
            for segment in structured:
                _add(out, segment)
            _keep(out, ending)
            in_list = bool(_LIST.match(body)) or (in_list and body[:1] in " \t")
            prev_blank = False
            continue
        if in_list and body[:1] in " \t":  # an indented line under a list item: its own line, indent kept
            flush()
            indent = body[: len(body) - len(body.lstrip())]
            _keep(out, indent)
            _translatable(out, body[len(indent):], inline=True)
            _keep(out, ending)
            prev_blank = False
            continue
        in_list = False
        paragraph.append(line)
        prev_blank = False
    flush()
    return _merge(out)


def join(segments: list[Segment]) -> str:
    return "".join(s.text for s in segments)


def _structured(body: str, table: bool = False) -> list[Segment] | None:
    """A heading, list item, quote or table row: its markers kept, its words translatable (one line)."""
    m = _HEADING.match(body)
    if m:
        return [Segment(m.group(1)), *_words(m.group(2), inline=True), Segment(m.group(3) or "")]
    m = _LIST.match(body)
    if m:
        return [Segment(m.group(1)), *_words(m.group(2), inline=True)]
    m = _QUOTE.match(body)
    if m:
        return [Segment(m.group(1)), *(_structured(m.group(2)) or _words(m.group(2), inline=True))]
    if table and "|" in body:
        parts = re.split(r"(\|)", body)
        out: list[Segment] = []
        for part in parts:
            if part == "|":
                out.append(Segment("|"))
            else:
                out.extend(_words(part, inline=True))
        return out
    return None


def _words(text: str, inline: bool) -> list[Segment]:
    """Leading and trailing spaces stay out of the translatable part; text with no letters is kept as is."""
    core = text.strip()
    if not core or not _LETTER.search(core):
        return [Segment(text)]
    start = text.index(core)
    return [Segment(text[:start]), Segment(core, True, inline), Segment(text[start + len(core):])]


def _paragraph(out: list[Segment], text: str) -> None:
    body = text.rstrip("\r\n")
    for segment in _words(body, inline=False):
        _add(out, segment)
    _keep(out, text[len(body):])


def _translatable(out: list[Segment], text: str, inline: bool) -> None:
    for segment in _words(text, inline):
        _add(out, segment)


def _keep(out: list[Segment], text: str) -> None:
    _add(out, Segment(text))


def _add(out: list[Segment], segment: Segment) -> None:
    if segment.text:
        out.append(segment)


def _merge(segments: list[Segment]) -> list[Segment]:
    """Neighbouring kept segments become one (fewer, longer pieces; the text is the same)."""
    merged: list[Segment] = []
    for segment in segments:
        if merged and not segment.translate and not merged[-1].translate:
            merged[-1] = Segment(merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged
