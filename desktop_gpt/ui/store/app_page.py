"""An app's page: everything it will tell the model, shown before install; Install, Open, Update (with what
changes) and Uninstall, each with progress and errors in words."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.settings import Settings
from desktop_gpt.store import catalog
from desktop_gpt.store.hub import HubConfig
from desktop_gpt.ui.store.app_meta import hub_meta, installed_meta, uninstalled_meta
from desktop_gpt.ui.store.directory import AppDirectory
from desktop_gpt.ui.store.icons import app_pixmap
from desktop_gpt.ui.tasks import Task, TaskRunner
from desktop_gpt.ui.store.update_panel import UpdatePanel
from desktop_gpt.i18n import N_, _
from desktop_gpt.ui.widgets.safe_text import SafeTextBrowser, ask, open_link, set_markdown, tip

PARAMETER_NAMES = {"temperature": N_("Temperature"), "top_p": N_("Top-p"), "top_k": N_("Top-k"),
                   "repeat_penalty": N_("Repeat penalty"), "max_tokens": N_("Longest reply (tokens)")}


def _section(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("pageSection")
    return label


class AppPage(QWidget):
    """One app, from the Hub (``show_repo``) or from this computer (``show_app``).

    Signals:
        back_requested(): return to the listing.
        launch_requested(object): open this InstalledApp in its tool.
        details_loaded(str): the page shows this repo's details.
        installed(object): the app was installed or updated (the InstalledApp).
        uninstalled(str): the app with this id was removed.
        update_checked(object): the AppUpdate found, or None when the app is current.
        failed(str): something the user asked for failed (the message shown on the page).
    """

    back_requested = Signal()
    launch_requested = Signal(object)
    details_loaded = Signal(str)
    installed = Signal(object)
    uninstalled = Signal(str)
    update_checked = Signal(object)
    failed = Signal(str)

    def __init__(self, settings: Settings, directory: AppDirectory, runner: TaskRunner,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.directory = directory
        self.runner = runner
        self.repo_id: str | None = None
        self.app = None  # the InstalledApp when this app is on this computer
        self.details = None  # catalog.AppDetails when it was read from the Hub
        self.pending_update = None  # an AppUpdate the user is looking at
        self._uninstalled_app = False  # the page shows an app just uninstalled: Install puts it back
        self._reinstall_sha: str | None = None
        self._task: Task | None = None
        self._generation = 0

        self.back_button = QPushButton(_("← Back to the Store"), self)
        self.back_button.setObjectName("backButton")
        self.icon = QLabel(self)
        self.icon.setFixedSize(72, 72)
        self.name = QLabel(self)
        self.name.setObjectName("pageName")
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.meta = QLabel(self)
        self.meta.setObjectName("pageMeta")
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.meta.setWordWrap(True)
        self.link = QLabel(self)
        self.link.setTextFormat(Qt.TextFormat.RichText)  # our own escaped link; a click goes through open_link
        self.link.linkActivated.connect(lambda url: open_link(self, QUrl(url)))
        self.install_button = QPushButton(_("Install"), self)
        self.install_button.setObjectName("installButton")
        self.open_button = QPushButton(_("Open"), self)
        self.open_button.setObjectName("openButton")
        self.update_button = QPushButton(_("Check for update"), self)
        self.uninstall_button = QPushButton(_("Uninstall"), self)
        self.cancel_button = QPushButton(_("Cancel"), self)
        buttons = self.button_row = QHBoxLayout()
        buttons.setSpacing(8)
        for button in (self.install_button, self.open_button, self.update_button, self.uninstall_button,
                       self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.progress = QProgressBar(self)
        self.progress.setFixedHeight(14)
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setObjectName("pageStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        head = QGridLayout()
        head.setHorizontalSpacing(14)
        head.addWidget(self.icon, 0, 0, 4, 1, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.name, 0, 1)
        head.addWidget(self.meta, 1, 1)
        head.addWidget(self.link, 2, 1)
        head.addLayout(buttons, 3, 1)
        head.setColumnStretch(1, 1)

        self.update_box = UpdatePanel(self)
        self.update_diff, self.update_changes = self.update_box.diff, self.update_box.changes
        self.apply_update_button = self.update_box.apply_button

        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setObjectName("pageDescription")
        self.instructions = QPlainTextEdit(self)
        self.instructions.setObjectName("pageInstructions")
        self.instructions.setReadOnly(True)
        self.starters = QLabel(self)
        self.starters.setWordWrap(True)
        self.starters.setTextFormat(Qt.TextFormat.PlainText)
        self.parameters = QLabel(self)
        self.parameters.setWordWrap(True)
        self.parameters.setTextFormat(Qt.TextFormat.PlainText)
        self.model = QLabel(self)
        self.model.setWordWrap(True)
        self.model.setTextFormat(Qt.TextFormat.PlainText)
        self.readme = SafeTextBrowser(self)  # a README is data: no images loaded, no HTML, links through us
        self.readme.setMinimumHeight(160)

        inner = QWidget(self)
        inner.setObjectName("appPageInner")
        col = QVBoxLayout(inner)
        col.setContentsMargins(16, 8, 16, 16)
        col.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        col.addLayout(head)
        col.addWidget(self.progress)
        col.addWidget(self.status)
        col.addWidget(self.update_box)
        col.addWidget(self.description)
        col.addWidget(_section(_("Instructions — exactly what this app tells the model"), inner))
        col.addWidget(self.instructions)
        col.addWidget(_section(_("Conversation starters"), inner))
        col.addWidget(self.starters)
        col.addWidget(_section(_("Parameters"), inner))
        col.addWidget(self.parameters)
        col.addWidget(_section(_("Recommended model"), inner))
        col.addWidget(self.model)
        col.addWidget(_section(_("About"), inner))
        col.addWidget(self.readme)
        col.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.back_button.clicked.connect(self.back_requested)
        self.install_button.clicked.connect(self.install)
        self.open_button.clicked.connect(self.open)
        self.update_button.clicked.connect(self.check_update)
        self.uninstall_button.clicked.connect(self.uninstall)
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_update_button.clicked.connect(self.apply_update)
        self._update_buttons()

    def config(self) -> HubConfig:
        return HubConfig.resolve(self.settings)

    # -- showing --------------------------------------------------------------------------------------------
    def show_app(self, app) -> None:
        """An app on this computer: no network needed."""
        self._reset(app.repo_id or app.id)
        self.app = app
        self._fill(app.manifest, app.icon_path, app.readme, url=app.hub_url(self.config()),
                   meta=installed_meta(app), sha=app.sha)

    def show_repo(self, repo_id: str) -> None:
        """An app on the Hub: its details are fetched (at the listed commit) off the GUI thread."""
        self._reset(repo_id)
        self.app = self.directory.find(repo_id)
        if self.app is not None:
            self._fill(self.app.manifest, self.app.icon_path, self.app.readme, url=self.app.hub_url(self.config()),
                       meta=installed_meta(self.app), sha=self.app.sha)
        else:
            self.name.setText(repo_id.split("/")[-1])
            self.icon.setPixmap(app_pixmap(repo_id.split("/")[-1], None, 72))
        generation = self._generation
        self._busy("Reading the app from the Hub…")
        config = self.config()
        task = self._start(lambda: catalog.app_details(config, repo_id))
        task.done.connect(lambda details: self._details(generation, details))

    def _reset(self, repo_id: str) -> None:
        self._generation += 1
        self.repo_id = repo_id
        self.app = self.details = self.pending_update = None
        self._uninstalled_app = False
        self._reinstall_sha: str | None = None
        self._say("")
        self.progress.hide()
        self.update_box.hide()
        for label in (self.meta, self.description, self.starters, self.parameters, self.model):
            label.setText("")
        self.link.setText("")
        self.instructions.setPlainText("")
        set_markdown(self.readme, "")

    def _details(self, generation: int, details) -> None:
        if generation != self._generation:
            return
        self.details = details
        self._idle("")
        if self.app is None:
            self._fill(details.manifest, details.icon_path, details.readme, url=details.url,
                       meta=hub_meta(details), sha=details.sha)
        self.details_loaded.emit(self.repo_id or "")

    def _fill(self, manifest, icon_path, readme: str, url: str | None, meta: str, sha: str | None = None) -> None:
        self.icon.setPixmap(app_pixmap(manifest.name, icon_path, 72))
        self.name.setText(manifest.name)
        languages = ", ".join(manifest.languages)
        self.meta.setText(meta + (_(" · languages: {languages}").format(languages=languages) if languages else ""))
        link = f'<a href="{html.escape(url)}">{html.escape(url)}</a>' if url else ""
        if sha:  # the exact commit, for whoever needs it (the version above is the author's)
            link += f" · commit {html.escape(sha[:10])}"
        self.link.setText(link)
        self.link.setToolTip(tip(f"Commit {sha}") if sha else "")
        self.description.setText(manifest.description)
        self.instructions.setPlainText(manifest.instructions)
        lines = sum(max(1, len(line) // 110 + 1) for line in manifest.instructions.splitlines())
        self.instructions.setFixedHeight(min(340, max(90, lines * self.fontMetrics().lineSpacing() + 24)))
        self.starters.setText("\n".join(f"• {s}" for s in manifest.starters) or "None.")
        params = manifest.parameters.as_dict()
        self.parameters.setText(", ".join(f"{_(PARAMETER_NAMES.get(k, k))} {v:g}" for k, v in params.items())
                                + ("; the rest from your settings." if params else "")
                                or "Your own settings (File → Settings).")
        model = manifest.recommended_model
        self.model.setText(_("{file} from {repo}").format(file=model.file, repo=model.repo) if model
                           else _("Any chat model; it was not written for a particular one."))
        set_markdown(self.readme, readme or "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self._task is not None
        app = self.app
        from_hub = self.repo_id is not None and "/" in self.repo_id and (app is None or app.source == "hub")
        offline = self.settings.offline
        self.install_button.setVisible(app is None and from_hub)
        self.install_button.setEnabled(not busy and not offline and (self.details is not None or self._uninstalled_app))
        self.install_button.setToolTip(_("Offline mode is on (File → Settings)") if offline else "")
        self.open_button.setVisible(app is not None)
        self.update_button.setVisible(app is not None and app.source == "hub")
        self.uninstall_button.setVisible(app is not None and app.removable)
        for button in (self.open_button, self.update_button, self.uninstall_button):
            button.setEnabled(not busy)
        self.update_button.setEnabled(not busy and not offline)
        self.update_button.setToolTip(self.install_button.toolTip())
        self.cancel_button.setVisible(busy and self._task is not None and self._task.wants_progress)

    # -- work -----------------------------------------------------------------------------------------------
    def _start(self, fn, wants_progress: bool = False) -> Task:
        task = self.runner.start(fn, wants_progress=wants_progress)
        self._task = task
        task.failed.connect(self._failed)
        task.cancelled.connect(lambda: self._idle("Cancelled."))
        task.progress.connect(self._progress)
        task.finished.connect(self._task_finished)
        self._update_buttons()
        return task

    def _task_finished(self) -> None:
        if self.sender() is self._task:
            self._task = None
            self.progress.hide()
            self._update_buttons()

    def _busy(self, text: str) -> None:
        self._say(text)
        self.progress.setRange(0, 0)
        self.progress.show()

    def _idle(self, text: str) -> None:
        self._say(text)
        self.progress.hide()

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _progress(self, step) -> None:
        self._say(step.message)
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.index)
        else:
            self.progress.setRange(0, 0)

    def _failed(self, exc: Exception) -> None:
        self._idle(str(exc))
        self.failed.emit(str(exc))

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def install(self) -> None:
        if self.repo_id is None or self._task is not None:
            return
        config, repo_id = self.config(), self.repo_id
        # what the user read is what gets installed
        sha = self.details.sha if self.details is not None else self._reinstall_sha
        self._busy(f"Installing {repo_id}…")
        task = self._start(
            lambda progress, cancel: self.directory.library.install(
                config, repo_id, sha, progress=progress, cancel=cancel
            ),
            wants_progress=True,
        )
        task.done.connect(self._installed)

    def _installed(self, app) -> None:
        self.directory.refresh()
        self.app = app
        self.pending_update = None
        self.update_box.hide()
        self._fill(
            app.manifest,
            app.icon_path,
            app.readme,
            url=app.hub_url(self.config()),
            meta=installed_meta(app),
            sha=app.sha,
        )
        self._idle(f"Installed. {app.name} is in My apps; Open starts it.")
        self.installed.emit(app)

    def open(self) -> None:
        if self.app is not None:
            self.launch_requested.emit(self.app)

    def check_update(self) -> None:
        app = self.app
        if app is None or self._task is not None:
            return
        config = self.config()
        self._busy("Checking the Hub for a newer version…")
        task = self._start(lambda: self.directory.library.check_update(config, app))
        task.done.connect(self.show_update)

    def show_update(self, update) -> None:
        """What a newer version changes (None: the app is current), with Apply update."""
        self.pending_update = update
        self.update_checked.emit(update)
        if update is None:
            self._idle("You have the latest version.")
            self.update_box.hide()
            return
        self._idle("")
        self.update_box.show_update(update)

    def apply_update(self) -> None:
        update = self.pending_update
        if update is None or self._task is not None:
            return
        config = self.config()
        self._busy("Updating…")
        task = self._start(
            lambda progress, cancel: self.directory.library.update(config, update, progress=progress, cancel=cancel),
            wants_progress=True,
        )
        task.done.connect(self._installed)

    def uninstall(self) -> None:
        app = self.app
        if app is None or not app.removable or self._task is not None:
            return
        if not ask(self, "Uninstall app", f"Uninstall “{app.name}”? Chats you had with it are kept."):
            return
        self._busy(f"Uninstalling {app.name}…")
        task = self._start(lambda: self.directory.library.uninstall(app.id))
        task.done.connect(self._uninstalled)

    def _uninstalled(self, app) -> None:
        self.directory.refresh()
        self.app = None
        self._uninstalled_app = app.repo_id is not None
        if app.repo_id:  # the page now shows the Hub's app, not an installed one
            meta = hub_meta(self.details) if self.details is not None else uninstalled_meta(app)
            icon = self.icon.pixmap()  # the icon was in the app's folder, now removed: keep the one shown
            self._fill(app.manifest, None, app.readme, url=app.hub_url(self.config()), meta=meta)
            self.icon.setPixmap(icon)
            self._reinstall_sha = app.sha
        self._idle(f"{app.name} was uninstalled." + (" Install it again from here." if app.repo_id else ""))
        self._update_buttons()
        self.uninstalled.emit(app.id)

    def settings_changed(self) -> None:
        """Offline mode changed: Install and Check for update follow it at once."""
        self._update_buttons()
