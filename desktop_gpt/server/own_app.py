"""Refuses the requests of the app whose engine the server serves: the window's server serves the window's engine,
so if that engine is a remote one pointed at this very server, a request would wait for the engine it holds."""

from __future__ import annotations

from typing import Any

from desktop_gpt import log
from desktop_gpt.instance import HEADER
from desktop_gpt.server.requests import error_response

_log = log.get("server")

LOOP_DETECTED = 508  # RFC 5842


class RefuseOwnApp:
    """ASGI middleware: a request carrying ``instance`` in the X-Desktop-GPT-Instance header gets 508 at once,
    before it takes a place in the engine's line; the answer carries the header too, so the app can say why."""

    def __init__(self, app: Any, instance: str):
        self.app = app
        self.instance = instance
        self._name, self._value = HEADER.lower().encode("latin-1"), instance.encode("latin-1")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not any(name.lower() == self._name and value == self._value
                                              for name, value in scope.get("headers", ())):
            await self.app(scope, receive, send)
            return
        _log.warning("refused a request from this app itself to %s: its engine is this server", scope.get("path"))
        response = error_response(
            LOOP_DETECTED, "This is the server of the Desktop GPT that sent the request: it serves that app's own "
            "engine, so the app cannot use it as its engine.", kind="invalid_request_error", code="own_server")
        response.headers[HEADER] = self.instance
        await response(scope, receive, send)
