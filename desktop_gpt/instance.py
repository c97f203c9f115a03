"""Who this running app is: a random name made at start, so the app's own local server can tell the app's own
requests apart (the app pointed at its own server would wait on itself)."""

from __future__ import annotations

import secrets

HEADER = "X-Desktop-GPT-Instance"
# Random for each run: it names this process to servers the user chose, and means nothing after it ends.
APP_INSTANCE = secrets.token_hex(16)
