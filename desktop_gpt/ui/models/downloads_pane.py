"""The Downloads tab: one row per download with a progress bar, bytes, speed and ETA; pause, resume, cancel."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.ui import theme
from desktop_gpt.models.fit import human_size
from desktop_gpt.services.downloads import CANCELLED, DONE, FAILED, PAUSED, QUEUED, RUNNING, DownloadJob
from desktop_gpt.ui.models.downloads import Downloads
from desktop_gpt.i18n import N_, _
from desktop_gpt.ui.widgets.safe_text import PlainLabel

PHASES = {
    "queued": N_("Waiting for the download before it"),
    "connecting": N_("Connecting…"),
    "checking": N_("Checking what was already downloaded…"),
    "downloading": N_("Downloading"),
    "retrying": N_("Reconnecting"),
    "verifying": N_("Checking the file (sha256)…"),
    "paused": N_("Paused"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
    "done": N_("Downloaded and verified"),
}


def duration(seconds: float | None) -> str:
    """Seconds for people: "45 s", "12 min", "1 h 20 min"."""
    if seconds is None or seconds < 0:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def progress_text(job: DownloadJob) -> str:
    """The row's second line: "1.2 GB of 4.7 GB · 12.3 MB/s · 5 min left" (and what is happening).

    While downloading, a message from the downloader means the server has gone quiet: it replaces the speed and
    ETA (which only fall slowly).
    """
    p = job.progress
    phase = _(PHASES[p.phase]) if p.phase in PHASES else p.phase.capitalize()
    if job.state == FAILED:
        return _("Failed at {done} of {total}: {error}").format(
            done=human_size(p.done), total=human_size(p.total), error=job.error
        )
    if job.state == DONE:
        return f"{phase} · {human_size(p.total)}"
    bits = [f"{human_size(p.done)} of {human_size(p.total)}"]
    if job.state == RUNNING and p.phase == "downloading":
        if p.speed > 0 and not p.message:
            bits.append(f"{human_size(p.speed)}/s")
        if p.eta is not None and not p.message:
            bits.append(f"{duration(p.eta)} left")
    elif job.state != CANCELLED:
        bits.insert(0, phase)
    if p.parts > 1:
        bits.append(f"part {p.part} of {p.parts}")
    if p.message:
        bits.append(p.message)
    return " · ".join(bits)


class DownloadRow(QFrame):
    """One download.

    Signals:
        use(str): "Use now" was pressed on a finished download (the model file's path).
        remove(int): "Remove from list" was pressed (the job id).
    """

    use = Signal(str)
    remove = Signal(int)

    def __init__(self, job: DownloadJob, downloads: Downloads, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("downloadRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.downloads = downloads
        self.job = job
        source = html.escape(_("from {repo}").format(repo=job.request.repo_id))  # Hub names are data: escaped
        self.title = QLabel(
            f"<b>{html.escape(job.name)}</b> <span style='color:{theme.current().text_muted}'>{source}</span>", self
        )
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.status = PlainLabel("", self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.pause_button = QPushButton(_("Pause"), self)
        theme.set_icon(self.pause_button, "pause")
        self.resume_button = QPushButton(_("Resume"), self)
        theme.set_icon(self.resume_button, "play")
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.use_button = QPushButton(_("Use now"), self)
        self.clear_button = QPushButton(_("Remove from list"), self)
        self.pause_button.clicked.connect(lambda: self.downloads.pause(self.job.id))
        self.resume_button.clicked.connect(lambda: self.downloads.resume(self.job.id))
        self.cancel_button.clicked.connect(lambda: self.downloads.cancel(self.job.id))
        self.use_button.clicked.connect(lambda: self.use.emit(str(self.job.path)))
        self.clear_button.clicked.connect(lambda: self.remove.emit(self.job.id))

        buttons = QHBoxLayout()
        buttons.addWidget(self.bar, 1)
        for button in (self.pause_button, self.resume_button, self.cancel_button, self.use_button, self.clear_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.update_job(job)

    offline = False  # set by the pane: Resume and Try again wait for offline mode to be turned off

    def update_job(self, job: DownloadJob) -> None:
        self.job = job
        p = job.progress
        self.bar.setValue(int(p.fraction * 1000))
        self.bar.setFormat(f"{p.fraction * 100:.0f}%")
        self.status.setText(progress_text(job))
        self.status.setStyleSheet(f"color: {theme.current().error_text};" if job.state == FAILED else "")
        self.pause_button.setVisible(job.state in (QUEUED, RUNNING))
        self.resume_button.setVisible(job.state in (PAUSED, FAILED))
        self.resume_button.setText(_("Try again") if job.state == FAILED else _("Resume"))
        self.resume_button.setEnabled(not self.offline)
        self.resume_button.setToolTip(_("Offline mode is on (File → Settings)") if self.offline else "")
        self.cancel_button.setVisible(job.state in (QUEUED, RUNNING, PAUSED, FAILED))
        self.use_button.setVisible(job.state == DONE and job.path is not None)
        self.clear_button.setVisible(job.finished)
        self.bar.setVisible(job.state != CANCELLED)


class DownloadsPane(QWidget):
    """Every download of this session and those left unfinished last time (paused, resumable).

    Signals:
        use(str): a finished download's "Use now" (the model file's path).
        count_changed(int): how many downloads are running or waiting (for the tab's title).
    """

    use = Signal(str)
    count_changed = Signal(int)

    def __init__(self, downloads: Downloads, parent: QWidget | None = None):
        super().__init__(parent)
        self.downloads = downloads
        self.rows: dict[int, DownloadRow] = {}
        self.offline = False
        self.empty = QLabel(
            _(
                "No downloads. Choose a model under Recommended or Search the Hub and press Download.\nDownloads "
                "resume where they stopped (after a lost connection or a restart) and every file is checked "
                "against the Hub's sha256 before it is used."
            ),
            self,
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner = QWidget(self)
        self.list_layout = QVBoxLayout(inner)
        self.list_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        downloads.changed.connect(self.update_job)
        for job in downloads.jobs():
            self.update_job(job)
        self._refresh_empty()

    def set_offline(self, offline: bool) -> None:
        self.offline = offline
        for row in self.rows.values():
            row.offline = offline
            row.update_job(row.job)

    def row(self, job_id: int) -> DownloadRow | None:
        return self.rows.get(job_id)

    def update_job(self, job: DownloadJob) -> None:
        row = self.rows.get(job.id)
        if row is None:
            row = DownloadRow(job, self.downloads, self)
            row.offline = self.offline
            row.update_job(job)
            row.use.connect(self.use)
            row.remove.connect(self._remove)
            self.rows[job.id] = row
            self.list_layout.insertWidget(self.list_layout.count() - 1, row)  # in queue order, above the stretch
        else:
            row.update_job(job)
        self._refresh_empty()

    def _remove(self, job_id: int) -> None:
        self.downloads.remove(job_id)
        row = self.rows.pop(job_id, None)
        if row is not None:
            row.hide()
            row.deleteLater()
        self._refresh_empty()

    def _refresh_empty(self) -> None:
        self.empty.setVisible(not self.rows)
        self.count_changed.emit(sum(1 for r in self.rows.values() if r.job.state in (QUEUED, RUNNING)))
