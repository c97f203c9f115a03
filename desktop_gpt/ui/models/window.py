"""The model manager window: Installed, Recommended, Search the Hub and Downloads, as tabs."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.models import catalog
from desktop_gpt.models.catalog import Recommended
from desktop_gpt.models.library import ModelLibrary
from desktop_gpt.models.partials import DownloadRequest
from desktop_gpt.models.quant import ModelFile
from desktop_gpt.services.downloads import DONE, QUEUED, RUNNING
from desktop_gpt.settings import Settings
from desktop_gpt.store.hub import HubConfig
from desktop_gpt.ui import tasks
from desktop_gpt.ui.models.downloads import Downloads
from desktop_gpt.ui.models.downloads_pane import DownloadsPane
from desktop_gpt.ui.models.installed import InstalledPane
from desktop_gpt.ui.models.recommended import RecommendedPane
from desktop_gpt.ui.models.search import SearchPane
from desktop_gpt.ui.widgets.safe_text import PlainLabel
from desktop_gpt.i18n import _

TAB_INSTALLED, TAB_RECOMMENDED, TAB_SEARCH, TAB_DOWNLOADS = range(4)


class ModelManager(QDialog):
    """Manage models. Closing it does not stop downloads (the Downloads object belongs to the main window).

    Signals:
        use(str): load this model file (the main window checks it fits, then loads it).
        download_started(object): a DownloadJob was queued.
        message(str): something to tell the person, shown in the window's status line.
    """

    use = Signal(str)
    download_started = Signal(object)
    message = Signal(str)

    def __init__(self, settings: Settings, library: ModelLibrary, downloads: Downloads,
                 config_factory: Callable[[], HubConfig], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Models"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1100, 640)
        self.settings = settings
        self.downloads = downloads
        self.config_factory = config_factory
        self.installed = InstalledPane(library, self)
        self.recommended = RecommendedPane(settings.context_size, self)
        self.search = SearchPane(config_factory, settings.context_size, self)
        self.downloads_pane = DownloadsPane(downloads, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.installed, _("Installed"))
        self.tabs.addTab(self.recommended, _("Recommended"))
        self.tabs.addTab(self.search, _("Search the Hub"))
        self.tabs.addTab(self.downloads_pane, _("Downloads"))
        self.status = PlainLabel("", self)
        self.status.setWordWrap(True)
        self.status.setObjectName("modelsStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)

        self.installed.use.connect(self.use)
        self.installed.message.connect(self.message)
        self.installed.scanned.connect(lambda models: self.recommended.set_installed({m.name for m in models}))
        self.recommended.download.connect(self.download_recommended)
        self.search.download.connect(self.download_file)
        self.downloads_pane.use.connect(self.use)
        self.downloads_pane.count_changed.connect(self._count_downloads)
        self.downloads.finished.connect(self._download_finished)
        self.message.connect(self.status.setText)
        self.installed.refresh()
        self.settings_changed()

    def _download_finished(self, job) -> None:
        self.installed.refresh()
        if any(j.state in (QUEUED, RUNNING) for j in self.downloads.jobs()):
            return  # the line still speaks of the downloads going on
        self.message.emit(f"{job.name} is downloaded and checked. Use now (under Downloads or Installed) loads it.")

    def settings_changed(self) -> None:
        """Offline mode turned on or off: the Hub's views follow at once."""
        offline = self.settings.offline
        self.search.set_offline(offline)
        self.recommended.set_offline(offline)
        self.downloads_pane.set_offline(offline)

    def _count_downloads(self, n: int) -> None:
        self.tabs.setTabText(TAB_DOWNLOADS, _("Downloads ({n})").format(n=n) if n else _("Downloads"))

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        self.show()
        self.activateWindow()  # brings it to the front when it was already open behind the main window

    # -- downloads ------------------------------------------------------------------------------------------
    def download_file(self, model: ModelFile) -> None:
        """Queue a file listed by the Hub search and show the Downloads tab."""
        try:
            request = DownloadRequest.from_model_file(model)
        except DesktopGPTError as exc:
            self.message.emit(str(exc))
            return
        self._queue(request)

    def download_recommended(self, rec: Recommended) -> None:
        """List the recommended model's repo on the Hub (its exact size and sha256), then queue it."""
        self.message.emit(_("Asking the Hub about {name}…").format(name=rec.name))
        config = self.config_factory()

        def find() -> DownloadRequest:
            return DownloadRequest.from_model_file(catalog.pick(catalog.repo_files(config, rec.repo_id),
                                                                filename=rec.file))

        tasks.run(find, self._queue, self.message.emit, owner=self, name="hub-recommended")

    def _queue(self, request: DownloadRequest) -> None:
        job = self.downloads.add(request)
        if job.state == QUEUED and any(other.state == RUNNING for other in self.downloads.jobs()):
            text = _("{name} will download when the download before it has finished.")
        elif job.state == DONE:
            text = _("{name} is already downloaded.")
        else:
            text = _("Downloading {name} from {repo_id}.")
        self.message.emit(text.format(name=request.name, repo_id=request.repo_id))
        self.tabs.setCurrentIndex(TAB_DOWNLOADS)
        self.download_started.emit(job)

    def select_installed(self, path: str | Path) -> None:
        self.tabs.setCurrentIndex(TAB_INSTALLED)
        self.installed.select(path)
