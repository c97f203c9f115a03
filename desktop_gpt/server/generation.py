"""One server request on the engine: run in a thread in its turn, text handed to the event loop, stoppable."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

from desktop_gpt import log
from desktop_gpt.engine.backend import EngineBackend
from desktop_gpt.engine.protocol import Done, Event, GenerationStats, Token
from desktop_gpt.errors import Cancelled, DesktopGPTError
from desktop_gpt.server.logprobs import Aligner
from desktop_gpt.services.engine_access import SERVER, EngineAccess
from desktop_gpt.i18n import _

_log = log.get("server")


@dataclass
class Finished:
    """The end of a generation: how it ended (OpenAI's words) and its token counts."""

    finish_reason: str
    stats: GenerationStats


@dataclass
class Failed:
    error: DesktopGPTError


class StopScanner:
    """Ends a reply at the first of the ``stops`` strings: text is passed on only once it cannot be the start
    of a stop string, and the stop string itself is never passed on."""

    def __init__(self, stops: list[str]):
        self.stops = stops
        self._held = ""
        self.hit = False

    def feed(self, text: str) -> str:
        if not self.stops:
            return text
        self._held += text
        cuts = [i for i in (self._held.find(s) for s in self.stops) if i >= 0]
        if cuts:
            self.hit = True
            out, self._held = self._held[: min(cuts)], ""
            return out
        keep = max((k for s in self.stops for k in range(1, len(s)) if self._held.endswith(s[:k])), default=0)
        out = self._held[: len(self._held) - keep]
        self._held = self._held[len(out):]
        return out

    def flush(self) -> str:
        out, self._held = self._held, ""
        return out


class Generation:
    """Runs ``make_events(engine)`` on the engine in its turn, in a thread of its own, and hands Token, Finished
    or Failed to the event loop's queue. ``stop()`` (a client that went away) ends it within a token: while it
    waits for its turn it leaves the line; while it runs the engine is cancelled and the stream closed.

    Attributes:
        queue: asyncio.Queue of Token, Finished, Failed; None marks the end.
    """

    def __init__(self, engine: EngineBackend, access: EngineAccess, make_events: Callable[[], Iterator[Event]],
                 stops: list[str], loop: asyncio.AbstractEventLoop):
        self.engine = engine
        self.access = access
        self.make_events = make_events
        self.scanner = StopScanner(stops)
        self.aligner = Aligner()  # token probabilities follow the text they belong to
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()
        self._stopped = threading.Event()
        self._running = False
        self._state = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="server-generation", daemon=True)

    def start(self) -> "Generation":
        """Take a place in the line (raises QueueFull when it is full) and start."""
        self._ticket = self.access.join(SERVER, limit=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """The client went away: stop generating (thread-safe, returns at once)."""
        with self._state:
            self._stopped.set()
            if self._running:
                self.engine.cancel()

    def _put(self, item) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the server was shut down under this request: nobody is listening any more
            self._stopped.set()

    def _run(self) -> None:
        try:
            with self.access.turn(self._ticket, self._stopped):
                with self._state:
                    if self._stopped.is_set():
                        return
                    self._running = True
                try:
                    self._generate()
                finally:
                    with self._state:
                        self._running = False
        except Cancelled:
            pass
        except DesktopGPTError as exc:
            self._put(Failed(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: the client gets a 500, the log the traceback
            _log.exception("server generation failed")
            self._put(
                Failed(DesktopGPTError(_("The server failed unexpectedly ({name}).").format(name=type(exc).__name__)))
            )
        finally:
            self._put(None)

    def _generate(self) -> None:
        events = self.make_events()
        stats: GenerationStats | None = None
        try:
            for event in events:
                if self._stopped.is_set():
                    break
                if isinstance(event, Token):
                    self.aligner.add(event.probabilities)
                    text = self.scanner.feed(event.text)
                    if text:
                        self._put(Token(text, probabilities=self.aligner.take(text)))
                    if self.scanner.hit:
                        break  # closing the stream below stops the engine at once
                elif isinstance(event, Done):
                    stats = event.stats
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
        if stats is None:  # cut short by a stop string or a client that left: the engine says what it did
            stats = self.engine.last_stats or GenerationStats()
            reason = "stop" if self.scanner.hit else "cancelled"
        else:
            rest = self.scanner.flush()
            records = self.aligner.rest()
            if rest or records:
                self._put(Token(rest, probabilities=records))
            reason = stats.finish_reason
        if self._stopped.is_set():
            reason = "cancelled"
        self._put(Finished({"context": "length"}.get(reason, reason), stats))
