"""The app pointed at its own local server (Settings → Engine → A server, with the address the app itself serves
at): the server serves the app's engine, so a request from the app would wait in line behind itself (for ever:
the stream's pings keep the connection alive). The server refuses the app's own requests at once and the app
says why in words. Real server (as the window runs it: ``own_app``) and real RemoteEngine, on loopback."""

from __future__ import annotations

import threading

import openai
import pytest

from desktop_gpt.engine.protocol import SamplingParams
from desktop_gpt.engine.remote import RemoteEngine
from desktop_gpt.errors import ServerError
from desktop_gpt.instance import APP_INSTANCE
from desktop_gpt.server.run import BackgroundServer, model_server
from desktop_gpt.services.engine_access import WINDOW, EngineAccess
from desktop_gpt.settings import Settings
from tests.server.conftest import start_local

pytestmark = pytest.mark.model

HANG_LIMIT_S = 90  # a limit for a hung test, not a speed target
OWN = "this app's own server"


def _own_server(engine, port: int = 0):
    """The window's server (ui/local_server.py): it serves the app's engine and refuses the app's own requests."""
    access = EngineAccess()
    app = model_server(engine, Settings(), access, own_app=APP_INSTANCE)
    return app, access, BackgroundServer(app.asgi(), "127.0.0.1", port).start()


def test_connecting_to_its_own_server_is_refused_in_words(engine):
    app, access, running = _own_server(engine)
    remote = RemoteEngine(running.address)
    try:
        with pytest.raises(ServerError, match=OWN):
            remote.load()  # connecting (the app's Settings → Engine → OK)
        with pytest.raises(ServerError, match=OWN):
            remote.models()  # Settings → Engine → Find models
        assert remote.info is None
        # Other programs are served as before: the refusal is for this app's own requests only.
        other = openai.OpenAI(base_url=running.address, api_key="x", max_retries=0, timeout=HANG_LIMIT_S)
        assert engine.info.name in [m.id for m in other.models.list()]
    finally:
        remote.close()
        running.stop()
    assert access.holder is None and access.waiting() == 0


def test_a_reply_asked_of_its_own_server_ends_at_once_instead_of_waiting_on_itself(engine):
    """The app was connected to another program's server at that address; later its own server took the address
    (and, following the app's engine, now serves on that remote engine). A reply the window asks for, holding the
    engine's line as it does, is refused; before, it waited behind itself until the user pressed Stop."""
    other = start_local(engine)  # another program's server, where the app connects first
    remote = RemoteEngine(other.url)
    remote.load()
    port = other.server.port
    other.server.stop()
    app, access, running = _own_server(engine, port)
    app.engine = remote  # the window's server serves the window's engine (LocalServerSwitch._engine_changed)
    outcome: list[BaseException | None] = []

    def window_asks() -> None:
        try:
            with access.hold(WINDOW):
                list(remote.chat([{"role": "user", "content": "Say hello."}], SamplingParams(max_tokens=8)))
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    asker = threading.Thread(target=window_asks, daemon=True)
    try:
        asker.start()
        asker.join(HANG_LIMIT_S)
        assert not asker.is_alive(), f"the app's request waited on itself for {HANG_LIMIT_S} s"
        assert isinstance(outcome[0], ServerError) and OWN in str(outcome[0])
        assert access.holder is None and access.waiting() == 0  # the line is free for other programs
    finally:
        remote.cancel()  # ends a request still waiting (the test failed): the thread lets go
        asker.join(HANG_LIMIT_S)
        remote.close()
        running.stop()
