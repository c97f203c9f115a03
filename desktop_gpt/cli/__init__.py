"""The command line: ``desktop-gpt chat``, ``--self-test`` and the other tools, over the same services as the GUI."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from desktop_gpt import __version__, i18n, log
from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.i18n import _

_log = log.get("cli")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2 (scripts parse it; people read it)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, _("{prog}: error: {message} (see {command} --help)").format(
            prog=self.prog, message=message, command=self.prog.split()[0]) + "\n")


# One line per command module; each has ``register(subparsers)``.
COMMAND_MODULES = [
    "desktop_gpt.cli.chat",
    "desktop_gpt.cli.tools",
    "desktop_gpt.cli.models",
    "desktop_gpt.cli.apps",
    "desktop_gpt.cli.serve",
]


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = OneLineParser(
        prog="desktop-gpt",
        description=_("Desktop GPT: chat, write, translate and code with a local model. Run with no arguments to open "
            "the window."),
    )
    parser.add_argument("--version", action="version", version=f"desktop-gpt {__version__}")
    parser.add_argument(
        "--self-test", action="store_true", help=_("load the model, generate a short reply, print JSON")
    )
    parser.add_argument("--model", metavar="PATH", help=_("GGUF model file to use instead of the configured one"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from desktop_gpt.settings import read_language

    i18n.install(read_language())  # the same language as the window: the setting, else the locale
    parser = build_parser()
    args = parser.parse_args(argv)
    from desktop_gpt.cli.common import start_logging

    logfile = start_logging()
    try:
        if args.self_test:
            from desktop_gpt.cli.chat import self_test

            return self_test(args)
        if not args.command:
            parser.print_help()
            return 0
        return args.func(args)
    except DesktopGPTError as exc:
        _log.info("command failed: %s", exc)
        print(_("desktop-gpt: {one_line}").format(one_line=_one_line(str(exc))), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("desktop-gpt: ") + _("stopped"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: one line for the user, the traceback in the log
        _log.exception("unexpected error")
        print(
            _("desktop-gpt: ")
            + _("internal error: {error} (details in {logfile})").format(
                error=_one_line(str(exc)) or type(exc).__name__, logfile=logfile
            ),
            file=sys.stderr,
        )
        return 70


def _one_line(text: str) -> str:
    return " ".join(text.split())
