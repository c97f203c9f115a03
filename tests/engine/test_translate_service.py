"""Translating piece by piece on the real model: structure kept, Stop between pieces, stats of the whole run."""

from __future__ import annotations

import pytest

from desktop_gpt.engine import Done, SamplingParams, Token
from desktop_gpt.services.tool_runs import Progress
from desktop_gpt.services.translate import translate
from desktop_gpt.tools.translation import TranslationRequest

pytestmark = pytest.mark.model

PARAMS = SamplingParams(temperature=0.0, max_tokens=24)


def _collect(events):
    text, progress, done = [], [], None
    for event in events:
        if isinstance(event, Token):
            text.append(event.text)
        elif isinstance(event, Progress):
            progress.append((event.done, event.total))
        elif isinstance(event, Done):
            done = event.stats
    return "".join(text), progress, done


def test_each_piece_is_one_request_and_the_structure_is_kept(engine):
    request = TranslationRequest("# Title\n\nFirst paragraph.\n\n    code stays\n\n- item\n", "fr")
    text, progress, stats = _collect(translate(engine, request, PARAMS))
    lines = text.split("\n")
    assert lines[0].startswith("# ") and len(lines[0]) > 2
    assert lines[1] == "" and lines[3] == "" and lines[4] == "    code stays" and lines[6].startswith("- ")
    assert progress == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert stats.finish_reason == "stop" and stats.completion_tokens > 0 and stats.context_size == 4096
    assert stats.context_used > 0  # even when a piece was cut off by us, the engine's own figures are kept


def test_stop_between_pieces_ends_the_run(engine):
    request = TranslationRequest("\n\n".join(f"This is paragraph {n}." for n in range(8)), "de")
    finished_pieces = []

    def stopped() -> bool:  # as if Stop was pressed while no request was running
        return len(finished_pieces) >= 2

    for event in translate(engine, request, PARAMS, stopped):
        if isinstance(event, Progress) and event.done:
            finished_pieces.append(event.done)
        elif isinstance(event, Done):
            stats = event.stats
    assert finished_pieces == [1, 2] and stats.finish_reason == "cancelled"


def test_a_text_with_nothing_to_translate_needs_no_model_call(engine):
    text, progress, stats = _collect(translate(engine, TranslationRequest("```\ncode\n```\n", "ja"), PARAMS))
    assert text == "```\ncode\n```\n" and progress == [(0, 0)] and stats.completion_tokens == 0
