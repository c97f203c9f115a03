"""Tests may only reach this computer: an audit hook sees every socket.connect and name lookup in the test process
and refuses any that leaves it, and the test that tried fails (even when the attempt was in a thread whose error
the app turned into a message).

``install()`` runs once, from tests/conftest.py; audit hooks cannot be removed, so it stays for the whole run.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}

_lock = threading.Lock()
_attempts: list[str] = []
_installed = False


class NetworkAccessDenied(ConnectionRefusedError):
    """A test tried to reach another computer."""


def is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None:
        return True
    host = str(host).strip("[]").split("%", 1)[0].lower()
    if host in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _where(event: str, args: tuple) -> str | None:
    """The address an event reaches, when it is not on this computer."""
    if event == "socket.connect":
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6):
            return None  # AF_UNIX and friends: local by nature
        host = address[0] if isinstance(address, tuple) and address else address
        return None if is_local(host) else f"{host}:{address[1] if isinstance(address, tuple) else ''}"
    if event == "socket.getaddrinfo":
        host = args[0]
        return None if is_local(host) else f"{host} (name lookup)"
    return None


def _hook(event: str, args: tuple) -> None:
    if event not in ("socket.connect", "socket.getaddrinfo"):
        return
    where = _where(event, args)
    if where is None:
        return
    with _lock:
        _attempts.append(where)
    raise NetworkAccessDenied(f"tests may only reach this computer; this one tried {where}")


def install() -> None:
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


def take() -> list[str]:
    """The attempts since the last call (and forget them)."""
    with _lock:
        seen = list(_attempts)
        _attempts.clear()
    return seen
