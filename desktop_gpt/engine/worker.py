"""The engine worker process: owns the one llama.cpp model. With decoder.py, resume.py and logprobs.py, the only
modules of the app that call llama.cpp.

It runs in a child process (see client.py), so a native crash on a bad file takes down only this process.
Requests arrive as dicts on a pipe; replies go back as small tuples:
("progress", fraction, stage) · ("loaded", info) · ("token", text, n_tokens, probabilities) ·
("trimmed", n, message) · ("done", stats) · ("result", value) · ("error", kind, message) · ("template",) and
("rendered",) around each chat template render, so the client can give it a time budget (a template is a program
from the model file).
Reply text is batched: the first piece goes at once, then one message at most every FLUSH_S seconds.
Stop is a shared flag (``cancel``) read between tokens and by llama.cpp's abort callback during a long prompt; the
worker sets it itself when the app's process ends without closing it (parent_watch.py).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import re
import time
import traceback
from typing import Any

from desktop_gpt import i18n, log
from desktop_gpt.engine.decoder import KVCache, generate
from desktop_gpt.engine.llama_log import LlamaLog
from desktop_gpt.engine.offload import explain as explain_offload
from desktop_gpt.engine.parent_watch import watch_parent
from desktop_gpt.engine.protocol import LoadRequest, ModelInfo, SamplingParams
from desktop_gpt.engine.resume import Resume
from desktop_gpt.engine.templates import ChatTemplate, normalise
from desktop_gpt.errors import ContextFullError, DesktopGPTError, ModelLoadError, TemplateError
from desktop_gpt.i18n import _, ngettext

_log = log.get("engine.worker")

FLUSH_S = 0.015  # text is sent to the app at most this often (the first piece at once, for time to first token)

_OFFLOADED = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")
_UNKNOWN_ARCH = re.compile(r"unknown model architecture: '([^']*)'")
_OOM = re.compile(r"out of memory|failed to allocate|cudaMalloc failed|unable to allocate", re.I)


class Worker:
    """The model and everything that must stay with it (template, KV cache, trimming memory, saved states)."""

    def __init__(self, conn, cancel) -> None:
        import llama_cpp  # noqa: PLC0415 - imported here so the client never loads it
        import llama_cpp._internals as internals  # noqa: PLC0415

        self.llama_cpp = llama_cpp
        self.internals = internals
        self.conn = conn
        self.cancel = cancel
        self.model = None  # llama_cpp._internals.LlamaModel
        self.context = None  # llama_cpp._internals.LlamaContext
        self.kv: KVCache | None = None
        self.resume: Resume | None = None
        self.n_ctx = 0
        self.info: ModelInfo | None = None
        self.template: ChatTemplate | None = None
        self._trim_memory: tuple[str, int] | None = None
        self._last_render = ""
        self.last_prompt = ""  # the text the model was last given (after the chat template), for checks
        self.log = LlamaLog()
        self._log_cb = llama_cpp.llama_log_callback(self.log)
        llama_cpp.llama_log_set(self._log_cb, ctypes.c_void_p(0))
        llama_cpp.llama_backend_init()
        self._abort_cb = llama_cpp.ggml_abort_callback(lambda _data: bool(self.cancel.value))
        self.system_info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
        self.backends = sorted({m.group(1) for m in re.finditer(r"(?:^|\|)\s*([A-Za-z][\w-]*) :", self.system_info)})

    # -- requests -------------------------------------------------------------------------------------------
    def handle(self, request: dict[str, Any]) -> None:
        op = request["op"]
        if op == "load":
            self.load(LoadRequest(**request["request"]), request.get("facts") or {})
        elif op in ("chat", "complete"):
            params = SamplingParams(**request["params"])
            if op == "chat":
                prompt = self.chat_tokens(request["messages"], params)
            else:
                prompt = self.text_tokens(request["text"], params)
            prefix = [int(t) for t in request.get("prefix_tokens") or ()]
            if prefix:  # "continue with this word instead": the reply so far, then the chosen token
                prompt = (prompt[0] + prefix, prompt[1])
            self._stream(prompt, params, request.get("session"), prefix)
        elif op == "count":
            self.conn.send(("result", self.count(request.get("text"), request.get("messages"))))
        elif op == "render":
            self._require_model()
            self.conn.send(("result", self._render(request["messages"])))
        elif op == "last_prompt":
            self.conn.send(("result", self.last_prompt))
        elif op == "forget":
            self._require_model()
            self.kv.clear()  # the next prompt is processed from scratch
            self.resume.forget_slot()
            self._trim_memory = None
            self.conn.send(("result", None))
        elif op == "resume_timings":
            if self.resume is not None:
                self.resume.close()  # a write in progress finishes first
            self.conn.send(("result", dict(self.resume.timings) if self.resume is not None else {}))
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
        lc, internals = self.llama_cpp, self.internals
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
        mparams = lc.llama_model_default_params()
        mparams.n_gpu_layers = 0x7FFFFFFF if requested < 0 else requested
        cparams = lc.llama_context_default_params()
        cparams.n_ctx = context_size
        cparams.n_batch = min(2048, context_size)  # llama.cpp's own defaults (llama-bench, llama-cli)
        cparams.n_ubatch = min(512, cparams.n_batch)
        cparams.n_threads = cparams.n_threads_batch = req.threads
        cparams.flash_attn_type = lc.LLAMA_FLASH_ATTN_TYPE_AUTO
        cparams.no_perf = False  # llama.cpp's counters say how many prompt tokens were evaluated
        model = context = None
        try:
            # verbose=True: llama-cpp-python's redirect of fds 1 and 2 is process-wide; our log callback has the log
            model = internals.LlamaModel(path_model=req.path, params=mparams, verbose=True)
            context = internals.LlamaContext(model=model, params=cparams, verbose=True)
        except (ValueError, RuntimeError) as exc:
            if model is not None:
                model.close()
            raise ModelLoadError(self._load_failure(req.path, mark, exc)) from None
        finally:
            self.log.on_dot = None
        self.conn.send(("progress", 0.93, _("Checking the chat template")))
        metadata = model.metadata()
        bos = model.token_get_text(model.token_bos()) if model.token_bos() != -1 else ""
        eos = model.token_get_text(model.token_eos()) if model.token_eos() != -1 else ""
        template_text = metadata.get("tokenizer.chat_template")
        try:
            template = ChatTemplate(template_text, bos_token=bos, eos_token=eos)
            self.conn.send(("template",))
            template.check()
            self.conn.send(("rendered",))
        except TemplateError:
            context.close()
            model.close()
            raise
        self.model, self.context, self.template = model, context, template
        self.n_ctx = lc.llama_n_ctx(context.ctx)
        self.kv = KVCache(lc, context.ctx, cparams.n_batch)
        self.resume = Resume(lc, context.ctx, self.kv, req.path,
                             {"n_ctx": self.n_ctx, "flash_attn": int(cparams.flash_attn_type),
                              "type_k": int(cparams.type_k), "type_v": int(cparams.type_v),
                              "gpu_layers": requested},
                             req.state_dir, req.state_limit_mb)
        self._trim_memory = None
        lc.llama_set_abort_callback(context.ctx, self._abort_cb, None)

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
            architecture=facts.get("architecture") or metadata.get("general.architecture", "?"),
            parameters=int(facts.get("parameters") or model.n_params()),
            quantization=facts.get("quantization"),
            file_size=int(facts.get("file_size") or os.path.getsize(req.path)),
            context_train=model.n_ctx_train(),
            context_size=self.n_ctx,
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
                return _("{name} uses the model architecture '{architecture}', which this version of llama.cpp "
                         "does not support. Update llama-cpp-python or choose another model.").format(
                    name=name, architecture=m.group(1))
        if any(_OOM.search(x) for x in lines):
            return _("There is not enough memory to load {name}. Try a smaller model or quantization, a smaller "
                     "context size, or fewer GPU layers.").format(name=name)
        if "Failed to create llama_context" in str(exc):
            return _("{name} loaded, but its context ({detail}) could not be created: usually not enough memory. "
                     "Try a smaller context size.").format(name=name, detail=exc)
        errors = self.log.errors_since(mark)
        detail = errors[-1].split(": ", 1)[-1] if errors else str(exc)
        return _("{name} could not be loaded: {detail}").format(name=name, detail=detail)

    def unload(self) -> None:
        if self.resume is not None:
            self.resume.close()
        if self.context is not None:
            self.context.close()
        if self.model is not None:
            self.model.close()
        self.model, self.context, self.kv, self.resume = None, None, None, None
        self.info, self.template, self._trim_memory = None, None, None

    def _require_model(self) -> None:
        if self.model is None:
            raise ModelLoadError(_("No model is loaded."))

    # -- prompts --------------------------------------------------------------------------------------------
    def tokenize(self, text: str, special: bool) -> list[int]:
        add_bos = bool(self.llama_cpp.llama_vocab_get_add_bos(self.model.vocab))
        if special and self.template.bos_token and text.startswith(self.template.bos_token):
            add_bos = False  # the template wrote BOS itself
        return self.model.tokenize(text.encode("utf-8"), add_bos, special)

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
        n_ctx = self.n_ctx
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
                raise ContextFullError(too_long_message(len(tokens), n_ctx, n_ctx - limit, self.model.n_ctx_train()))
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
        limit = self.n_ctx - self._reserve(params)
        if len(tokens) > limit:
            return tokens[-limit:], len(tokens) - limit
        return tokens, 0

    def _reserve(self, params: SamplingParams) -> int:
        return max(16, min(params.max_tokens, self.n_ctx // 4))

    def count(self, text: str | None, messages: list[dict[str, str]] | None) -> int:
        self._require_model()
        if messages is not None:
            return len(self._render_tokens(normalise(messages)))
        return len(self.tokenize(text or "", special=False))

    # -- generation -----------------------------------------------------------------------------------------
    def _stream(self, prompt: tuple[list[int], int], params: SamplingParams, session: str | None = None,
                prefix: list[int] | None = None) -> None:
        """Send the reply's text in batches: the first piece at once, then at most every FLUSH_S seconds."""
        tokens, dropped = prompt
        if dropped:
            self.conn.send(("trimmed", dropped, _trim_message(dropped)))
        stats = None
        text, count, probs = "", 0, []
        last_send = 0.0
        send = self.conn.send
        restore = None
        if session and self.resume is not None:
            restore = lambda: self.resume.restore(session, tokens)  # noqa: E731
        for event in generate(self.llama_cpp, self.context.ctx, self.model, self.kv, self.cancel, tokens, params,
                              restore, prefix):
            if type(event) is tuple:
                piece, record, n = event
                text += piece
                count += n
                if record is not None:
                    probs.append(record)
                now = time.perf_counter()
                if now - last_send >= FLUSH_S and (text or probs):
                    send(("token", text, count, probs or None))
                    text, count, probs, last_send = "", 0, [], now
            else:
                stats = event
        if text or count or probs:
            self.conn.send(("token", text, count, probs or None))
        stats.dropped_messages = dropped
        self.conn.send(("done", stats.to_dict()))
        if session and self.resume is not None:
            self.resume.remember(session)  # after "done": the app is not kept waiting


def too_long_message(need: int, n_ctx: int, reserve: int, n_ctx_train: int) -> str:
    """Why a message does not fit, in numbers that add up, and the ways out."""
    room = n_ctx - reserve
    if n_ctx_train > n_ctx:
        raise_it = _("raise the context size in Settings (this model takes up to {most:,} tokens; about {fits:,} "
                     "would fit this message)").format(most=n_ctx_train, fits=need + reserve)
    else:
        raise_it = _("use a model with a longer context (this one takes at most {most:,} tokens)").format(
            most=n_ctx_train)
    return _("This message is too long for the model's context. The context holds {n_ctx:,} tokens; {reserve:,} "
             "are kept for the reply, which leaves {room:,} for the chat, and this message (with the system "
             "prompt) needs {need:,}: {over:,} tokens too many. Ways out: send it in parts, or shorter; "
             "{raise_it}; or, to translate it, the Translation tab, which works through a long text paragraph by "
             "paragraph.").format(n_ctx=n_ctx, reserve=reserve, room=room, need=need, over=need - room,
                                  raise_it=raise_it)


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
    watch_parent(cancel)  # a killed app leaves no worker behind, even in the middle of a long prompt
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
