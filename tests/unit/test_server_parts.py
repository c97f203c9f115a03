"""The server's parts that need no model: stop strings, the line for the engine, request checks, binding."""

from __future__ import annotations

import threading

import pytest

from desktop_gpt.errors import Cancelled, SettingsError
from desktop_gpt.server.generation import StopScanner
from desktop_gpt.server.requests import RequestError, parse_generation
from desktop_gpt.server.run import address, check_binding, is_loopback
from desktop_gpt.services.engine_access import SERVER, WINDOW, EngineAccess, QueueFull


def test_a_stop_string_split_across_pieces_ends_the_text_before_it():
    scanner = StopScanner(["\n\n", "END"])
    out = [scanner.feed(p) for p in ["Hello", " wor", "ld\n", "\nmore"]]
    assert "".join(out) == "Hello world" and scanner.hit
    held = StopScanner(["END"])
    assert held.feed("it is EN") == "it is " and held.feed("ough") == "ENough" and not held.hit
    assert StopScanner([]).feed("as is") == "as is"


def test_the_line_is_first_come_first_served_and_bounded():
    access = EngineAccess(max_waiting=1)
    order, changes = [], []
    access.on_change.append(changes.append)
    with access.hold(WINDOW):
        assert access.holder == WINDOW
        ticket = access.join(SERVER, limit=True)
        with pytest.raises(QueueFull):
            access.join(SERVER, limit=True)
        window_ticket = access.join(WINDOW)  # the window is not limited, and comes after the server

        def take(t, who):
            with access.turn(t):
                order.append(who)

        threads = [threading.Thread(target=take, args=(window_ticket, "window")),
                   threading.Thread(target=take, args=(ticket, "server"))]
        for t in threads:
            t.start()
    for t in threads:
        t.join(30)
    assert order == ["server", "window"] and access.holder is None
    assert changes[:2] == [WINDOW, None] and SERVER in changes


def test_a_request_stopped_while_waiting_leaves_the_line():
    access = EngineAccess()
    stopped = threading.Event()
    with access.hold(WINDOW):
        ticket = access.join(SERVER)
        stopped.set()
        with pytest.raises(Cancelled):
            with access.turn(ticket, stopped):
                pass
        assert access.waiting() == 0


def test_requests_are_checked_field_by_field():
    ok = parse_generation({"model": "m", "messages": [{"role": "developer", "content": [{"type": "text",
                           "text": "hi"}]}], "max_completion_tokens": 5, "stop": "x",
                           "stream": True, "stream_options": {"include_usage": True}}, chat=True)
    assert ok.messages == [{"role": "system", "content": "hi"}] and ok.sampling == {"max_tokens": 5}
    assert ok.stop == ["x"] and ok.include_usage and ok.stream
    for bad, param in [({"messages": []}, "model"), ({"model": "m", "messages": "hi"}, "messages"),
                       ({"model": "m", "messages": [{"role": "user", "content": 3}]}, "messages[0].content"),
                       ({"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
                       ({"model": "m", "messages": [{"role": "user", "content": "x"}], "top_p": "1"}, "top_p"),
                       ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["a"] * 5}, "stop")]:
        with pytest.raises(RequestError) as error:
            parse_generation(bad, chat=True)
        assert error.value.status == 400 and error.value.param == param
    assert parse_generation({"model": "m", "prompt": ["once"]}, chat=False).prompt == "once"


def test_only_this_computer_may_skip_the_key():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    check_binding("127.0.0.1", None)
    with pytest.raises(SettingsError, match="--api-key"):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", "k")
    assert address("::1", 8742) == "http://[::1]:8742/v1"
