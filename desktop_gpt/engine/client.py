"""The app's handle on the engine: starts the worker process, streams its replies, restarts it after a crash."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

from desktop_gpt import errors, log
from desktop_gpt.engine.protocol import (
    Done,
    Event,
    GenerationStats,
    LoadProgress,
    LoadRequest,
    ModelInfo,
    SamplingParams,
    Token,
    Trimmed,
)
from desktop_gpt.errors import Cancelled, EngineBusy, EngineCrashed, ModelLoadError, TemplateError
from desktop_gpt.i18n import _
from desktop_gpt.models.gguf import read_gguf

_log = log.get("engine")

# A chat template is a program from the model file (a sandbox bounds its loops' length, not their time): the worker
# says when it starts and ends rendering one, and a render that takes longer than this ends the worker.
TEMPLATE_BUDGET_S = 10.0

_ERRORS: dict[str, type[errors.DesktopGPTError]] = {
    name: cls for name, cls in vars(errors).items() if isinstance(cls, type) and issubclass(cls, errors.DesktopGPTError)
}


def physical_cores() -> int:
    """Cores, not hyper-threads: llama.cpp is fastest with one thread per physical core."""
    try:
        import psutil

        n = psutil.cpu_count(logical=False)
    except Exception:  # noqa: BLE001 - psutil can fail inside sandboxes
        n = None
    return max(1, n or os.cpu_count() or 1)


def model_facts(path: str | Path) -> dict[str, Any]:
    """Validate a GGUF file and read what the status bar and model manager show. Raises ModelLoadError."""
    info = read_gguf(path)
    return {
        "name": Path(path).name.removesuffix(".gguf"),
        "title": info.get("general.name") or "",
        "architecture": info.architecture,
        "parameters": info.parameters,
        "quantization": info.quantization,
        "context_train": info.context_length,
        "file_size": info.file_size,
    }


class Engine:
    """The llama.cpp engine, running in its own process.

    One request runs at a time (a second caller gets EngineBusy); ``cancel()`` may be called from any thread
    and stops the current request within one token, or mid-prompt. If the worker dies (a native crash, a kill),
    the current request raises EngineCrashed and the next request starts a new worker and reloads the model.

    Attributes:
        info: facts about the loaded model, or None.
        last_stats: GenerationStats of the last finished reply.
        stop_requested: asked as each request starts; True makes that request stop at once. Whoever queues
            requests sets it, so a Stop pressed while a request waited is not lost when the request starts.

    It implements ``desktop_gpt.engine.backend.EngineBackend``.
    """

    kind = "local"
    exact_token_counts = True

    def __init__(self, log_dir: str | Path | None = None, start_timeout: float = 120.0,
                 state_dir: str | Path | None = None):
        self._mp = multiprocessing.get_context("spawn")
        self._cancel = self._mp.RawValue(ctypes.c_int, 0)
        self._cancel_lock = threading.Lock()  # a Stop and a request starting never interleave
        self.stop_requested: Callable[[], bool] = lambda: False
        if log_dir is None:
            from desktop_gpt.paths import app_paths

            log_dir = app_paths().logs
        self._log_dir = str(log_dir)
        if state_dir is None:
            from desktop_gpt.paths import app_paths

            state_dir = app_paths().states
        self.state_dir = str(state_dir)
        self.state_limit_mb = 3072  # the bound on saved chat states (settings: resume_cache_mb); 0 saves none
        self._start_timeout = start_timeout
        self._proc = None
        self._conn = None
        self._lock = threading.Lock()
        self._killed = False  # kill() ended the worker: the request in progress was cancelled, not crashed
        self._restore_after_kill = True
        self._loaded_request: LoadRequest | None = None
        self._facts: dict[str, Any] = {}
        self._needs_reload = False
        self.info: ModelInfo | None = None
        self.last_stats: GenerationStats | None = None

    # -- process management ---------------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.is_alive() else None

    def _start(self) -> None:
        from desktop_gpt.engine import worker

        parent, child = self._mp.Pipe(duplex=True)
        proc = self._mp.Process(
            target=worker.serve, args=(child, self._cancel, self._log_dir), name="desktop-gpt-engine", daemon=True
        )
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        if not parent.poll(self._start_timeout):
            self._kill()
            raise EngineCrashed(_("The model engine did not start in time."))
        msg = self._recv()
        if msg[0] == "error":
            self._kill()
            raise ModelLoadError(msg[2])
        _log.info("engine worker started (pid %s)", proc.pid)

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def _died(self) -> EngineCrashed:
        code = self._proc.exitcode if self._proc is not None else None
        if self._proc is not None:
            self._proc.join(2)
            code = self._proc.exitcode
        self._kill()
        self._needs_reload = self._loaded_request is not None
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        _log.error("engine worker died (%s)", how)
        return EngineCrashed(
            _("The model engine stopped unexpectedly ({how}). It will restart with your next request.").format(how=how)
        )

    def _recv_one(self) -> tuple:
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            raise self._died() from None

    def _recv(self) -> tuple:
        msg = self._recv_one()
        while msg[0] in ("template", "rendered"):  # a chat template renders: it gets TEMPLATE_BUDGET_S
            if msg[0] == "template" and not self._conn.poll(TEMPLATE_BUDGET_S):
                self._kill()
                self._needs_reload = self._loaded_request is not None
                _log.error("a chat template took more than %s s to render; the engine worker was ended",
                           TEMPLATE_BUDGET_S)
                raise TemplateError(_(
                    "The model's chat template did not finish within {seconds} seconds (it probably loops), so "
                    "it was stopped. This model file cannot be used for chat; choose another one."
                ).format(seconds=int(TEMPLATE_BUDGET_S)))
            msg = self._recv_one()
        return msg

    def _ensure(self) -> None:
        if self._proc is None or not self._proc.is_alive():
            if self._proc is not None:
                self._died()
            self._start()
        if self._needs_reload and self._loaded_request is not None:
            self._needs_reload = False
            _log.info("reloading %s after an engine restart", self._loaded_request.path)
            self._run_load(self._loaded_request, self._facts, None)

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self._conn.send(message)
        except (BrokenPipeError, OSError):
            raise self._died() from None

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker (the model is freed with it). Returns within about ``timeout`` seconds: a worker
        busy with a request it cannot leave (a load, a hung template) is killed."""
        if not self._lock.acquire(timeout=timeout):
            self.kill(restore_previous=False)  # the request in progress ends and lets go of the lock
            if not self._lock.acquire(timeout=timeout):
                _log.error("the engine is still busy after its worker was killed; closing anyway")
                self.info = None
                return
        try:
            if self._conn is not None and self._proc is not None and self._proc.is_alive():
                try:
                    self._conn.send({"op": "shutdown"})
                    self._proc.join(timeout)
                except OSError:
                    pass
            self._kill()
            self.info = None
        finally:
            self._lock.release()

    def kill(self, restore_previous: bool = True) -> None:
        """End the worker process now, from any thread: a load or request in progress raises Cancelled (the
        model being replaced comes back if ``restore_previous``); the next request starts a new worker."""
        self._restore_after_kill = restore_previous
        self._killed = True
        proc = self._proc
        if proc is not None and proc.is_alive():
            _log.info("ending the engine worker (pid %s) on request", proc.pid)
            proc.kill()

    def cancel(self) -> None:
        """Stop the current request (thread-safe, returns at once)."""
        with self._cancel_lock:
            self._cancel.value = 1

    def _acquire(self) -> None:
        if not self._lock.acquire(blocking=False):
            raise EngineBusy(_("The model is busy with another request. Stop it first, or wait for it to finish."))
        self._killed = False
        with self._cancel_lock:
            self._cancel.value = 1 if self.stop_requested() else 0

    # -- requests -------------------------------------------------------------------------------------------
    def ping(self) -> dict[str, Any]:
        """Start the worker if needed; returns its pid, the backends of this llama.cpp build and GPU support."""
        self._acquire()
        try:
            self._ensure()
            return self._call({"op": "ping"})
        finally:
            self._lock.release()

    def load(
        self, path: str | Path, context_size: int = 4096, gpu_layers: int = -1, threads: int = 0,
        on_progress: Callable[[LoadProgress], None] | None = None,
    ) -> ModelInfo:
        """Load a GGUF, replacing the current model. A bad file raises ModelLoadError and the previous model
        stays loaded."""
        facts = model_facts(path)  # a file that is not a valid GGUF is refused before the current model goes
        request = LoadRequest(str(Path(path).resolve()), context_size, gpu_layers, threads or physical_cores(),
                              self.state_dir, self.state_limit_mb)
        self._acquire()
        try:
            if self._cancel.value:  # stop_requested: cancelled before it started
                raise Cancelled(f"loading {Path(path).name} was cancelled")
            try:
                self._ensure()
                return self._run_load(request, facts, on_progress)
            except (ModelLoadError, errors.TemplateError):
                self._restore_previous()
                raise
            except EngineCrashed:
                if self._killed:  # kill(): the user cancelled the load, or the app is quitting
                    if self._restore_after_kill:
                        self._restore_previous()
                    raise Cancelled(f"loading {Path(path).name} was cancelled") from None
                self._restore_previous()
                raise ModelLoadError(
                    _("Loading {name} crashed the model engine; the file is probably damaged or not supported.").format(
                        name=Path(path).name
                    )
                    + (_(" The previous model is loaded again.") if self.info else "")
                ) from None
        finally:
            self._lock.release()

    def _restore_previous(self) -> None:
        self.info = None
        if self._loaded_request is None:
            return
        try:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            self._needs_reload = False
            self._run_load(self._loaded_request, self._facts, None)
        except errors.DesktopGPTError as exc:  # the previous model cannot come back either
            _log.error("could not reload the previous model: %s", exc)
            self._loaded_request, self.info = None, None

    def _run_load(
        self, request: LoadRequest, facts: dict[str, Any], on_progress: Callable[[LoadProgress], None] | None
    ) -> ModelInfo:
        self._send({"op": "load", "request": request.__dict__, "facts": facts})
        while True:
            msg = self._recv()
            if msg[0] == "progress":
                if on_progress is not None:
                    on_progress(LoadProgress(msg[1], msg[2]))
            elif msg[0] == "loaded":
                self.info = ModelInfo(**msg[1])
                self._loaded_request, self._facts = request, facts
                if on_progress is not None:
                    on_progress(LoadProgress(1.0, "Ready"))
                return self.info
            elif msg[0] == "error":
                raise _error(msg)

    def unload(self) -> None:
        self._acquire()
        try:
            if self._proc is not None and self._proc.is_alive():
                self._call({"op": "unload"})
            self.info, self._loaded_request = None, None
        finally:
            self._lock.release()

    def chat(self, messages: list[dict[str, str]], params: SamplingParams | dict | None = None,
             session: str | None = None, prefix_tokens: list[int] | None = None) -> Iterator[Event]:
        """Stream a reply to ``messages`` (role/content dicts; a system message first if any), rendered with
        the model's chat template. Yields Token, maybe Trimmed, and finally Done.

        ``session`` names the chat (e.g. "chat:12"): its KV cache is saved after the reply and restored when the
        chat continues later, even after a restart (engine/states.py). ``prefix_tokens``: token ids the reply
        starts with (a reply continued from a chosen alternative token); they are not streamed back.
        """
        return self._stream({"op": "chat", "messages": messages, "session": session,
                             "prefix_tokens": prefix_tokens}, params)

    def complete(self, text: str, params: SamplingParams | dict | None = None,
                 prefix_tokens: list[int] | None = None) -> Iterator[Event]:
        """Stream a raw continuation of ``text`` (no chat template: base models, "continue writing")."""
        return self._stream({"op": "complete", "text": text, "prefix_tokens": prefix_tokens}, params)

    def resume_timings(self) -> dict[str, float]:
        """Seconds and sizes of the last saved chat state's snapshot and write, and of the last one loaded; waits
        for a write in progress (bench/resume.py)."""
        return self._locked_call({"op": "resume_timings"})

    def forget_session(self, session: str) -> None:
        """Delete the saved states of a chat (it was deleted). Works with no model loaded."""
        from desktop_gpt.engine.states import forget_session

        forget_session(self.state_dir, session)

    def count_tokens(self, text: str | None = None, messages: list[dict[str, str]] | None = None) -> int:
        """Tokens in plain text, or in a conversation as rendered by the chat template."""
        return self._locked_call({"op": "count", "text": text, "messages": messages})

    def last_prompt(self) -> str:
        """The exact text the model was last given (the conversation after the chat template, or raw text)."""
        return self._locked_call({"op": "last_prompt"})

    def forget_cache(self) -> None:
        """Drop the KV cache, so the next prompt is processed from scratch.

        llama.cpp's logits differ in the last bits between a prompt processed in one batch and one rebuilt from
        cached tokens, so a greedy reply can differ after a cache hit; forgetting first makes a request exactly
        reproducible (as llama.cpp's server documents for ``cache_prompt``).
        """
        self._locked_call({"op": "forget"})

    def render(self, messages: list[dict[str, str]]) -> str:
        """The prompt text the chat template makes of ``messages`` (what the model sees)."""
        return self._locked_call({"op": "render", "messages": messages})

    def _locked_call(self, message: dict[str, Any]) -> Any:
        self._acquire()
        try:
            self._require_model()
            return self._call(message)
        finally:
            self._lock.release()

    def _require_model(self) -> None:
        self._ensure()
        if self._loaded_request is None:
            raise errors.NoModelError(_("No model is loaded. Open a model file first."))

    def _request(self, message: dict[str, Any]) -> tuple:
        """Send a request and return the worker's first answer. A worker found dead before it answered (killed
        while idle) is restarted, with the model reloaded, and the request sent once more."""
        try:
            self._send(message)
            return self._recv()
        except EngineCrashed:
            self._ensure()
            self._send(message)
            return self._recv()

    def _call(self, message: dict[str, Any]) -> Any:
        msg = self._request(message)
        if msg[0] == "error":
            raise _error(msg)
        return msg[1]

    def _stream(self, message: dict[str, Any], params: SamplingParams | dict | None) -> Iterator[Event]:
        if isinstance(params, dict) or params is None:
            params = SamplingParams.from_dict(params)
        message["params"] = params.__dict__
        return self._events(message)

    def _events(self, message: dict[str, Any]) -> Iterator[Event]:
        self._acquire()
        finished = False
        try:
            self._require_model()
            msg = self._request(message)
            while True:
                kind = msg[0]
                if kind == "token":
                    yield Token(msg[1], msg[2], msg[3])
                elif kind == "trimmed":
                    yield Trimmed(msg[1], msg[2])
                elif kind == "done":
                    finished = True
                    self.last_stats = GenerationStats(**msg[1])
                    yield Done(self.last_stats)
                    return
                elif kind == "error":
                    finished = True
                    raise _error(msg)
                msg = self._recv()
        except EngineCrashed:
            finished = True
            raise
        finally:
            if not finished and self._conn is not None:
                # The caller stopped reading: stop the worker and drain its reply so the pipe is clean.
                self._cancel.value = 1
                try:
                    while (msg := self._recv())[0] not in ("done", "error"):
                        pass
                    if msg[0] == "done":  # what was generated before the stop still counts (context, tokens)
                        self.last_stats = GenerationStats(**msg[1])
                except EngineCrashed:
                    pass
            self._lock.release()


def _error(msg: tuple) -> Exception:
    cls = _ERRORS.get(msg[1])
    if cls is None:
        return errors.DesktopGPTError(msg[2])
    return cls(msg[2])


def run_to_text(events: Iterator[Event], on_text: Callable[[str], None] | None = None) -> tuple[str, GenerationStats]:
    """Consume a stream: the whole text and the stats. ``on_text`` sees each piece as it arrives."""
    parts: list[str] = []
    stats = GenerationStats()
    for event in events:
        if isinstance(event, Token):
            parts.append(event.text)
            if on_text is not None:
                on_text(event.text)
        elif isinstance(event, Done):
            stats = event.stats
    return "".join(parts), stats
