"""``desktop-gpt`` / ``python -m desktop_gpt``: no arguments opens the window, anything else is the CLI."""

from __future__ import annotations

import multiprocessing
import sys


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the engine worker is a spawned process; frozen builds need this
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        return gui()
    from desktop_gpt.cli import main as cli_main

    return cli_main(argv)


def gui() -> int:
    """The window, after checking that it can open here (else one line on stderr and exit 1, never a core dump)."""
    multiprocessing.freeze_support()
    from desktop_gpt.startup import check_gui_or_exit

    check_gui_or_exit()
    from desktop_gpt.ui.app import main as gui_main

    return gui_main([])


if __name__ == "__main__":
    sys.exit(main())
