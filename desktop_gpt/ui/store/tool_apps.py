"""An app opened in the Writing, Translation or Code tab: a banner says which, its options are applied, and its
instructions go into every run of that tab until the user closes the banner."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop_gpt import log
from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.ui.widgets.choices import select
from desktop_gpt.ui.widgets.safe_text import tip
from desktop_gpt.i18n import _

_log = log.get("ui.store")

STARTER_CHARS = 36


class AppBanner(QFrame):
    """A strip at the top of a tool tab: the app in use, its starters, and a button to stop using it.

    Signals:
        starter_clicked(str): the full text of a starter the user clicked.
        closed(): the user stopped using the app in this tab.
    """

    starter_clicked = Signal(str)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("appBanner")
        self.icon = QLabel(self)
        self.label = QLabel(self)
        self.label.setObjectName("appBannerLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip(_("Stop using this app in this tab (its instructions are no longer sent)"))
        self.close_button.setAutoRaise(True)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(10, 4, 6, 4)
        self.row.addWidget(self.icon)
        self.row.addWidget(self.label)
        self.row.addStretch(1)
        self.row.addWidget(self.close_button)
        self.buttons: list[QPushButton] = []
        self.app = None
        self.close_button.clicked.connect(self._close)

    def show_app(self, app, pixmap: QPixmap) -> None:
        self.app = app
        self.icon.setPixmap(pixmap)
        self.label.setText(_("Using the app {name}").format(name=app.name))
        self.setToolTip(tip(app.description))
        for button in self.buttons:
            self.row.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        for text in app.starters or ():
            first = " ".join(text.split("\n", 1)[0].split())
            button = QPushButton(first if len(first) <= STARTER_CHARS else first[: STARTER_CHARS - 1] + "…", self)
            button.setObjectName("bannerStarter")
            button.setToolTip(tip(text))
            button.clicked.connect(lambda _c=False, t=text: self.starter_clicked.emit(t))
            self.row.insertWidget(self.row.count() - 1, button)
            self.buttons.append(button)
        self.show()

    def _close(self) -> None:
        self.app = None
        self.hide()
        self.closed.emit()


def open_in_tool(pane, app, pixmap: QPixmap) -> AppBanner:
    """Use ``app`` in a tool pane (WritingPane, TranslationPane or CodePane): set its options, show the banner."""
    banner = getattr(pane, "app_banner", None)
    if banner is None:
        banner = AppBanner(pane)
        pane.layout().insertWidget(0, banner)
        pane.app_banner = banner
        banner.starter_clicked.connect(lambda text: _fill(pane, banner.app, text))
        banner.closed.connect(lambda: setattr(pane.tracker, "app", None))
    pane.tracker.app = app
    _apply_options(pane, app)
    banner.show_app(app, pixmap)
    return banner


def _options(app) -> dict:
    return dict(app.tool_options or {})


def _apply_options(pane, app) -> None:
    """Apply the tool_options the app sets (docs/app-format.md); an unknown value is ignored, not an error."""
    options = _options(app)
    try:
        if app.tool == "writing":
            a = pane.assistant
            for key, box in (("kind", a.kind), ("tone", a.tone), ("length", a.length), ("language", a.language)):
                if isinstance(options.get(key), str):
                    select(box, options[key])
            if options.get("kind"):
                a.modes.setCurrentIndex(1)  # an app with a kind is about drafting: show the Draft form
        elif app.tool == "translation":
            source, target = options.get("source_language"), options.get("target_language")
            if isinstance(source, str):
                pane.set_source(source)
            if isinstance(target, str):
                pane.set_target(target)
            if isinstance(options.get("tone"), str):
                select(pane.tone, options["tone"])
            glossary = options.get("glossary")
            if isinstance(glossary, list) and glossary:
                pane.glossary.setPlainText("\n".join(glossary))
                pane.glossary_button.setChecked(True)
        elif app.tool == "code":
            if isinstance(options.get("language"), str):
                select(pane.language, options["language"])
            if isinstance(options.get("task"), str):
                select(pane.task, options["task"])
    except DesktopGPTError as exc:  # e.g. a language code this version does not know
        _log.info("app %s: tool option ignored: %s", app.id, exc)


def _fill(pane, app, text: str) -> None:
    """A starter goes where that tool takes its input."""
    if app is None:
        return
    if app.tool == "writing":
        pane.assistant.modes.setCurrentIndex(1)
        pane.assistant.topic.setPlainText(text)
        pane.assistant.topic.setFocus()
    elif app.tool == "translation":
        pane.source.setPlainText(text)
        pane.source.setFocus()
    elif app.tool == "code":
        pane.description.setPlainText(text)
        pane.description.setFocus()
