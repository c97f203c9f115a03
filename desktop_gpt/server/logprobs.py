"""Token probabilities in OpenAI's shape, from the engine's probability records (engine/logprobs.py).

What is reported: the model's own distribution (``raw``: the softmax of its logits, before temperature, top-k,
top-p, min-p and the repetition penalty), as OpenAI's ``logprobs`` are. One entry is a group of tokens that makes
whole characters (a Chinese character of three byte tokens is one entry whose logprob is the sum of theirs), so
every ``token`` is readable text; its ``bytes`` are its UTF-8 bytes. The alternatives (``top_logprobs``) are the
ones the model had for the group's first token; one that is only part of a character shows as ``<E4 BD>`` with
its real bytes.
"""

from __future__ import annotations

import math

from desktop_gpt.engine.protocol import character_part

FLOOR = -9999.0  # OpenAI's logprob for "never": JSON has no -inf


def logprob(p: float) -> float:
    return max(FLOOR, math.log(p)) if p > 0 else FLOOR


def shown_bytes(text: str) -> list[int]:
    """The bytes of a token as the engine shows it: part of a character is written ``<E4 BD>``."""
    part = character_part(text)
    return list(part if part is not None else text.encode("utf-8"))


def _alternatives(record: dict, count: int) -> list[tuple[str, float]]:
    top = sorted(record.get("top") or [], key=lambda alt: -alt[3])[:count]
    return [(text, logprob(raw)) for _id, text, _p, raw in top]


def chat_logprobs(records: list[dict], count: int) -> dict:
    """``choices[i].logprobs`` of /v1/chat/completions; ``count`` alternatives each (0–20)."""
    return {"content": [{
        "token": r["text"],
        "logprob": logprob(r["raw"]),
        "bytes": list(r["text"].encode("utf-8")),
        "top_logprobs": [{"token": text, "logprob": lp, "bytes": shown_bytes(text)}
                         for text, lp in _alternatives(r, count)],
    } for r in records], "refusal": None}


def completion_logprobs(records: list[dict], count: int, offset: int = 0) -> dict:
    """``choices[i].logprobs`` of /v1/completions (the legacy shape); ``offset``: characters before the first."""
    out: dict[str, list] = {"tokens": [], "token_logprobs": [], "top_logprobs": [], "text_offset": []}
    for r in records:
        out["tokens"].append(r["text"])
        out["token_logprobs"].append(logprob(r["raw"]))
        out["top_logprobs"].append(dict(_alternatives(r, count)))
        out["text_offset"].append(offset)
        offset += len(r["text"])
    return out


class Aligner:
    """Passes on the probability records of the text that was passed on: a stop string may hold text back (and
    cut it), so a record goes out only once all of its text has."""

    def __init__(self) -> None:
        self._pending: list[dict] = []
        self._passed = 0  # characters of reply text passed on
        self._covered = 0  # characters of the records passed on

    def add(self, records: list[dict] | None) -> None:
        if records:
            self._pending.extend(records)

    def take(self, passed_text: str) -> list[dict]:
        self._passed += len(passed_text)
        out = []
        while self._pending and self._covered + len(self._pending[0]["text"]) <= self._passed:
            record = self._pending.pop(0)
            self._covered += len(record["text"])
            out.append(record)
        return out

    def rest(self) -> list[dict]:
        """The reply ended without a stop string: every record left goes with the last text."""
        out, self._pending = self._pending, []
        return out
