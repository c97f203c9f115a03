"""The Hub settings in the settings dialog: a mirror address, a token kept in its own file (never in settings.json),
offline mode; a bad value keeps the dialog open with the reason."""

from __future__ import annotations

import stat

from desktop_gpt.paths import app_paths
from desktop_gpt.settings import Settings, load_settings, save_settings
from desktop_gpt.store.hub import HubConfig
from desktop_gpt.store.token import read_token, token_path
from desktop_gpt.ui.settings_dialog import SettingsDialog

TOKEN = "hf_AliceTestToken0123456789abcdefghij"


def test_mirror_token_and_offline_are_saved(qtbot):
    settings = Settings()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    hub = dialog.hub
    assert hub.token.echoMode() == hub.token.EchoMode.Password and not hub.forget_button.isEnabled()
    hub.endpoint.setText("https://hf-mirror.com/")
    hub.token.setText(TOKEN)
    hub.offline.setChecked(True)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    dialog.apply()
    save_settings(settings)

    assert (settings.hub_endpoint, settings.offline) == ("https://hf-mirror.com", True)
    assert read_token() == TOKEN and stat.S_IMODE(token_path().stat().st_mode) == 0o600
    assert TOKEN not in app_paths().settings_file.read_text(encoding="utf-8")
    config = HubConfig.resolve(load_settings().settings)
    assert (config.endpoint, config.token_source, config.offline) == ("https://hf-mirror.com", "settings", True)

    again = SettingsDialog(settings)
    qtbot.addWidget(again)
    assert again.hub.token.text() == "" and again.hub.forget_button.isEnabled()  # never shown again
    again.hub.forget()
    again.accept()
    assert read_token() is None


def test_a_bad_address_or_token_keeps_the_dialog_open(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.hub.endpoint.setText("hf-mirror.com")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted and "https://" in shown[-1]
    dialog.hub.endpoint.setText("")
    dialog.hub.token.setText("not a token")
    dialog.accept()
    assert "does not look like an access token" in shown[-1] and read_token() is None
