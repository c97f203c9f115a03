"""One tool pane's view of its runs: commits a request, sends it to the engine and passes on only its own news."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_gpt.engine.protocol import GenerationStats
from desktop_gpt.services import tool_runs
from desktop_gpt.services.apps import LaunchableApp
from desktop_gpt.storage import ConversationStore, Message
from desktop_gpt.tools.templates import Prompt
from desktop_gpt.ui.engine_controller import EngineController
from desktop_gpt.i18n import N_, _

STOP_WORDS = {"cancelled": N_("Stopped"), "length": N_("Cut at the length limit"), "context": N_("The context window is full"),
              "interrupted": N_("Interrupted: the app closed while this was being written")}


class RunTracker(QObject):
    """Runs a pane's prompts through the EngineController; the pane hears only about its own latest run.

    Signals:
        started(Message): the result message exists and text will stream into it.
        text(str): more text of the result.
        progress(int, int): pieces done of all pieces (paragraphs of a translation).
        finished(Message, GenerationStats): the run ended; the message is the saved result (its status says
            whether it is complete, stopped or cut short).
        failed(str): the run failed; the message is for the user.
        busy_changed(bool): a run of this pane is waiting or streaming.
    """

    started = Signal(object)
    text = Signal(str)
    progress = Signal(int, int)
    finished = Signal(object, object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, controller: EngineController, store: ConversationStore, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.store = store
        self.conversation_id: int | None = None
        self.reply: Message | None = None
        self.prompt: Prompt | None = None
        self.app: LaunchableApp | None = None  # the app in use in this pane: its instructions go into every run
        self._busy = False
        self._job: int | None = None  # the EngineController job of this pane's latest run
        controller.job_ended.connect(self._job_ended)
        controller.run_started.connect(self._started)
        controller.run_text.connect(self._text)
        controller.run_progress.connect(self._progress)
        controller.run_finished.connect(self._finished)
        controller.run_failed.connect(self._failed)

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, prompt: Prompt, params: dict[str, Any],
              events: tool_runs.EventsOf | None = None) -> Message:
        """Save the request, then stream the result. ``events(engine, stopped)`` makes the engine stream (by
        default the prompt's chat reply or raw continuation). With an app in use, the app's instructions and
        sampling go into every chat request the run makes, and the run records the app."""
        user, make = tool_runs.begin(self.store, prompt, params, self.app, events)
        self.prompt, self.reply = prompt, None
        self.conversation_id = user.conversation_id
        self._set_busy(True)
        self._job = self.controller.run_tool(user, make)
        return user

    def stop(self) -> None:
        """Stop this pane's run, waiting or running; other tabs' runs go on."""
        if self._busy and self._job is not None:
            self.controller.stop(self._job)

    def forget(self) -> None:
        """Stop the current run and hear nothing more about it (what it wrote stays saved)."""
        self.stop()
        self.conversation_id = None
        self._set_busy(False)

    def _job_ended(self, job_id: int) -> None:
        if job_id == self._job:  # however it ended (a bug included), the pane is not busy any more
            self._job = None
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def _started(self, cid: int, message: Message) -> None:
        if cid == self.conversation_id:
            self.reply = message
            self.started.emit(message)

    def _text(self, cid: int, text: str) -> None:
        if cid == self.conversation_id:
            self.text.emit(text)

    def _progress(self, cid: int, done: int, total: int) -> None:
        if cid == self.conversation_id:
            self.progress.emit(done, total)

    def _finished(self, cid: int, stats: GenerationStats) -> None:
        if cid == self.conversation_id:
            self._set_busy(False)
            message = self.store.message(self.reply.id) if self.reply is not None else None
            self.finished.emit(message, stats)

    def _failed(self, cid: int, text: str) -> None:
        if cid == self.conversation_id:
            self._set_busy(False)
            self.failed.emit(text)


def ending_note(message: Message | None) -> str:
    """A few words on how a run ended, for the pane's status line ("" when it simply finished)."""
    if message is None or message.status == "complete":
        return ""
    return _(STOP_WORDS.get(message.finish_reason or "", N_("Incomplete")))
