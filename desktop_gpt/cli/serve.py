"""``desktop-gpt serve``: the model (and every app, as ``app:<id>``) behind an OpenAI-compatible API."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from desktop_gpt.cli import common
from desktop_gpt.server.run import DEFAULT_HOST, DEFAULT_PORT
from desktop_gpt.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help=_("serve the model to other programs (an OpenAI-compatible API)"),
                       description=_("desktop-gpt serve --port 8742, then point any OpenAI client at "
                           "http://127.0.0.1:8742/v1 (apps are models too: app:poet)."))
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=_("address to listen on (default {default_host}: this computer only; any other needs --api-key)").format(
            default_host=DEFAULT_HOST
        ),
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=_("port (default {default_port}; 0 picks a free one)").format(default_port=DEFAULT_PORT),
    )
    p.add_argument("--api-key", help=_("clients must send this key (Authorization: Bearer KEY)"))
    p.add_argument(
        "--cors",
        action="append",
        default=[],
        metavar="ORIGIN",
        help=_("let web pages from this origin call the server (repeatable; default: none)"),
    )
    p.add_argument("--queue", type=int, default=8, help=_("requests that may wait for the model (default 8)"))
    common.engine_options(p, model_flag=True, key_flag="--server-api-key")
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from desktop_gpt.server.run import BackgroundServer, check_binding, model_server

    check_binding(args.host, args.api_key)
    settings = common.settings()
    engine = common.engine(settings, args)
    try:
        info = common.load(engine, settings, args)
        server = model_server(engine, settings, api_key=args.api_key, cors_origins=args.cors, max_waiting=args.queue)
        running = BackgroundServer(server.asgi(), args.host, args.port).start()
        print(
            _("desktop-gpt: serving {name} at {address} (Ctrl+C stops)").format(
                name=info.name, address=running.address
            ),
            file=sys.stderr,
            flush=True,
        )
        try:
            wait_for_stop()
        finally:
            running.stop()
    finally:
        engine.close()
    return 0


def wait_for_stop() -> None:
    """Until SIGTERM (a service manager, ``kill``) or Ctrl+C. A server started in the background of a script
    inherits SIGINT ignored, so SIGTERM is what always stops it cleanly (the model freed, the port closed)."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        while not stop.wait(0.5):  # a timed wait: Ctrl+C (KeyboardInterrupt) gets through on every platform
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
