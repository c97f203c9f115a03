"""The frozen build's entry point: desktop_gpt.__main__ (no arguments: the window; any argument: the CLI)."""

import sys

from desktop_gpt.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
