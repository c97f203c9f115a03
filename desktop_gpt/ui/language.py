"""The GUI side of translations: the language from the setting and the desktop, Qt's own catalogue, restarts."""

from __future__ import annotations

import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QProcess, QTranslator
from PySide6.QtWidgets import QApplication

from desktop_gpt import i18n, log

_log = log.get("ui")


def install_language(app: QApplication, setting: str) -> str:
    """Use ``setting``'s language for our catalogue, Qt's standard dialogs and QLocale; returns its code."""
    code = i18n.install(setting, QLocale.system().uiLanguages())
    # Numbers and dates: the chosen language's, or the desktop's own for English (e.g. en_GB's dates).
    QLocale.setDefault(QLocale(code) if code != i18n.ENGLISH else QLocale.system())
    for old in app.findChildren(QTranslator, "qtTranslator"):
        app.removeTranslator(old)
        old.deleteLater()
    if code != i18n.ENGLISH:
        translator = QTranslator(app)
        translator.setObjectName("qtTranslator")
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(QLocale(code), "qtbase", "_", folder):
            app.installTranslator(translator)
        else:  # Qt's buttons (OK, Cancel…) stay English; ours are still translated
            _log.info("no Qt translation for %s in %s", code, folder)
    return code


def restart_command() -> tuple[str, list[str]]:
    """The program and arguments that start this app again (a frozen build, or Python running the package)."""
    if getattr(sys, "frozen", False):
        return sys.executable, []
    return sys.executable, ["-m", "desktop_gpt"]


def restart_later() -> None:
    """Start a new instance of the app once this one has finished quitting (called after the event loop)."""
    program, args = restart_command()
    if not QProcess.startDetached(program, args):
        _log.warning("could not restart %s %s", program, args)
