"""The Search the Hub tab: GGUF repositories by text and order; a repository opens onto every GGUF file it has."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.ui import theme
from desktop_gpt.models import catalog, fit
from desktop_gpt.models.catalog import RepoFiles, RepoSummary
from desktop_gpt.models.quant import ModelFile
from desktop_gpt.store.hub import HubConfig
from desktop_gpt.ui import tasks
from desktop_gpt.ui.models.recommended import VERDICT_COLOURS, remote_fit
from desktop_gpt.i18n import N_, _, ngettext
from desktop_gpt.ui.widgets.safe_text import PlainLabel, tip

COLUMNS = [N_("Repository / file"), N_("Quantization"), N_("Size"), N_("On this computer"), N_("Downloads"), N_("Likes"), N_("Updated"), ""]
SORTS = [(N_("Most downloaded"), "downloads"), (N_("Most liked"), "likes"), (N_("Recently updated"), "updated")]
_REPO_ROLE = Qt.ItemDataRole.UserRole
_LOADING = N_("Loading the files…")
_HINT = N_("Type a name and press Enter. Open a repository to see every file it offers.")
OFFLINE_NOTE = (N_("Offline mode is on, so the Hub is not contacted. Models on this computer (Installed) work as always; "
                "turn it off in File → Settings to search and download."))


def count_text(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e4 else f"{n:,}"


def file_label(model: ModelFile) -> str:
    if model.sharded:
        label = f"{model.name}  ({len(model.parts)} parts, downloaded as one)"
        if model.missing:
            label += f" — parts {', '.join(map(str, model.missing))} missing on the Hub"
        return label
    return model.name


class SearchPane(QWidget):
    """Search GGUF repos; expanding one lists its files with quantization, size and fit. Hub calls run off the GUI
    thread; an unreachable Hub is said in words.

    Signals:
        download(object): the ModelFile whose Download was pressed.
        searched(list): results arrived (RepoSummary list).
        files_listed(str, object): a repository's files arrived (repo id, RepoFiles).
    """

    download = Signal(object)
    searched = Signal(list)
    files_listed = Signal(str, object)

    def __init__(self, config_factory: Callable[[], HubConfig], context_size: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.config_factory = config_factory
        self.context_size = context_size
        self._search_id = 0
        self.repos: dict[str, QTreeWidgetItem] = {}
        self.files: dict[str, RepoFiles] = {}
        self.query = QLineEdit(self)
        self.query.setPlaceholderText(_("Search GGUF models on the Hugging Face Hub, e.g. qwen2.5 7b instruct"))
        self.query.returnPressed.connect(self.search)
        self.sort = QComboBox(self)
        for label, key in SORTS:
            self.sort.addItem(_(label), key)
        self.sort.currentIndexChanged.connect(lambda _i: self.search() if self.query.text().strip() else None)
        self.search_button = QPushButton(_("Search"), self)
        self.search_button.clicked.connect(self.search)
        self.offline = False
        self.status = PlainLabel(_(_HINT), self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([_(c) if c else "" for c in COLUMNS])
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.tree.itemExpanded.connect(self._expanded)
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.sort)
        row.addWidget(self.search_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)

    def set_offline(self, offline: bool) -> None:
        """No searching or downloading while offline mode is on; say so in its place."""
        if offline == self.offline:
            return
        self.offline = offline
        self.query.setEnabled(not offline)
        self.search_button.setEnabled(not offline)
        for button in self.tree.findChildren(QPushButton):
            button.setEnabled(not offline and bool(button.property("complete")))
        self.status.setText(_(OFFLINE_NOTE if offline else _HINT))

    # -- searching ------------------------------------------------------------------------------------------
    def search(self) -> None:
        if self.offline:
            return
        text, sort = self.query.text().strip(), self.sort.currentData()
        self._search_id += 1
        search_id = self._search_id
        self.status.setText(
            _("Searching the Hub for “{text}”…").format(text=text) if text
            else _("Listing GGUF models on the Hub…")
        )
        self.search_button.setEnabled(False)
        config = self.config_factory()
        tasks.run(
            lambda: catalog.search(config, text, sort=sort),
            lambda found: self._results(search_id, found),
            lambda msg: self._failed(search_id, msg),
            owner=self,
            name="hub-search",
        )

    def _failed(self, search_id: int, message: str) -> None:
        if search_id == self._search_id:
            self.search_button.setEnabled(not self.offline)
            self.status.setText(message + _("\nModels already on this computer are still listed under Installed."))

    def _results(self, search_id: int, found: list[RepoSummary]) -> None:
        if search_id != self._search_id:
            return  # an older search answered late
        self.search_button.setEnabled(not self.offline)
        self.tree.clear()
        self.repos.clear()
        for repo in found:
            item = QTreeWidgetItem(
                [
                    repo.repo_id,
                    "",
                    "",
                    "gated: needs access" if repo.gated else "",
                    count_text(repo.downloads),
                    count_text(repo.likes),
                    repo.last_modified.strftime("%Y-%m-%d") if repo.last_modified else "",
                ]
            )
            item.setData(0, _REPO_ROLE, repo.repo_id)
            item.setToolTip(
                0, tip(f"{repo.repo_id} by {repo.author}" + (f" · license {repo.license}" if repo.license else ""))
            )
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.tree.addTopLevelItem(item)
            self.repos[repo.repo_id] = item
        many = ngettext("{n:,} repository", "{n:,} repositories", len(found)).format(n=len(found))
        self.status.setText(
            _("{many}. Open one to see its files.").format(many=many)
            if found
            else _("No GGUF repositories match. Try fewer words.")
        )
        self.searched.emit(found)

    # -- one repository -------------------------------------------------------------------------------------
    def open_repo(self, repo_id: str) -> None:
        """Expand a repository (listing its files)."""
        item = self.repos.get(repo_id)
        if item is not None:
            item.setExpanded(True)

    def _expanded(self, item: QTreeWidgetItem) -> None:
        repo_id = item.data(0, _REPO_ROLE)
        if not repo_id or item.childCount():
            return
        item.addChild(QTreeWidgetItem([_(_LOADING)]))
        config = self.config_factory()
        tasks.run(
            lambda: catalog.repo_files(config, repo_id),
            lambda files: self._files(repo_id, files),
            lambda msg: self._files_failed(repo_id, msg),
            owner=self,
            name="hub-files",
        )

    def _files_failed(self, repo_id: str, message: str) -> None:
        item = self.repos.get(repo_id)
        if item is None:
            return
        item.takeChildren()
        failed = QTreeWidgetItem([message])
        failed.setToolTip(0, tip(message))
        failed.setForeground(0, theme.qcolor("error_text"))
        item.addChild(failed)

    def _files(self, repo_id: str, files: RepoFiles) -> None:
        item = self.repos.get(repo_id)
        if item is None:
            return  # a new search replaced the results
        self.files[repo_id] = files
        item.takeChildren()
        models = files.models()
        if not models:
            item.addChild(QTreeWidgetItem(["This repository has no GGUF model files."]))
        for model in models:
            verdict = remote_fit(model.size, self.context_size, model.quant, files.parameters)
            child = QTreeWidgetItem(
                [
                    file_label(model),
                    model.quant or "?",
                    fit.human_size(model.size),
                    verdict.label + (" (close other programs)" if verdict.tight else ""),
                ]
            )
            child.setToolTip(0, tip("\n".join(p.path for p in model.parts)))
            child.setToolTip(3, tip(verdict.message))
            child.setForeground(3, theme.qcolor(VERDICT_COLOURS.get(verdict.verdict, "text")))
            item.addChild(child)
            button = QPushButton(_("Download"), self.tree)
            theme.set_icon(button, "download")
            button.setProperty("complete", model.complete)
            button.setEnabled(model.complete and not self.offline)
            button.clicked.connect(lambda _c=False, m=model: self.download.emit(m))
            self.tree.setItemWidget(child, len(COLUMNS) - 1, button)
        if files.gated:
            note = QTreeWidgetItem(
                [
                    "Gated: accept the conditions on the model's Hub page and save a token with "
                    "access before downloading (HF_TOKEN or the app's saved token)."
                ]
            )
            item.insertChild(0, note)
        self.files_listed.emit(repo_id, files)

    def file_items(self, repo_id: str) -> list[QTreeWidgetItem]:
        item = self.repos.get(repo_id)
        return [item.child(i) for i in range(item.childCount())] if item is not None else []

    def download_button(self, child: QTreeWidgetItem) -> QPushButton | None:
        return self.tree.itemWidget(child, len(COLUMNS) - 1)
