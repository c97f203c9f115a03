"""Settings → Language: stored, Qt's own dialogs translated, and the restart that applies it offered."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from desktop_gpt import i18n
from desktop_gpt.settings import Settings
from desktop_gpt.ui.language import install_language, restart_command


def _cancel_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    return box.button(QDialogButtonBox.StandardButton.Cancel).text()


def test_qt_standard_buttons_follow_the_language(qtbot, monkeypatch):
    from desktop_gpt.ui.app import create_app

    app = create_app([])
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    try:
        assert install_language(app, "system") == "zh_CN"
        assert _cancel_text() == "取消"
        assert i18n._("Settings saved") == "设置已保存"
    finally:
        assert install_language(app, "en") == "en"
    assert _cancel_text() == "Cancel"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_settings_dialog_stores_language_and_theme(qtbot):
    from desktop_gpt.ui.settings_dialog import SettingsDialog

    settings = Settings()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    box = dialog.appearance
    assert box.language.currentData() == "system"
    assert [box.language.itemData(i) for i in range(box.language.count())] == ["system", "en", "zh_CN"]
    assert box.language.itemText(2) == "简体中文"  # each language is named in its own words
    box.language.setCurrentIndex(box.language.findData("zh_CN"))
    box.theme.setCurrentIndex(box.theme.findData("dark"))
    dialog.apply()
    assert (settings.language, settings.theme) == ("zh_CN", "dark")
    assert dialog.language_changed and dialog.theme_changed


def test_changing_the_language_offers_a_restart(qtbot, make_window):
    window = make_window(load=False)
    box = window.offer_restart()
    assert box.isVisible() and "Restart" in box.text()
    later = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    later.click()
    assert not window.restart_requested and window.isVisible()
    box = window.offer_restart()
    restart = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    restart.click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.restart_requested
    program, args = restart_command()
    assert program and (args == ["-m", "desktop_gpt"] or not args)
    assert QApplication.instance() is not None
