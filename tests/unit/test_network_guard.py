"""The test-wide network guard itself: a connection or name lookup off this computer is refused and fails the
test; loopback is fine."""

from __future__ import annotations

import socket
import threading

import pytest

from tests import network_guard


def test_loopback_is_allowed_and_the_rest_refused():
    server = socket.create_server(("127.0.0.1", 0))
    try:
        with socket.create_connection(("127.0.0.1", server.getsockname()[1]), timeout=5):
            pass
    finally:
        server.close()
    with socket.socket() as sock, pytest.raises(network_guard.NetworkAccessDenied):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed anyway
    with pytest.raises(network_guard.NetworkAccessDenied):
        socket.getaddrinfo("huggingface.co", 443)
    assert network_guard.take() == ["192.0.2.1:443", "huggingface.co (name lookup)"]


def test_an_attempt_in_a_thread_is_recorded_for_the_fixture_to_fail():
    def reach_out():
        try:
            socket.getaddrinfo("example.com", 80)
        except OSError:
            pass  # an app would turn this into "the Hub cannot be reached"

    worker = threading.Thread(target=reach_out)
    worker.start()
    worker.join()
    assert network_guard.take() == ["example.com (name lookup)"]  # taken here, so this test itself passes


@pytest.mark.parametrize("host, local", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                         ("127.5.5.5", True), ("10.0.0.1", False), ("hf.co", False)])
def test_what_counts_as_this_computer(host, local):
    assert network_guard.is_local(host) is local
