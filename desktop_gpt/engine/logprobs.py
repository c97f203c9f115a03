"""Token probabilities: for each generated token, its probability and the top alternatives the model had.

Two distributions are read from llama.cpp's logits at each step:
- ``p``: after the sampler's repetition penalty, top-k, top-p, min-p and temperature, i.e. what the token was
  actually drawn from (llama.cpp's own sampler chain is applied to the candidates, then picks the token, exactly
  as ``llama_sampler_sample`` does). With temperature 0 the pick is the most likely token and ``p`` is the raw
  distribution (a greedy sampler has no distribution of its own).
- ``raw``: the softmax of the model's logits, before any sampling setting.

Tokens are grouped so that every shown piece is whole characters: a Chinese character made of several byte
tokens is one group whose probability is the product of its tokens' probabilities.
Only used when a request asks for ``top_logprobs``; the plain decode loop never copies a logit.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import numpy as np

from desktop_gpt.engine.protocol import show_bytes

TOKEN_DTYPE = np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])  # llama_token_data


@dataclass
class Alternative:
    token: int
    text: str
    p: float
    raw: float


@dataclass
class TokenStep:
    """One sampled token with the top alternatives at that step (the token itself is among them when it is one
    of the most likely)."""

    token: int
    p: float
    raw: float
    top: list[Alternative] = field(default_factory=list)


class ProbabilitySampler:
    """Samples like the sampler chain does, reading both distributions on the way."""

    def __init__(self, lc, ctx, n_vocab: int, chain, pieces, k: int) -> None:
        self.lc, self.ctx, self.n_vocab, self.chain, self.pieces = lc, ctx, n_vocab, chain, pieces
        self.k = max(1, min(int(k), 20))
        self.cand = np.zeros(n_vocab, dtype=TOKEN_DTYPE)
        self.ids = np.arange(n_vocab, dtype=np.int32)
        self.array = lc.llama_token_data_array(
            data=ctypes.cast(self.cand.ctypes.data, lc.llama_token_data_p), size=n_vocab, selected=-1, sorted=False
        )

    def sample(self) -> TokenStep:
        lc = self.lc
        logits = np.ctypeslib.as_array(lc.llama_get_logits_ith(self.ctx, -1), shape=(self.n_vocab,))
        # the raw distribution, only where it is read: p(t) = exp(logit_t - max) / sum(exp(logits - max))
        top_logit = float(logits.max())
        norm = float(np.exp(logits - top_logit).sum(dtype=np.float64))

        def raw(t: int) -> float:
            return float(np.exp(np.float64(logits[t]) - top_logit) / norm)

        cand = self.cand
        cand["id"] = self.ids
        cand["logit"] = logits
        cand["p"] = 0.0
        self.array.size, self.array.selected, self.array.sorted = self.n_vocab, -1, False
        self.chain.apply(ctypes.byref(self.array))
        token = int(cand["id"][self.array.selected])
        self.chain.accept(token)
        if self.chain.greedy:
            top = [(t, raw(t), raw(t)) for t in top_ids(logits, self.k)]
            p_token = raw(token)
        else:
            kept = cand[:self.array.size]
            n = min(self.k, len(kept))
            order = np.argsort(-kept["p"], kind="stable")[:n]
            top = [(int(kept["id"][i]), float(kept["p"][i]), raw(int(kept["id"][i]))) for i in order]
            p_token = float(kept["p"][self.array.selected])
            if n < self.k:  # fewer survivors than asked: fill with the raw favourites the sampler cut
                seen = {t for t, _, _ in top}
                for t in top_ids(logits, self.k + n):
                    if len(top) >= self.k:
                        break
                    if t not in seen:
                        top.append((t, 0.0, raw(t)))
        return TokenStep(token, p_token, raw(token),
                         [Alternative(t, show_bytes(self.pieces.bytes_of(t)), p, r) for t, p, r in top])


def top_ids(logits: np.ndarray, k: int) -> list[int]:
    """The ``k`` tokens with the highest logits, most likely first. A full sort (or even a partition) of the
    vocabulary costs milliseconds a token; the few tokens near the top are found by a threshold first."""
    n = len(logits)
    k = min(k, n)
    top = float(logits.max())
    for gap in (8.0, 16.0, 32.0):  # e^-8: a token 3,000 times less likely than the favourite
        idx = np.flatnonzero(logits >= top - gap)
        if len(idx) >= k:
            break
    else:
        idx = np.argpartition(logits, n - k)[n - k:]
    if len(idx) > 4 * k:
        idx = idx[np.argpartition(logits[idx], len(idx) - k)[len(idx) - k:]]
    return [int(t) for t in idx[np.argsort(-logits[idx], kind="stable")][:k]]


class Grouper:
    """Collects TokenSteps until their bytes make whole characters, then gives one record for the group."""

    def __init__(self) -> None:
        self.steps: list[TokenStep] = []
        self.text = ""

    def add(self, step: TokenStep, text: str, complete: bool) -> dict | None:
        self.steps.append(step)
        self.text += text
        if not complete:
            return None
        return self.flush()

    def flush(self) -> dict | None:
        if not self.steps:
            return None
        first = self.steps[0]
        p = raw = 1.0
        for s in self.steps:
            p *= s.p
            raw *= s.raw
        record = {
            "text": self.text,
            "p": round(p, 6),
            "raw": round(raw, 6),
            "ids": [s.token for s in self.steps],
            "top": [[a.token, a.text, round(a.p, 6), round(a.raw, 6)] for a in first.top],
        }
        self.steps, self.text = [], ""
        return record
