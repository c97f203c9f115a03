"""The engine as the window sees it: jobs run on one engine thread, results come back as Qt signals."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_gpt import log
from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import Done, GenerationStats, LoadProgress, ModelInfo, SamplingParams, Token, Trimmed
from desktop_gpt.errors import Cancelled, DesktopGPTError, NoModelError
from desktop_gpt.i18n import _
from desktop_gpt.services import chat as chat_service
from desktop_gpt.services import tool_runs
from desktop_gpt.services.engine_access import WINDOW, EngineAccess
from desktop_gpt.services.engines import create_engine
from desktop_gpt.services.model import load_model
from desktop_gpt.settings import Settings
from desktop_gpt.storage import ConversationStore, Message

_log = log.get("ui.engine")

QUIT_WAIT_S = 3.0  # Quit waits this long for the engine thread's job to stop by itself, then ends the worker


def _bug_text(exc: Exception) -> str:
    return _("Something went wrong: {error}. What was written so far is kept; the details are in the log file "
             "(Help → Open log folder).").format(error=exc)


@dataclass
class _Job:
    """A request queued on the engine thread. Stop marks it, whether it is still waiting or already running."""

    id: int
    kind: str
    stopped: bool = False


class _JobRunner(QObject):
    """Lives on the engine thread and runs the callables it is sent, one after another."""

    @Slot(object)
    def run(self, job: Callable[[], None]) -> None:
        job()


class EngineController(QObject):
    """Owns the engine backend (services.engines.create_engine) and the thread it is used from. Call its
    methods from the GUI thread.

    Signals:
        loading(float, str): model loading progress (0–1) and what is happening.
        loaded(ModelInfo): a model is ready.
        load_failed(str): a model could not be loaded (the previous one, if any, is still loaded).
        load_cancelled(): the user cancelled a load (the previous model, if any, is loaded again: loaded follows).
        opened(str): a model file the user picked was loaded (its path), so it becomes the default.
        no_model(str): there is no model to load at all; the text says how to get one.
        reply_started(Message): an assistant message was created and will stream.
        reply_text(int, str): more text of the reply with that message id.
        reply_trimmed(int, str): old messages were left out of the prompt of that reply.
        reply_finished(int, GenerationStats): the reply ended (stopped, finished, cut).
        reply_failed(int, str): the reply failed with a message for the user (id -1 if no row was made).
        generating_changed(bool): whether any reply or run is being generated or waiting to be.
        job_ended(int): the job with that id (as returned by generate/run_tool/load/call) ended, however it ended.
        run_started(int, Message): a tool run (conversation id) created its result message and will stream.
        run_text(int, str): more text of the tool run with that conversation id.
        run_progress(int, int, int): the tool run has done this many of that many pieces (paragraphs).
        run_finished(int, GenerationStats): the tool run ended (finished, stopped or cut short).
        run_failed(int, str): the tool run failed with a message for the user.
        engine_user(str): who has the engine now: "window", "server" (the local server answers another
            program) or "" (nobody).
        engine_changed(object): the settings chose another engine backend (this computer ↔ a server).

    Attributes:
        access: the line for the engine, shared with the local server (services.engine_access).
    """

    loading = Signal(float, str)
    loaded = Signal(object)
    load_failed = Signal(str)
    load_cancelled = Signal()
    opened = Signal(str)
    no_model = Signal(str)
    reply_started = Signal(object)
    reply_text = Signal(int, str)
    reply_trimmed = Signal(int, str)
    reply_finished = Signal(int, object)
    reply_failed = Signal(int, str)
    generating_changed = Signal(bool)
    job_ended = Signal(int)
    run_started = Signal(int, object)
    run_text = Signal(int, str)
    run_progress = Signal(int, int, int)
    run_finished = Signal(int, object)
    run_failed = Signal(int, str)
    engine_user = Signal(str)
    engine_changed = Signal(object)
    _submit = Signal(object)
    _job_done = Signal(object)

    def __init__(self, store: ConversationStore, settings: Settings, engine: EngineBackend | None = None,
                 log_dir: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self._log_dir = log_dir
        self.engine = engine or self._create_engine()
        self.access = EngineAccess()
        self.access.on_change.append(lambda who: self.engine_user.emit(who or ""))
        self.info: ModelInfo | None = None
        self.last_stats: GenerationStats | None = None
        self._pending: dict[str, int] = {"load": 0, "generate": 0, "call": 0}
        self._streaming: dict[int, list[str]] = {}
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}  # queued or running
        self._current: _Job | None = None  # the job running on the engine thread
        self._jobs_lock = threading.Lock()
        self.engine.stop_requested = self._current_stopped
        self._thread = QThread(self)
        self._thread.setObjectName("engine")
        self._runner = _JobRunner()
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._job_done.connect(self._on_job_done)
        self._thread.start()

    # -- state ----------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A job is running or queued on the engine thread."""
        return sum(self._pending.values()) > 0

    @property
    def generating(self) -> bool:
        return self._pending["generate"] > 0

    def streaming_text(self, message_id: int) -> str | None:
        """The text streamed so far for a reply still being generated (None if it is not streaming)."""
        parts = self._streaming.get(message_id)
        return "".join(parts) if parts is not None else None

    def is_pending(self, job_id: int) -> bool:
        """The job is queued or running."""
        return job_id in self._jobs

    def _current_stopped(self) -> bool:
        current = self._current
        return current is not None and current.stopped

    def _queue(self, job: Callable[[_Job], None], kind: str) -> int:
        ticket = _Job(next(self._ids), kind)
        self._jobs[ticket.id] = ticket
        self._pending[kind] += 1
        if kind == "generate" and self._pending[kind] == 1:
            self.generating_changed.emit(True)

        def wrapped() -> None:
            try:
                # In turn with the local server's requests; the job is current (its Stop cancels the engine)
                # only once it has the engine, so a Stop never reaches a server request.
                with self.access.hold(WINDOW):
                    with self._jobs_lock:
                        self._current = ticket
                    try:
                        job(ticket)
                    finally:
                        with self._jobs_lock:
                            self._current = None
            except Exception:  # noqa: BLE001 - a bug in a job must not kill the engine thread
                _log.exception("engine job failed")
            finally:
                self._job_done.emit(ticket)

        self._submit.emit(wrapped)
        return ticket.id

    def _on_job_done(self, ticket: _Job) -> None:
        self._jobs.pop(ticket.id, None)
        self._pending[ticket.kind] -= 1
        if ticket.kind == "generate" and self._pending[ticket.kind] == 0:
            self.generating_changed.emit(False)
        self.job_ended.emit(ticket.id)

    def _create_engine(self) -> EngineBackend:
        try:
            return create_engine(self.settings, log_dir=self._log_dir)
        except DesktopGPTError as exc:  # a server chosen without an address: this computer, and say why
            _log.warning("engine setting not usable: %s", exc)
            return create_engine(None, log_dir=self._log_dir)

    # -- requests -------------------------------------------------------------------------------------------
    def switch_engine(self) -> int:
        """Use the engine the settings now choose (this computer or a server), then load its model. Returns
        the load's job id."""

        def job(_ticket: _Job) -> None:
            old = self.engine
            self.engine = self._create_engine()
            self.engine.stop_requested = self._current_stopped
            self.info = None
            old.close()
            self.engine_changed.emit(self.engine)

        self._queue(job, "load")
        return self.load()

    def load(self, path: str | None = None) -> int:
        """Load ``path``, or the model the settings choose (then the bundled one). Returns the job id."""

        def job(ticket: _Job) -> None:
            def progress(p: LoadProgress) -> None:
                self.loading.emit(p.fraction, p.stage)

            if ticket.stopped:  # cancelled (or the app quit) while it waited
                self.load_cancelled.emit()
                return
            try:
                if path is None:
                    info, choice = load_model(self.engine, self.settings, on_progress=progress)
                    if choice.note:
                        self.load_failed.emit(choice.note)
                else:
                    info, _ = load_model(self.engine, self.settings, override=path, on_progress=progress)
            except NoModelError as exc:
                self.no_model.emit(str(exc))
                return
            except Cancelled:
                self.load_cancelled.emit()
                if self.engine.info is not None:
                    self.loaded.emit(self.engine.info)
                return
            except Exception as exc:  # noqa: BLE001 - a typed error, or a bug: either way the user is told
                if not isinstance(exc, DesktopGPTError):
                    _log.exception("loading a model failed")
                self.load_failed.emit(str(exc) if isinstance(exc, DesktopGPTError) else _bug_text(exc))
                if self.engine.info is not None:
                    self.loaded.emit(self.engine.info)
                return
            self.info = info
            self.loaded.emit(info)
            if path is not None:
                self.opened.emit(info.path)

        return self._queue(job, "load")

    def generate(self, user_message: Message, params: SamplingParams | dict[str, Any] | None = None) -> int:
        """Stream the reply to a committed user message into storage, reporting it through the reply_* signals.
        Returns the job id, for ``stop``."""
        return self._reply_job(lambda: chat_service.stream_reply(self.engine, self.store, user_message, params))

    def continue_reply(self, reply: Message, position: int, token: int,
                       params: SamplingParams | dict[str, Any] | None = None) -> int:
        """A new version of ``reply`` that keeps its first ``position`` pieces and continues from the alternative
        ``token`` ("Continue with this word instead"), reported like a reply. Returns the job id, for ``stop``."""
        return self._reply_job(
            lambda: chat_service.continue_with(self.engine, self.store, reply, position, token, params))

    def _reply_job(self, make_events: Callable[[], Iterator[Any]]) -> int:
        def job(_ticket: _Job) -> None:
            self._pump(
                make_events,
                started=lambda message: self.reply_started.emit(message),
                text=lambda rid, text: self.reply_text.emit(rid, text),
                trimmed=lambda rid, text: self.reply_trimmed.emit(rid, text),
                finished=lambda rid, stats: self.reply_finished.emit(rid, stats),
                failed=lambda rid, text: self.reply_failed.emit(rid, text),
            )

        return self._queue(job, "generate")

    def run_tool(self, user_message: Message,
                 events: Callable[[EngineBackend, Callable[[], bool]], Iterator[Any]]) -> int:
        """Stream a tool run whose request is committed (``tool_runs.start``) into its result message.

        ``events(engine, stopped)`` is called on the engine thread and returns the engine events to save (a
        chat reply, a raw continuation, a translation made of many requests); ``stopped()`` turns true when the
        user presses Stop. Progress comes through the run_* signals, keyed by the conversation id. Returns the
        job id, for ``stop``.
        """
        cid = user_message.conversation_id

        def job(ticket: _Job) -> None:
            self._pump(
                lambda: tool_runs.stream(self.engine, self.store, user_message,
                                         events(self.engine, lambda: ticket.stopped)),
                started=lambda message: self.run_started.emit(cid, message),
                text=lambda _rid, text: self.run_text.emit(cid, text),
                trimmed=lambda _rid, _text: None,
                finished=lambda _rid, stats: self.run_finished.emit(cid, stats),
                failed=lambda _rid, text: self.run_failed.emit(cid, text),
                progress=lambda p: self.run_progress.emit(cid, p.done, p.total),
            )

        return self._queue(job, "generate")

    def _pump(self, make_events: Callable[[], Iterator[Any]], started, text, trimmed, finished, failed,
              progress=None) -> None:
        """Run a stream on the engine thread, handing its text to the GUI as the stream batches it (every batch
        is saved right after it is handed on: chat_service.SAVE_INTERVAL_S)."""
        reply_id = -1
        try:
            for event in make_events():
                if isinstance(event, chat_service.ReplyStarted):
                    reply_id = event.message.id
                    self._streaming[reply_id] = []
                    started(event.message)
                elif isinstance(event, Token):
                    self._streaming[reply_id].append(event.text)
                    text(reply_id, event.text)
                elif isinstance(event, Trimmed):
                    trimmed(reply_id, event.message)
                elif isinstance(event, tool_runs.Progress):
                    if progress is not None:
                        progress(event)
                elif isinstance(event, Done):
                    self.last_stats = event.stats
                    finished(reply_id, event.stats)
        except DesktopGPTError as exc:
            failed(reply_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug or a failing disk: the reply must not stay "writing…"
            _log.exception("a reply failed")
            failed(reply_id, _bug_text(exc))
        finally:
            self._streaming.pop(reply_id, None)

    def call(self, fn: Callable[[EngineBackend], Any], on_result: Callable[[Any], None] | None = None) -> int:
        """Run ``fn(engine)`` on the engine thread (after anything queued); errors go to reply_failed."""

        def job(_ticket: _Job) -> None:
            try:
                result = fn(self.engine)
            except Exception as exc:  # noqa: BLE001 - a typed error, or a bug: either way the user is told
                if not isinstance(exc, DesktopGPTError):
                    _log.exception("an engine call failed")
                self.reply_failed.emit(-1, str(exc) if isinstance(exc, DesktopGPTError) else _bug_text(exc))
                return
            if on_result is not None:
                on_result(result)

        return self._queue(job, "call")

    def stop(self, job_id: int | None = None) -> None:
        """Stop a reply or tool run, queued or running (within one token, also mid-prompt); ``job_id`` is what
        generate/run_tool returned, None stops every one of them. A job stopped before it starts ends at once,
        stopped, without the model writing a word."""
        with self._jobs_lock:
            for ticket in self._jobs.values():
                if ticket.kind == "generate" and job_id in (None, ticket.id):
                    ticket.stopped = True
            if self._current_stopped():
                self.engine.cancel()

    def cancel_load(self) -> None:
        """Cancel the model load in progress (its worker is ended; the previous model comes back) and any
        load still waiting."""
        with self._jobs_lock:
            for ticket in self._jobs.values():
                if ticket.kind == "load":
                    ticket.stopped = True
            if self._current is not None and self._current.kind == "load":
                self.engine.kill()

    @property
    def loading_now(self) -> bool:
        """A model load is running or waiting."""
        return self._pending["load"] > 0

    def shutdown(self) -> None:
        """Stop every job and end the worker process; returns within a few seconds, whatever the engine is
        doing (a load, a long prompt, a chat template that never ends).

        A reply or tool run cut short by this is marked "interrupted" (the app closed), not "cancelled" as after
        the person's own Stop, so the chat and the tools say what really happened.
        """
        cut = list(self._streaming)
        with self._jobs_lock:
            for ticket in self._jobs.values():
                ticket.stopped = True
        self.engine.cancel()
        self._thread.quit()
        if not self._thread.wait(int(QUIT_WAIT_S * 1000)):
            self.engine.kill(restore_previous=False)
            self._thread.wait(int(QUIT_WAIT_S * 1000))
        self.engine.close(timeout=QUIT_WAIT_S)
        for message_id in cut:
            try:
                message = self.store.message(message_id)
            except KeyError:
                continue
            if message.status != "complete" and message.finish_reason in ("cancelled", None):
                self.store.update_message(message_id, status="incomplete", finish_reason="interrupted")
