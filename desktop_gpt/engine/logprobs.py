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


def show_bytes(data: bytes) -> str:
    """A token's bytes as text; part of a character (a byte token of a Chinese character) shows as <E4 BD>."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "<" + " ".join(f"{b:02X}" for b in data) + ">"


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
        shifted = logits.astype(np.float64) - float(logits.max())
        raw = np.exp(shifted)
        raw /= raw.sum()
        cand = self.cand
        cand["id"] = self.ids
        cand["logit"] = logits
        cand["p"] = 0.0
        self.array.size, self.array.selected, self.array.sorted = self.n_vocab, -1, False
        self.chain.apply(ctypes.byref(self.array))
        token = int(cand["id"][self.array.selected])
        self.chain.accept(token)
        if self.chain.greedy:
            order = np.argpartition(-raw, self.k)[:self.k]
            order = order[np.argsort(-raw[order])]
            top = [(int(t), float(raw[t]), float(raw[t])) for t in order]
            p_token = float(raw[token])
        else:
            kept = cand[:self.array.size]
            n = min(self.k, len(kept))
            order = np.argsort(-kept["p"], kind="stable")[:n]
            top = [(int(kept["id"][i]), float(kept["p"][i]), float(raw[kept["id"][i]])) for i in order]
            p_token = float(kept["p"][self.array.selected])
            if n < self.k:  # fewer survivors than asked: fill with the raw favourites the sampler cut
                seen = {t for t, _, _ in top}
                for t in np.argsort(-raw)[: self.k + n]:
                    if len(top) >= self.k:
                        break
                    if int(t) not in seen:
                        top.append((int(t), 0.0, float(raw[t])))
        return TokenStep(token, p_token, float(raw[token]),
                         [Alternative(t, show_bytes(self.pieces.bytes_of(t)), p, r) for t, p, r in top])


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
