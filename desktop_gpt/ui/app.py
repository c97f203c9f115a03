"""Start the GUI: one QApplication, one window shown at once, the model loading behind it."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import traceback

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_gpt import APP_ID, APP_NAME, __version__, log
from desktop_gpt.resources import resource
from desktop_gpt.ui.theme import manager
from desktop_gpt.ui.widgets.safe_text import message_box

_log = log.get("ui")


def problem_box(exc_type, exc, tb) -> QMessageBox:
    """The dialog for an error nothing else handled: a typed error (DesktopGPTError) is a message written for a
    person, shown as it is; anything else is a bug, shown as one with its details."""
    from desktop_gpt.errors import DesktopGPTError

    if isinstance(exc, DesktopGPTError):
        return message_box(None, QMessageBox.Icon.Warning, APP_NAME, str(exc))  # plain text: it may quote data
    box = message_box(None, QMessageBox.Icon.Critical, APP_NAME,
                      f"{APP_NAME} hit an unexpected problem: {exc}\n\nYour chats are saved. "
                      "The details are in the log file (Help → Open log folder).")
    box.setDetailedText("".join(traceback.format_exception(exc_type, exc, tb)))
    return box


class _ProblemReporter(QObject):
    """Brings an error raised on any thread to the GUI thread, where its dialog can be shown."""

    report = Signal(object, object, object)


def install_exception_hook() -> None:
    """A bug anywhere is logged and shown in a dialog, never a silent death."""
    shown = {"done": False}

    def show(exc_type, exc, tb) -> None:
        if QApplication.instance() is None or shown["done"]:
            return
        shown["done"] = True
        problem_box(exc_type, exc, tb).exec()
        shown["done"] = False

    reporter = _ProblemReporter(QApplication.instance())
    reporter.report.connect(show)  # queued when raised off the GUI thread

    def hook(exc_type, exc, tb) -> None:
        _log.error("unhandled error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        reporter.report.emit(exc_type, exc, tb)

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    icon = resource("icons", "desktop-gpt.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    from desktop_gpt.ui.theme import install_theme

    if manager() is None:
        install_theme(app)  # the system's scheme until the settings are read
    return app


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()
    app = create_app(argv)
    install_exception_hook()
    from desktop_gpt.settings import read_language
    from desktop_gpt.ui.language import install_language, restart_later

    install_language(app, read_language())  # before any window or message, so all of them are translated
    from desktop_gpt.errors import DesktopGPTError
    from desktop_gpt.paths import app_paths
    from desktop_gpt.ui.context import AppContext
    from desktop_gpt.ui.main_window import MainWindow
    from desktop_gpt.ui.single_instance import SingleInstance, bring_to_front

    instance = SingleInstance(app_paths().data)
    if not instance.acquire():  # another window runs on this data: it was asked to show itself
        return 0
    try:
        context = AppContext.create()
    except DesktopGPTError as exc:
        message_box(None, QMessageBox.Icon.Critical, APP_NAME, str(exc)).exec()
        return 1
    manager().set_setting(context.settings.theme)
    window = MainWindow(context)
    instance.activated.connect(lambda: bring_to_front(window))
    from desktop_gpt.ui import startup_report

    if startup_report.wanted():
        startup_report.attach(window, context.controller)
    window.show()
    if context.problems:
        notice = message_box(window, QMessageBox.Icon.Information, APP_NAME, "\n\n".join(context.problems))
        notice.open()  # not modal: the window stays usable
    QTimer.singleShot(0, context.controller.load)  # the window is up before the model loads
    code = app.exec()
    context.db.close()
    instance.release()
    if window.restart_requested:
        restart_later()
    return code


if __name__ == "__main__":
    sys.exit(main())
