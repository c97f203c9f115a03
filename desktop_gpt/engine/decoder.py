"""The decode loop on llama.cpp's low-level API: KV-cache prefix reuse, llama.cpp's own sampler chain, detokenising.

Nothing here copies logits into Python or samples in Python: a token costs one ``llama_decode`` of one token and one
``llama_sampler_sample`` (the same calls llama.cpp's own tools make), plus turning the token into text.
"""

from __future__ import annotations

import codecs
import ctypes
import time
from typing import Callable, Iterator

from desktop_gpt.engine.protocol import GenerationStats, SamplingParams

PENALTY_LAST_N = 64  # llama-cpp-python's last_n_tokens_size, which the app used before


def common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    # compare in slices first: long chats share thousands of tokens
    step = 256
    while i + step <= n and a[i:i + step] == b[i:i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


class DecodeError(RuntimeError):
    """llama_decode failed; ``aborted`` when Stop cut it short."""

    def __init__(self, code: int):
        super().__init__(f"llama_decode returned {code}")
        self.code = code
        self.aborted = code == 2


class KVCache:
    """Sequence 0 of the context: which tokens its KV cache holds, and decoding more of them.

    Attributes:
        tokens: the tokens whose keys and values are in the cache, in order (position i holds tokens[i]).
    """

    def __init__(self, lc, ctx, n_batch: int) -> None:
        self.lc = lc
        self.ctx = ctx
        self.mem = lc.llama_get_memory(ctx)
        self.n_batch = n_batch
        self.tokens: list[int] = []
        self._one = (lc.llama_token * 1)()

    def clear(self) -> None:
        self.lc.llama_memory_clear(self.mem, True)
        self.tokens = []

    def keep(self, n: int) -> None:
        """Keep only the first ``n`` cached tokens (models that cannot cut their memory start over)."""
        if n >= len(self.tokens):
            return
        if not self.lc.llama_memory_seq_rm(self.mem, 0, n, -1):
            self.clear()
            return
        del self.tokens[n:]

    def prefill(self, prompt: list[int]) -> None:
        """Make the cache hold ``prompt`` with the logits of its last token ready, reusing the longest cached
        prefix (at least the last token is always evaluated, for its logits)."""
        reuse = common_prefix(self.tokens, prompt)
        if reuse >= len(prompt):
            reuse = len(prompt) - 1
        self.keep(reuse)
        reuse = len(self.tokens)
        for start in range(reuse, len(prompt), self.n_batch):
            chunk = prompt[start:start + self.n_batch]
            self._decode((self.lc.llama_token * len(chunk))(*chunk), chunk)
        self.lc.llama_synchronize(self.ctx)  # llama.cpp counts evaluated tokens when it synchronises

    def step(self, token: int) -> None:
        """Decode one generated token (its logits become the next ones)."""
        self._one[0] = token
        self._decode(self._one, (token,))

    def _decode(self, array, chunk) -> None:
        rc = self.lc.llama_decode(self.ctx, self.lc.llama_batch_get_one(array, len(chunk)))
        if rc != 0:
            self._resync(chunk)
            raise DecodeError(rc)
        self.tokens.extend(chunk)

    def _resync(self, chunk) -> None:
        # A failed or aborted decode leaves the ubatches before the failing one in memory (llama-context.cpp).
        kept = self.lc.llama_memory_seq_pos_max(self.mem, 0) + 1
        known = len(self.tokens) + len(chunk)
        if kept < len(self.tokens) or kept > known:
            self.clear()
            return
        self.tokens.extend(chunk[:kept - len(self.tokens)])

    def n_prompt_evaluated(self) -> int:
        return int(self.lc.llama_perf_context(self.ctx).n_p_eval)


class SamplerChain:
    """llama.cpp's sampler chain for one request, in the order llama-cpp-python used: repetition penalty, then
    greedy (temperature 0) or top-k, top-p, min-p, temperature and a seeded random pick."""

    def __init__(self, lc, n_vocab: int, params: SamplingParams) -> None:
        self.lc = lc
        self.chain = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
        self.greedy = params.temperature <= 0
        add = lambda s: lc.llama_sampler_chain_add(self.chain, s)  # noqa: E731
        if params.repeat_penalty != 1.0:
            add(lc.llama_sampler_init_penalties(n_vocab, PENALTY_LAST_N, params.repeat_penalty, 0.0, 0.0))
        if self.greedy:
            add(lc.llama_sampler_init_greedy())
        else:
            if params.top_k > 0:
                add(lc.llama_sampler_init_top_k(params.top_k))
            add(lc.llama_sampler_init_top_p(params.top_p, 1))
            add(lc.llama_sampler_init_min_p(params.min_p, 1))
            add(lc.llama_sampler_init_temp(params.temperature))
            seed = lc.LLAMA_DEFAULT_SEED if params.seed is None else params.seed & 0xFFFFFFFF
            add(lc.llama_sampler_init_dist(seed))

    def sample(self, ctx) -> int:
        """Sample from the last logits and record the token (for the repetition penalty)."""
        return self.lc.llama_sampler_sample(self.chain, ctx, -1)

    def apply(self, array_p) -> None:
        self.lc.llama_sampler_apply(self.chain, array_p)

    def accept(self, token: int) -> None:
        self.lc.llama_sampler_accept(self.chain, token)

    def close(self) -> None:
        if self.chain is not None:
            self.lc.llama_sampler_free(self.chain)
            self.chain = None


class Pieces:
    """Token ids to text: the token's bytes through an incremental UTF-8 decoder, so a character split over
    several tokens comes out whole (and bytes of a character cut short at the end are dropped, not shown as "�")."""

    def __init__(self, lc, vocab) -> None:
        self.lc = lc
        self.vocab = vocab
        self._buf = ctypes.create_string_buffer(256)
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def bytes_of(self, token: int) -> bytes:
        n = self.lc.llama_token_to_piece(self.vocab, token, self._buf, len(self._buf), 0, False)
        if n < 0:  # a piece longer than the buffer
            buf = ctypes.create_string_buffer(-n)
            n = self.lc.llama_token_to_piece(self.vocab, token, buf, -n, 0, False)
            return buf.raw[:n]
        return self._buf.raw[:n]

    def text(self, token: int) -> str:
        return self.decoder.decode(self.bytes_of(token))

    def pending(self) -> bool:
        """Whether bytes of an unfinished character are waiting for the next token."""
        return bool(self.decoder.getstate()[0])


class StopStrings:
    """Ends a reply at the first of ``stops`` (the stop string itself is not shown), holding back text that might
    be the start of one."""

    def __init__(self, stops: list[str] | tuple[str, ...] | None) -> None:
        self.stops = [s for s in (stops or ()) if s]
        self.longest = max((len(s) for s in self.stops), default=0)
        self.held = ""
        self.hit = False

    def feed(self, text: str) -> str:
        """The text that may be shown now."""
        if not self.stops:
            return text
        self.held += text
        found = min((i for i in (self.held.find(s) for s in self.stops) if i >= 0), default=-1)
        if found >= 0:
            self.hit = True
            out, self.held = self.held[:found], ""
            return out
        keep = 0
        for n in range(min(self.longest - 1, len(self.held)), 0, -1):
            tail = self.held[-n:]
            if any(s.startswith(tail) for s in self.stops):
                keep = n
                break
        out = self.held[:len(self.held) - keep]
        self.held = self.held[len(self.held) - keep:]
        return out

    def flush(self) -> str:
        out, self.held = self.held, ""
        return out


def generate(lc, ctx, model, kv: KVCache, cancel, tokens: list[int], params: SamplingParams,
             restore: Callable[[], int] | None = None, shown_prefix: list[int] | None = None,
             ) -> Iterator[tuple[str, dict | None, int] | GenerationStats]:
    """Stream (text, probabilities record or None, tokens) per token for ``tokens``; the last item is the stats.

    ``cancel`` is the shared Stop flag (read between tokens; llama.cpp's abort callback reads it mid-prompt);
    ``restore`` runs before the prompt is processed (loading a chat's saved state) and returns the tokens it gave.
    ``shown_prefix``: the last tokens of the prompt are the start of the reply (a reply continued from a chosen
    token); their text is streamed first, so the reply reads whole.
    """
    vocab = model.vocab
    n_ctx = lc.llama_n_ctx(ctx)
    lc.llama_perf_context_reset(ctx)
    stats = GenerationStats(prompt_tokens=len(tokens), context_size=n_ctx)
    start = time.perf_counter()
    first_at = None
    generated = 0
    finish = "length"
    chain = SamplerChain(lc, model.n_vocab(), params)
    pieces = Pieces(lc, vocab)
    stops = StopStrings(params.stop)
    probe = grouper = None
    if params.top_logprobs:
        from desktop_gpt.engine.logprobs import Grouper, ProbabilitySampler  # noqa: PLC0415 - numpy only then

        probe = ProbabilitySampler(lc, ctx, model.n_vocab(), chain, pieces, params.top_logprobs)
        grouper = Grouper()
        stats.probabilities = "raw" if chain.greedy else "sampled"
    is_eog = lc.llama_vocab_is_eog
    try:
        if cancel.value:
            finish = "cancelled"
        else:
            if restore is not None:
                stats.resumed_tokens = restore()
            kv.prefill(tokens)
            stats.prompt_evaluated = kv.n_prompt_evaluated()
            if shown_prefix:
                yield "".join(pieces.text(t) for t in shown_prefix), None, 0
            while True:
                if probe is not None:
                    step = probe.sample()
                    token = step.token
                else:
                    token = chain.sample(ctx)
                if first_at is None:
                    first_at = time.perf_counter()
                if cancel.value:
                    finish = "cancelled"
                    break
                if not params.ignore_eos and is_eog(vocab, token):
                    finish = "stop"
                    break
                generated += 1
                piece = pieces.text(token)
                record = grouper.add(step, piece, not pieces.pending()) if grouper is not None else None
                shown = stops.feed(piece) if stops.stops else piece
                yield shown, record, 1
                if stops.hit:
                    finish = "stop"
                    break
                if generated >= params.max_tokens:
                    finish = "length"
                    break
                if len(kv.tokens) + 1 >= n_ctx:
                    finish = "context"
                    break
                kv.step(token)
    except DecodeError as exc:
        if exc.aborted or cancel.value:
            finish = "cancelled"  # llama_decode was aborted mid-prompt by Stop
        elif exc.code == 1:
            finish = "context"  # no room left in the KV cache
        else:
            raise RuntimeError(f"llama.cpp could not process the prompt ({exc})") from None
    finally:
        chain.close()
    if stops.held and not stops.hit:
        yield stops.flush(), None, 0
    # Bytes of a character cut in half by Stop or max_tokens are dropped rather than shown as "�".
    end = time.perf_counter()
    if first_at is None:
        stats.prompt_evaluated = kv.n_prompt_evaluated()
    stats.finish_reason = finish
    stats.completion_tokens = generated
    stats.ttft_s = round((first_at or end) - start, 4)
    stats.total_s = round(end - start, 4)
    if first_at is not None and generated > 1 and end > first_at:
        stats.tokens_per_s = round((generated - 1) / (end - first_at), 2)
    stats.context_used = len(kv.tokens)
    yield stats
