"""GUI fixtures: the real window with the real engine and database in the test's own home."""

from __future__ import annotations

import pytest

LOAD_TIMEOUT_MS = 120_000
REPLY_TIMEOUT_MS = 90_000  # a limit for a hung engine, not a speed target: a busy 2-core machine is slow


@pytest.fixture
def make_window(qtbot):
    """Start the app (a new AppContext and MainWindow) as a double-click would; the model loads behind it."""
    from desktop_gpt.ui.app import create_app
    from desktop_gpt.ui.context import AppContext
    from desktop_gpt.ui.main_window import MainWindow

    create_app([])
    opened = []

    def start(load: bool = True):
        context = AppContext.create()
        context.settings.temperature = 0.0
        window = MainWindow(context)
        qtbot.addWidget(window)
        window.show()
        opened.append((window, context))
        if load:
            with qtbot.waitSignal(context.controller.loaded, timeout=LOAD_TIMEOUT_MS):
                context.controller.load()
            # loaded comes before the load job ends: a test must start from an idle engine, not race the start-up
            qtbot.waitUntil(lambda: not context.controller.busy, timeout=LOAD_TIMEOUT_MS)
        return window

    yield start
    for window, context in opened:
        window.close()
        context.db.close()
