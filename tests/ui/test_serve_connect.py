"""The window on a server's model (Settings → Engine → A server) and the window serving its model to other
programs (Settings → Engine → Serve…): status bar, streaming, Stop."""

from __future__ import annotations

import threading

import openai
import pytest

from tests.server.conftest import free_port, start_local
from tests.ui.conftest import LOAD_TIMEOUT_MS, REPLY_TIMEOUT_MS
from tests.ui.test_chat_window import _send

pytestmark = pytest.mark.model


def test_the_window_uses_a_servers_model_and_stop_ends_the_stream(qtbot, make_window, engine):
    from desktop_gpt.ui.settings_dialog import SettingsDialog

    server = start_local(engine)  # another program's server (here on the test's own engine)
    try:
        window = make_window()
        dialog = SettingsDialog(window.context.settings, window)
        dialog.engine.remote.setChecked(True)
        dialog.engine.url.setText(server.url)
        with qtbot.waitSignal(dialog.engine.find_button.clicked, timeout=1000):
            dialog.engine.find_button.click()
        qtbot.waitUntil(lambda: dialog.engine.model.count() > 1, timeout=REPLY_TIMEOUT_MS)
        assert dialog.engine.model.itemText(0) == engine.info.name and "app:poet" in [
            dialog.engine.model.itemText(i) for i in range(dialog.engine.model.count())]
        dialog.engine.model.setCurrentIndex(0)
        assert dialog.engine.save_key() is None
        dialog.apply()
        assert dialog.engine_changed
        with qtbot.waitSignal(window.controller.loaded, timeout=LOAD_TIMEOUT_MS):
            window.controller.switch_engine()
        host = server.url.removeprefix("http://").removesuffix("/v1")
        assert window.status.model_label.text() == f"Server: {host} · {engine.info.name}"
        assert window.controller.engine.kind == "remote" and not window.status.device_label.isVisible()
        for button in (window.chat.probabilities_button, window.writing.assistant.probabilities_button):
            assert not button.isEnabled() and "server" in button.toolTip()  # a server does not send them

        window.context.settings.max_tokens = 1500
        reply = _send(qtbot, window, "Write a very long story about a cat who learns to sail.")
        with qtbot.waitSignal(window.controller.reply_text, timeout=REPLY_TIMEOUT_MS):
            pass
        with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS) as finished:
            window.stop_action.trigger()
        assert finished.args[1].finish_reason == "cancelled"
        stored = window.context.store.message(reply.id)
        assert stored.status == "incomplete" and stored.content and stored.model == engine.info.name
        qtbot.waitUntil(lambda: server.access.holder is None, timeout=REPLY_TIMEOUT_MS)
        assert engine.last_stats.finish_reason == "cancelled"  # the Stop reached the server's engine
    finally:
        server.server.stop()


def test_the_window_serves_its_model_and_shows_when_it_is_used(qtbot, make_window):
    window = make_window()
    settings = window.context.settings
    settings.serve, settings.serve_port = True, free_port()
    with qtbot.waitSignal(window.local_server.changed, timeout=LOAD_TIMEOUT_MS):
        window.local_server.apply()
    address = window.local_server.address
    assert address == f"http://127.0.0.1:{settings.serve_port}/v1"
    assert window.status.serve_label.text() == f"Serving at {address}"
    client = openai.OpenAI(base_url=address, api_key="x", max_retries=0, timeout=120)
    first, release, received = threading.Event(), threading.Event(), []

    def ask() -> None:  # another program: reads the start of a long reply, then goes away when told
        ask_long = [{"role": "user", "content": "Write a very long poem about rain, with twenty verses."}]
        stream = client.chat.completions.create(model="app:poet", messages=ask_long, max_tokens=2000, stream=True)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
                first.set()
                break
        release.wait(REPLY_TIMEOUT_MS / 1000)
        stream.close()

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    qtbot.waitUntil(first.is_set, timeout=REPLY_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.status.serve_label.text() == "Answering another program…", timeout=REPLY_TIMEOUT_MS)
    release.set()
    qtbot.waitUntil(lambda: not asker.is_alive(), timeout=REPLY_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.status.serve_label.text() == f"Serving at {address}", timeout=REPLY_TIMEOUT_MS)
    assert received and window.controller.access.holder is None
    settings.serve = False
    window.local_server.apply()
    assert not window.status.serve_label.isVisible() and window.local_server.address == ""


def test_the_window_pointed_at_its_own_server_says_so_instead_of_waiting_on_itself(qtbot, make_window, monkeypatch):
    """Serving, then Settings → Engine → A server with the address the window itself serves at: Find models and
    connecting both say that this is the app's own server (before, a reply waited on itself until Stop)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop_gpt.ui.settings_dialog import SettingsDialog

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    window = make_window()
    settings = window.context.settings
    settings.serve, settings.serve_port = True, free_port()
    with qtbot.waitSignal(window.local_server.changed, timeout=LOAD_TIMEOUT_MS):
        window.local_server.apply()
    dialog = SettingsDialog(settings, window)
    dialog.engine.remote.setChecked(True)
    dialog.engine.url.setText(window.local_server.address)
    dialog.engine.find_button.click()
    qtbot.waitUntil(lambda: dialog.engine.find_button.isEnabled(), timeout=REPLY_TIMEOUT_MS)
    assert "this app's own server" in dialog.engine.find_status.text()
    assert dialog.engine.save_key() is None
    dialog.apply()
    with qtbot.waitSignal(window.controller.load_failed, timeout=LOAD_TIMEOUT_MS) as failed:
        window.controller.switch_engine()
    assert "That address is this app's own server" in failed.args[0]
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=LOAD_TIMEOUT_MS)
    assert warnings and "this app's own server" in warnings[-1]
    assert window.controller.access.holder is None and window.local_server.address  # still serving
