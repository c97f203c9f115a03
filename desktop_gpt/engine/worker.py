"""The engine worker process: owns the one llama.cpp model. The only module of the app that imports llama_cpp.

It runs in a child process (see client.py), so a native crash on a bad file takes down only this process.
Requests arrive as dicts on a pipe; replies go back as small tuples:
("progress", fraction, stage) · ("loaded", info) · ("token", text) · ("trimmed", n, message) ·
("done", stats) · ("result", value) · ("error", kind, message) · ("template",) and ("rendered",) around each
chat template render, so the client can give it a time budget (a template is a program from the model file).
Stop is a shared flag (``cancel``) read between tokens and by llama.cpp's abort callback during a long prompt.
"""

from __future__ import annotations

import codecs
import collections
import ctypes
import hashlib
import logging
import os
import re
import time
import traceback
from typing import Any, Iterator

from desktop_gpt import i18n, log
from desktop_gpt.engine.offload import explain as explain_offload
from desktop_gpt.engine.protocol import GenerationStats, LoadRequest, ModelInfo, SamplingParams
from desktop_gpt.engine.templates import ChatTemplate, normalise
from desktop_gpt.errors import ContextFullError, DesktopGPTError, ModelLoadError, TemplateError
from desktop_gpt.i18n import _, ngettext

_log = log.get("engine.worker")
_llama_log = log.get("engine.llama")

_OFFLOADED = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")
_UNKNOWN_ARCH = re.compile(r"unknown model architecture: '([^']*)'")
_OOM = re.compile(r"out of memory|failed to allocate|cudaMalloc failed|unable to allocate", re.I)


class LlamaLog:
    """llama.cpp's log, captured: forwarded to engine.log, recent lines kept for error messages, and the
    loader's progress dots (llama.cpp prints one per percent when no progress callback is set) counted."""

    LEVELS = {0: logging.CRITICAL, 1: logging.INFO, 2: logging.WARNING, 3: logging.ERROR, 4: logging.DEBUG}

    def __init__(self) -> None:
        self.lines: collections.deque[tuple[int, str]] = collections.deque(maxlen=400)
        self._partial = ""
        self._level = logging.INFO
        self.dots = 0
        self.total = 0
        self.on_dot = None

    def __call__(self, level: int, text: bytes, _user_data: Any) -> None:
        try:
            piece = text.decode("utf-8", errors="replace")
            if level == 5 and piece.strip(".") == "" and "." in piece:  # GGML_LOG_LEVEL_CONT progress dots
                self.dots += piece.count(".")
                if self.on_dot is not None:
                    self.on_dot(self.dots)
                return
            if level != 5:
                self._level = self.LEVELS.get(level, logging.INFO)
            self._partial += piece
            while "\n" in self._partial:
                line, self._partial = self._partial.split("\n", 1)
                if line.strip():
                    self.lines.append((self._level, line))
                    self.total += 1
                    _llama_log.log(logging.DEBUG if self._level < logging.WARNING else self._level, "%s", line)
        except Exception:  # noqa: BLE001 - an exception must never cross back into C
            pass

    def mark(self) -> int:
        return self.total

    def _recent(self, mark: int) -> list[tuple[int, str]]:
        n = min(self.total - mark, len(self.lines))
        return list(self.lines)[-n:] if n > 0 else []

    def since(self, mark: int) -> list[str]:
        return [text for _level, text in self._recent(mark)]

    def errors_since(self, mark: int) -> list[str]:
        return [text for level, text in self._recent(mark) if level >= logging.ERROR]


class Worker:
    """The model and everything that must stay with it (template, KV cache, trimming memory)."""

    def __init__(self, conn, cancel) -> None:
        import llama_cpp  # noqa: PLC0415 - imported here so the client never loads it
        import llama_cpp.llama  # noqa: PLC0415

        self.llama_cpp = llama_cpp
        self.conn = conn
        self.cancel = cancel
        self.llm = None
        self.info: ModelInfo | None = None
        self.template: ChatTemplate | None = None
        self._trim_memory: tuple[str, int] | None = None
        self._last_render = ""
        self.last_prompt = ""  # the text the model was last given (after the chat template), for checks
        self.log = LlamaLog()
        self._log_cb = llama_cpp.llama_log_callback(self.log)
        llama_cpp.llama_log_set(self._log_cb, ctypes.c_void_p(0))
        # We render chat templates ourselves (templates.py), with repairs for known-bad ones; llama-cpp-python
        # would otherwise compile every template eagerly and refuse to load a model whose template it cannot parse.
        llama_cpp.llama.llama_chat_format.Jinja2ChatFormatter = _SkippedFormatter
        self._abort_cb = llama_cpp.ggml_abort_callback(lambda _data: bool(self.cancel.value))
        self._piece_buf = ctypes.create_string_buffer(256)
        self.system_info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
        self.backends = sorted({m.group(1) for m in re.finditer(r"(?:^|\|)\s*([A-Za-z][\w-]*) :", self.system_info)})

    # -- requests -------------------------------------------------------------------------------------------
    def handle(self, request: dict[str, Any]) -> None:
        op = request["op"]
        if op == "load":
            self.load(LoadRequest(**request["request"]), request.get("facts") or {})
        elif op == "chat":
            self._stream(self.chat_tokens(request["messages"], SamplingParams(**request["params"])),
                         SamplingParams(**request["params"]))
        elif op == "complete":
            self._stream(self.text_tokens(request["text"], SamplingParams(**request["params"])),
                         SamplingParams(**request["params"]))
        elif op == "count":
            self.conn.send(("result", self.count(request.get("text"), request.get("messages"))))
        elif op == "render":
            self._require_model()
            self.conn.send(("result", self._render(request["messages"])))
        elif op == "last_prompt":
            self.conn.send(("result", self.last_prompt))
        elif op == "forget":
            self._require_model()
            self.llm.reset()  # the next prompt is processed from scratch
            self._trim_memory = None
            self.conn.send(("result", None))
        elif op == "unload":
            self.unload()
            self.conn.send(("result", None))
        elif op == "ping":
            self.conn.send(("result", {"pid": os.getpid(), "backends": self.backends,
                                       "gpu_offload": bool(self.llama_cpp.llama_supports_gpu_offload())}))
        else:
            raise ValueError(f"unknown request {op!r}")

    # -- loading --------------------------------------------------------------------------------------------
    def load(self, req: LoadRequest, facts: dict[str, Any]) -> None:
        lc = self.llama_cpp
        started = time.perf_counter()
        gpu_ok = bool(lc.llama_supports_gpu_offload())
        requested = req.gpu_layers if gpu_ok else 0
        self.unload()
        mark = self.log.mark()
        self.conn.send(("progress", 0.02, _("Opening the model file")))
        self.log.dots = 0
        self.log.on_dot = lambda n: self.conn.send(("progress", 0.05 + 0.85 * min(n, 100) / 100, _("Loading weights")))
        context_size = req.context_size
        if facts.get("context_train"):
            context_size = min(context_size, int(facts["context_train"]))
        try:
            llm = lc.Llama(
                model_path=req.path,
                n_ctx=context_size,
                n_batch=min(512, context_size),
                n_gpu_layers=requested,
                n_threads=req.threads,
                n_threads_batch=req.threads,
                flash_attn=gpu_ok and requested != 0,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(self._load_failure(req.path, mark, exc)) from None
        finally:
            self.log.on_dot = None
        self.conn.send(("progress", 0.93, _("Checking the chat template")))
        model = llm._model  # noqa: SLF001 - llama-cpp-python keeps its model here
        bos = model.token_get_text(llm.token_bos()) if llm.token_bos() != -1 else ""
        eos = model.token_get_text(llm.token_eos()) if llm.token_eos() != -1 else ""
        template_text = llm.metadata.get("tokenizer.chat_template")
        try:
            template = ChatTemplate(template_text, bos_token=bos, eos_token=eos)
            self.conn.send(("template",))
            template.check()
            self.conn.send(("rendered",))
        except TemplateError:
            llm.close()
            raise
        self.llm, self.template = llm, template
        self._trim_memory = None
        lc.llama_set_abort_callback(llm._ctx.ctx, self._abort_cb, None)  # noqa: SLF001

        offloaded, total = 0, lc.llama_model_n_layer(model.model) + 1
        for line in self.log.since(mark):
            m = _OFFLOADED.search(line)
            if m:
                offloaded, total = int(m.group(1)), int(m.group(2))
        backend = "CPU"
        if offloaded:
            gpu_backends = [b for b in self.backends if b not in ("CPU", "BLAS", "RPC")]
            backend = gpu_backends[0] if gpu_backends else "GPU"
        offload = explain_offload(req.gpu_layers, offloaded, total, backends=self.backends, gpu_usable=gpu_ok,
                                  out_of_memory=any(_OOM.search(x) for x in self.log.since(mark)))
        self.info = ModelInfo(
            path=req.path,
            name=facts.get("name") or os.path.basename(req.path),
            title=facts.get("title") or "",
            architecture=facts.get("architecture") or llm.metadata.get("general.architecture", "?"),
            parameters=int(facts.get("parameters") or model.n_params()),
            quantization=facts.get("quantization"),
            file_size=int(facts.get("file_size") or os.path.getsize(req.path)),
            context_train=model.n_ctx_train(),
            context_size=llm.n_ctx(),
            has_chat_template=bool(template_text),
            template_source=template.source,
            template_fixes=list(template.fixes),
            backend=backend,
            backends_available=self.backends,
            gpu_layers_requested=req.gpu_layers,
            gpu_layers_offloaded=offloaded,
            layers_total=total,
            gpu_note=offload.message,
            gpu_reason=offload.reason,
            threads=req.threads,
            load_seconds=round(time.perf_counter() - started, 3),
        )
        _log.info("loaded %s: %s", req.path, self.info)
        self.conn.send(("loaded", self.info.to_dict()))

    def _load_failure(self, path: str, mark: int, exc: Exception) -> str:
        name = os.path.basename(path)
        lines = self.log.since(mark)
        for line in lines:
            m = _UNKNOWN_ARCH.search(line)
            if m:
                return (f"{name} uses the model architecture '{m.group(1)}', which this version of llama.cpp "
                        "does not support. Update llama-cpp-python or choose another model.")
        if any(_OOM.search(x) for x in lines):
            return (f"There is not enough memory to load {name}. Try a smaller model or quantization, a smaller "
                    "context size, or fewer GPU layers.")
        if "Failed to create llama_context" in str(exc):
            return (f"{name} loaded, but its context ({exc}) could not be created: usually not enough memory. "
                    "Try a smaller context size.")
        errors = self.log.errors_since(mark)
        detail = errors[-1].split(": ", 1)[-1] if errors else str(exc)
        return f"{name} could not be loaded: {detail}"

    def unload(self) -> None:
        if self.llm is not None:
            self.llm.close()
        self.llm, self.info, self.template, self._trim_memory = None, None, None, None

    def _require_model(self) -> None:
        if self.llm is None:
            raise ModelLoadError(_("No model is loaded."))

    # -- prompts --------------------------------------------------------------------------------------------
    def tokenize(self, text: str, special: bool) -> list[int]:
        add_bos = bool(self.llama_cpp.llama_vocab_get_add_bos(self.llm._model.vocab))  # noqa: SLF001
        if special and self.template.bos_token and text.startswith(self.template.bos_token):
            add_bos = False  # the template wrote BOS itself
        return self.llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special)

    def _render(self, messages: list[dict[str, str]]) -> str:
        self.conn.send(("template",))
        text = self.template.render(messages).text
        self.conn.send(("rendered",))
        return text

    def _render_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        text = self._render(messages)
        self._last_render = text
        return self.tokenize(text, special=True)

    def chat_tokens(self, messages: list[dict[str, str]], params: SamplingParams) -> tuple[list[int], int]:
        """The prompt's tokens, leaving out the oldest turns when the conversation outgrows the context.

        Turns are dropped in chunks (down to half of what fits) and the cut is remembered, so the prompt's
        prefix stays the same over the next turns and the KV cache keeps being reused. The system prompt and
        the newest user message are never dropped.
        """
        self._require_model()
        msgs = normalise(messages)
        system = msgs[:1] if msgs and msgs[0]["role"] == "system" else []
        rest = msgs[len(system):]
        n_ctx = self.llm.n_ctx()
        limit = n_ctx - self._reserve(params)
        cut = 0
        if self._trim_memory is not None:
            fingerprint, remembered = self._trim_memory
            if remembered < len(rest) and _fingerprint(rest[:remembered]) == fingerprint:
                cut = remembered
        tokens = self._render_tokens(system + rest[cut:])
        if len(tokens) > limit:
            target = limit // 2
            last_user = max((i for i, m in enumerate(rest) if m["role"] == "user"), default=len(rest) - 1)
            if cut < last_user:
                cut, tokens = self._smallest_cut(system, rest, cut, last_user, target)
            if len(tokens) > limit:
                raise ContextFullError(too_long_message(len(tokens), n_ctx, n_ctx - limit,
                                                          self.llm._model.n_ctx_train()))  # noqa: SLF001
        self._trim_memory = (_fingerprint(rest[:cut]), cut) if cut else None
        self.last_prompt = self._last_render
        return tokens, cut

    def _smallest_cut(self, system: list[dict[str, str]], rest: list[dict[str, str]], cut: int, last_user: int,
                      target: int) -> tuple[int, list[int]]:
        """The fewest oldest turns to drop so the prompt fits ``target``, found by bisection.

        The kept history starts at a user turn (or at the newest user message). Dropping turns one by one
        re-rendered and re-tokenised the whole remainder each time: quadratic, minutes for a chat of a few
        hundred thousand tokens; bisection renders about log2(turns) times.
        """
        starts = [i for i in range(cut + 1, last_user) if rest[i]["role"] == "user"] + [last_user]
        lo, hi = 0, len(starts) - 1
        best: tuple[int, list[int], str] | None = None
        while lo <= hi:
            mid = (lo + hi) // 2
            tokens = self._render_tokens(system + rest[starts[mid]:])
            if len(tokens) <= target:
                best, hi = (starts[mid], tokens, self._last_render), mid - 1
            else:
                lo = mid + 1
        if best is None:  # even the newest user message alone is over the target: keep just that
            return last_user, self._render_tokens(system + rest[last_user:])
        self._last_render = best[2]
        return best[0], best[1]

    def text_tokens(self, text: str, params: SamplingParams) -> tuple[list[int], int]:
        """Plain text for a raw continuation (no chat template); keeps the end when it is too long."""
        self._require_model()
        tokens = self.tokenize(text, special=False)
        self.last_prompt = text
        limit = self.llm.n_ctx() - self._reserve(params)
        if len(tokens) > limit:
            return tokens[-limit:], len(tokens) - limit
        return tokens, 0

    def _reserve(self, params: SamplingParams) -> int:
        return max(16, min(params.max_tokens, self.llm.n_ctx() // 4))

    def count(self, text: str | None, messages: list[dict[str, str]] | None) -> int:
        self._require_model()
        if messages is not None:
            return len(self._render_tokens(normalise(messages)))
        return len(self.tokenize(text or "", special=False))

    # -- generation -----------------------------------------------------------------------------------------
    def _stream(self, prompt: tuple[list[int], int], params: SamplingParams) -> None:
        tokens, dropped = prompt
        if dropped:
            self.conn.send(("trimmed", dropped, _trim_message(dropped)))
        stats = None
        for event in self.generate(tokens, params):
            if isinstance(event, GenerationStats):
                stats = event
            else:
                self.conn.send(("token", event))
        stats.dropped_messages = dropped
        self.conn.send(("done", stats.to_dict()))

    def generate(self, tokens: list[int], params: SamplingParams) -> Iterator[str | GenerationStats]:
        """Stream text for ``tokens``; the last item is the GenerationStats."""
        lc, llm = self.llama_cpp, self.llm
        ctx = llm._ctx.ctx  # noqa: SLF001
        vocab = llm._model.vocab  # noqa: SLF001
        n_ctx = llm.n_ctx()
        if params.seed is not None:
            llm.set_seed(params.seed)
        lc.llama_perf_context_reset(ctx)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stats = GenerationStats(prompt_tokens=len(tokens), context_size=n_ctx)
        start = time.perf_counter()
        first_at = None
        generated = 0
        finish = "length"
        gen = llm.generate(
            tokens, top_k=params.top_k, top_p=params.top_p, min_p=params.min_p, temp=params.temperature,
            repeat_penalty=params.repeat_penalty, reset=True,
        )
        try:
            if self.cancel.value:
                finish = "cancelled"
            else:
                for token in gen:
                    if first_at is None:
                        first_at = time.perf_counter()
                        stats.prompt_evaluated = int(lc.llama_perf_context(ctx).n_p_eval)
                    if self.cancel.value:
                        finish = "cancelled"
                        break
                    if lc.llama_vocab_is_eog(vocab, token):
                        finish = "stop"
                        break
                    generated += 1
                    text = decoder.decode(self._piece(vocab, token))
                    if text:
                        yield text
                    if generated >= params.max_tokens:
                        finish = "length"
                        break
                    if llm.n_tokens + 1 >= n_ctx:
                        finish = "context"
                        break
        except RuntimeError:
            if not self.cancel.value:
                raise
            finish = "cancelled"  # llama_decode was aborted mid-prompt by Stop
        finally:
            gen.close()
        # Bytes of a character cut in half by Stop or max_tokens are dropped rather than shown as "�".
        end = time.perf_counter()
        if first_at is None:
            stats.prompt_evaluated = int(lc.llama_perf_context(ctx).n_p_eval)
        stats.finish_reason = finish
        stats.completion_tokens = generated
        stats.ttft_s = round((first_at or end) - start, 4)
        stats.total_s = round(end - start, 4)
        if first_at is not None and generated > 1 and end > first_at:
            stats.tokens_per_s = round((generated - 1) / (end - first_at), 2)
        stats.context_used = llm.n_tokens
        yield stats

    def _piece(self, vocab, token: int) -> bytes:
        n = self.llama_cpp.llama_token_to_piece(vocab, token, self._piece_buf, len(self._piece_buf), 0, False)
        if n < 0:  # a piece longer than the buffer
            buf = ctypes.create_string_buffer(-n)
            n = self.llama_cpp.llama_token_to_piece(vocab, token, buf, -n, 0, False)
            return buf.raw[:n]
        return self._piece_buf.raw[:n]


class _SkippedFormatter:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def to_chat_handler(self) -> None:
        return None


def too_long_message(need: int, n_ctx: int, reserve: int, n_ctx_train: int) -> str:
    """Why a message does not fit, in numbers that add up, and the ways out."""
    room = n_ctx - reserve
    if n_ctx_train > n_ctx:
        raise_it = (f"raise the context size in Settings (this model takes up to {n_ctx_train:,} tokens; "
                    f"about {need + reserve:,} would fit this message)")
    else:
        raise_it = f"use a model with a longer context (this one takes at most {n_ctx_train:,} tokens)"
    return (f"This message is too long for the model's context. The context holds {n_ctx:,} tokens; {reserve:,} "
            f"are kept for the reply, which leaves {room:,} for the chat, and this message (with the system "
            f"prompt) needs {need:,}: {need - room:,} tokens too many. Ways out: send it in parts, or shorter; "
            f"{raise_it}; or, to translate it, the Translation tab, which works through a long text paragraph by "
            "paragraph.")


def _fingerprint(messages: list[dict[str, str]]) -> str:
    h = hashlib.sha256()
    for m in messages:
        h.update(m["role"].encode() + b"\0" + m["content"].encode("utf-8") + b"\0")
    return h.hexdigest()


def _trim_message(dropped: int) -> str:
    return ngettext("The conversation is longer than the model's context, so the oldest {n} message was left out of "
                    "what the model sees. The system prompt is kept.",
                    "The conversation is longer than the model's context, so the oldest {n} messages were left out of "
                    "what the model sees. The system prompt is kept.", dropped).format(n=dropped)


def serve(conn, cancel, log_dir: str | None = None) -> None:
    """Entry point of the worker process: answer requests until the pipe closes."""
    i18n.install(os.environ.get(i18n.ENV, i18n.ENGLISH))  # the app's language, for the messages sent back
    if log_dir:
        from pathlib import Path

        log.setup_logging(Path(log_dir), "engine.log", logging.DEBUG if os.environ.get("DESKTOP_GPT_DEBUG")
                          else logging.INFO)
    try:
        worker = Worker(conn, cancel)
    except Exception as exc:  # noqa: BLE001 - e.g. llama_cpp missing or built for another CPU
        _log.exception("engine worker could not start")
        conn.send(("error", "ModelLoadError", _("The model engine could not start: {error}").format(error=exc)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break
        if request.get("op") == "shutdown":
            break
        try:
            worker.handle(request)
        except (BrokenPipeError, EOFError, ConnectionError):
            break  # the app is gone
        except DesktopGPTError as exc:
            _log.info("request %s failed: %s", request.get("op"), exc)
            conn.send(("error", type(exc).__name__, str(exc)))
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            _log.error("request %s crashed:\n%s", request.get("op"), traceback.format_exc())
            conn.send(("error", "internal", f"The engine hit an internal error: {exc}"))
    worker.unload()
