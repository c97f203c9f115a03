"""The window with the real engine: a load can be cancelled from the status bar, Quit ends while a load hangs,
and a job that fails with a bug ends with a message instead of "writing…" forever."""

from __future__ import annotations

import pytest

from desktop_gpt.engine import client
from tests.gguf_factory import with_chat_template
from tests.ui.conftest import LOAD_TIMEOUT_MS, REPLY_TIMEOUT_MS

pytestmark = pytest.mark.model

LOOPING = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
CHECKING = "Checking the chat template"


@pytest.fixture
def looping_model(bundled_model, tmp_path, monkeypatch):
    monkeypatch.setattr(client, "TEMPLATE_BUDGET_S", 3600.0)  # only a cancel or Quit can end this load
    return with_chat_template(bundled_model, tmp_path / "looping-template.gguf", LOOPING)


def test_cancel_in_the_status_bar_stops_a_load_and_the_previous_model_comes_back(qtbot, make_window,
                                                                                 looping_model):
    window = make_window()
    controller, status = window.controller, window.status
    with qtbot.waitSignal(controller.loading, timeout=LOAD_TIMEOUT_MS,
                          check_params_cb=lambda _f, stage: stage == CHECKING):
        controller.load(str(looping_model))
    assert status.cancel_button.isVisible()
    with qtbot.waitSignals([controller.load_cancelled, controller.loaded], timeout=LOAD_TIMEOUT_MS):
        status.cancel_button.click()
    assert controller.engine.info.name == "SmolLM2-135M-Instruct.Q4_1"
    assert status.model_label.text() == "SmolLM2-135M-Instruct.Q4_1"
    assert not status.cancel_button.isVisible() and not status.progress.isVisible()
    qtbot.waitUntil(lambda: not controller.busy, timeout=LOAD_TIMEOUT_MS)


def test_quit_ends_while_a_load_hangs(qtbot, make_window, looping_model):
    window = make_window(load=False)
    controller = window.controller
    with qtbot.waitSignal(controller.loading, timeout=LOAD_TIMEOUT_MS,
                          check_params_cb=lambda _f, stage: stage == CHECKING):
        controller.load(str(looping_model))
    worker = controller.engine._proc
    window.close()  # before: waited 30 s for the engine thread, then forever for the engine's lock
    assert controller._thread.isFinished()
    assert controller.engine.pid is None and not worker.is_alive()


def test_a_bug_while_writing_a_reply_ends_it_with_a_message(qtbot, make_window, monkeypatch):
    window = make_window()
    store = window.context.store
    real_update = store.update_message

    def failing_update(message_id, **changes):
        if changes.get("status") is None:  # a fault we cannot cause for real: the disk fails mid-reply
            raise OSError(28, "No space left on device")
        return real_update(message_id, **changes)

    monkeypatch.setattr(store, "update_message", failing_update)
    editor = window.chat.composer.editor
    qtbot.keyClicks(editor, "Say hello.")
    with qtbot.waitSignal(window.controller.reply_failed, timeout=REPLY_TIMEOUT_MS) as failed:
        window.chat.composer.button.click()
    assert "No space left on device" in failed.args[1] and "log" in failed.args[1]
    qtbot.waitUntil(lambda: not window.chat.busy, timeout=REPLY_TIMEOUT_MS)
    assert window.chat.composer.button.text() == "Send"
