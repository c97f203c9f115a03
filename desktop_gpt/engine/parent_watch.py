"""The engine worker's watch on the app: when the app's process ends without closing the engine (killed, crashed),
the worker stops what it is doing and exits, instead of finishing a long prompt or reply for nobody.

A reply being streamed notices a gone app at its next send, but a long prompt, a model load or a chat template
render sends nothing for a long time (minutes for a long prompt on a big model). A daemon thread waits on
``multiprocessing.parent_process().sentinel`` (readable once the parent has ended, on every platform, frozen
too); where there is none it polls ``os.getppid()``. Then it sets the shared Stop flag, which llama.cpp's abort
callback and the decode loop read, gives the worker GRACE_S to leave by itself, and ends the process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from typing import Any, Callable

from desktop_gpt import log

_log = log.get("engine.worker")

GRACE_S = 5.0  # for the request in progress to stop at the Stop flag and a chat state write to finish
POLL_S = 1.0  # how often os.getppid() is asked where the parent has no sentinel


def watch_parent(cancel: Any, exit_process: Callable[[int], None] = os._exit) -> threading.Thread:
    """Start the watch (a daemon thread) and return it. ``cancel`` is the worker's shared Stop flag."""
    thread = threading.Thread(target=_watch, args=(cancel, exit_process), name="parent-watch", daemon=True)
    thread.start()
    return thread


def _watch(cancel: Any, exit_process: Callable[[int], None]) -> None:
    _wait_for_parent_to_end()
    _log.warning("the app's process ended without closing the engine: stopping the request in progress and exiting")
    cancel.value = 1
    time.sleep(GRACE_S)  # the main thread normally exits first (a daemon thread ends with it)
    _log.warning("the engine worker did not stop within %s s of the app's end: ending it", GRACE_S)
    exit_process(0)


def _wait_for_parent_to_end() -> None:
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if sentinel is not None:
        while not multiprocessing.connection.wait([sentinel]):
            pass
        return
    started_by = os.getppid()
    while os.getppid() == started_by:  # on POSIX an orphan is adopted by another process (init or a subreaper)
        time.sleep(POLL_S)
