"""Translate a whole text or file piece by piece: structure kept as is, each paragraph streamed from the model."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Callable, Iterator

from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import Done, GenerationStats, SamplingParams, Token
from desktop_gpt.services.tool_runs import Progress, read_text_file, write_text_file
from desktop_gpt.tools.translation import SegmentOutput, TranslationRequest, segment_max_tokens, segment_prompt


def translate(engine: EngineBackend, request: TranslationRequest, params: SamplingParams | dict | None = None,
              stopped: Callable[[], bool] = lambda: False) -> Iterator[Token | Progress | Done]:
    """The translated text as a stream: the untouched structure (markers, code, blank lines) as it is, and
    each translatable segment as the model writes it. Yields Progress before each segment and one Done.

    ``stopped`` is checked between segments, so a Stop pressed while no request is running still ends the
    run; a Stop during a segment ends it through the engine.
    """
    if isinstance(params, dict) or params is None:
        params = SamplingParams.from_dict(params)
    segments = request.segments()
    total = sum(s.translate for s in segments)
    source = request.source_language  # detected once, from the whole text
    started = time.monotonic()
    totals = GenerationStats()
    first_token_s = 0.0
    finish = "stop"
    done = 0
    yield Progress(0, total)
    for segment in segments:
        if not segment.translate:
            yield Token(segment.text)
            continue
        if stopped():
            finish = "cancelled"
            break
        prompt = segment_prompt(request, segment.text, segment.inline, source)
        piece = dataclasses.replace(params, max_tokens=segment_max_tokens(segment.text, params.max_tokens))
        output = SegmentOutput.for_segment(segment)
        before = engine.last_stats
        events = engine.chat(prompt.messages, piece)
        pieces, counted = 0, False
        try:
            for event in events:
                if isinstance(event, Token):
                    pieces += 1
                    text = output.feed(event.text)
                    if text:
                        if not first_token_s:
                            first_token_s = time.monotonic() - started
                        yield Token(text)
                    if output.done:
                        break  # closing the stream stops the engine at once
                elif isinstance(event, Done):
                    counted = True
                    _add(totals, event.stats)
                    if event.stats.finish_reason == "cancelled":
                        finish = "cancelled"
        finally:
            events.close()
        if not counted:  # cut off by us: the engine reports what it did when it stops
            cut = engine.last_stats
            if cut is not None and cut is not before:
                _add(totals, cut)
            else:  # one piece per token
                totals.completion_tokens += pieces
        if not output.started and finish != "cancelled":
            yield Token(segment.text)  # the model gave nothing back: keep the original rather than lose it
        if finish == "cancelled":
            break
        done += 1
        yield Progress(done, total)
    totals.finish_reason = finish
    if not totals.context_size and engine.info is not None:
        totals.context_size = engine.info.context_size
    totals.total_s = time.monotonic() - started
    totals.ttft_s = first_token_s
    if totals.total_s > 0 and totals.completion_tokens:
        totals.tokens_per_s = round(totals.completion_tokens / totals.total_s, 1)
    yield Done(totals)


def _add(totals: GenerationStats, stats: GenerationStats) -> None:
    totals.prompt_tokens += stats.prompt_tokens
    totals.prompt_evaluated += stats.prompt_evaluated
    totals.completion_tokens += stats.completion_tokens
    totals.context_used = stats.context_used
    totals.context_size = stats.context_size


def save_when_done(events: Iterator, path: str | Path) -> Iterator:
    """Pass a translation stream on and, when it finished whole, write it to ``path`` before its Done."""
    parts: list[str] = []
    for event in events:
        if isinstance(event, Token):
            parts.append(event.text)
        elif isinstance(event, Done) and event.stats.finish_reason == "stop":
            write_text_file(path, "".join(parts))
        yield event


def file_request(path: str | Path, target: str, **options) -> TranslationRequest:
    """A request for a .txt/.md file (Markdown structure kept for .md and .markdown)."""
    path = Path(path)
    markdown = path.suffix.lower() in (".md", ".markdown", ".mdown")
    return TranslationRequest(read_text_file(path), target, markdown=markdown, **options)


def output_path(path: str | Path, target: str) -> Path:
    """Where a translated file goes by default: next to it, with the language code (notes.md → notes.zh-Hans.md)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.{target}{path.suffix}")
