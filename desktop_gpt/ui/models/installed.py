"""The Installed tab: models on this computer (downloaded, Hugging Face cache, your folders) and what they are."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.models.fit import human_size, parameters_text
from desktop_gpt.models.library import InstalledModel, ModelLibrary
from desktop_gpt.ui import tasks
from desktop_gpt.ui import theme
from desktop_gpt.i18n import N_, _
from desktop_gpt.ui.widgets.safe_text import PlainLabel, ask, tip

COLUMNS = [N_("Model"), N_("Size"), N_("Architecture"), N_("Parameters"), N_("Quantization"), N_("Context"), N_("License"), N_("Found in"),
           N_("File")]


def row_values(model: InstalledModel, in_use: bool = False) -> list[str]:
    """What the table shows for one model (the same words the tests read)."""
    marks = [m for m, on in (("in use", in_use), ("default", model.is_default)) if on]
    name = model.name + (f"  ({', '.join(marks)})" if marks else "")
    return [name, human_size(model.size), model.architecture or "?", parameters_text(model.parameters),
            model.quantization or "?", f"{model.context_length:,}" if model.context_length else "?",
            model.license or "not stated", model.source_label, str(model.path)]


class InstalledPane(QWidget):
    """Installed models; scanning runs off the GUI thread.

    Signals:
        use(str): load this model file now (the manager checks it fits first).
        scanned(list): a scan finished (the InstalledModels, default first).
        message(str): something to tell the person (a deletion done, an error).
    """

    use = Signal(str)
    scanned = Signal(list)
    message = Signal(str)

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self.models: list[InstalledModel] = []
        self.in_use: str | None = None  # the path of the model loaded now
        self._scan_id = 0
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([_(c) if c else "" for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(max(30, self.fontMetrics().height() + 14))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.use_selected())
        self.detail = PlainLabel("", self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.use_button = QPushButton(_("Use now"), self)
        self.use_button.setToolTip(_("Load this model now; the model loaded at start stays as it is"))
        self.default_button = QPushButton(_("Set as default"), self)
        self.default_button.setToolTip(_("Load this model every time Desktop GPT starts"))
        self.delete_button = QPushButton(_("Delete"), self)
        self.folder_button = QPushButton(_("Show in folder"), self)
        self.add_folder_button = QPushButton(_("Add folder…"), self)
        self.refresh_button = QPushButton(_("Refresh"), self)
        self.use_button.clicked.connect(self.use_selected)
        self.default_button.clicked.connect(self.set_default_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.folder_button.clicked.connect(self.show_selected_in_folder)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for b in (self.use_button, self.default_button, self.delete_button, self.folder_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.add_folder_button)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        self._sync_buttons()

    # -- scanning -------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Scan again (models folder, Hugging Face cache, your folders) on a worker thread."""
        self._scan_id += 1
        scan_id = self._scan_id
        self.refresh_button.setEnabled(False)
        self.detail.setText(_("Looking for models…"))
        tasks.run(self.library.scan, lambda models: self._show(scan_id, models),
                  lambda text: self._failed(scan_id, text), owner=self, name="scan-models")

    def _failed(self, scan_id: int, text: str) -> None:
        if scan_id == self._scan_id:
            self.refresh_button.setEnabled(True)
            self.detail.setText(text)

    def _show(self, scan_id: int, models: list[InstalledModel]) -> None:
        if scan_id != self._scan_id:
            return  # a newer scan is on its way
        selected = self.selected()
        self.models = list(models)
        self.refresh_button.setEnabled(True)
        self.table.setRowCount(len(self.models))
        for row, model in enumerate(self.models):
            in_use = self._is_in_use(model)
            for col, text in enumerate(row_values(model, in_use)):
                item = QTableWidgetItem(text)
                if in_use:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if model.problem:
                    item.setForeground(theme.qcolor("error_text"))
                    item.setToolTip(tip(f"Cannot be used: {model.problem}"))
                elif col == len(COLUMNS) - 1:
                    item.setToolTip(tip(text))
                self.table.setItem(row, col, item)
        again = next((i for i, m in enumerate(self.models) if selected and m.path == selected.path), 0)
        if self.models:
            self.table.selectRow(again)
        else:
            self.detail.setText(
                _(
                    "No models found. Download one under Recommended or Search the Hub, or add a folder that "
                    "holds GGUF files."
                )
            )
        self._sync_buttons()
        self.scanned.emit(self.models)

    def _is_in_use(self, model: InstalledModel) -> bool:
        if not self.in_use:
            return False
        try:
            return Path(self.in_use).resolve() == Path(model.path).resolve()
        except OSError:
            return False

    def set_in_use(self, path: str | None) -> None:
        """Mark the model loaded now (its row in bold, "in use")."""
        self.in_use = path
        for row, model in enumerate(self.models):
            in_use = self._is_in_use(model)
            for col, text in enumerate(row_values(model, in_use)):
                item = self.table.item(row, col)
                if item is not None:
                    item.setText(text)
                    font = item.font()
                    font.setBold(in_use)
                    item.setFont(font)
        self._sync_buttons()

    # -- actions --------------------------------------------------------------------------------------------
    def selected(self) -> InstalledModel | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.models):
            return None
        return self.models[rows[0].row()]

    def select(self, path: str | Path) -> bool:
        for i, model in enumerate(self.models):
            if str(model.path) == str(path):
                self.table.selectRow(i)
                return True
        return False

    def _sync_buttons(self) -> None:
        model = self.selected()
        for b in (self.use_button, self.default_button, self.delete_button, self.folder_button):
            b.setEnabled(model is not None)
        if model is None:
            return
        self.use_button.setEnabled(model.usable and not self._is_in_use(model))
        self.default_button.setEnabled(model.usable and not model.is_default)
        self.delete_button.setText(_("Delete") if model.deletable else _("Remove from list"))
        self.delete_button.setToolTip(
            _("Delete the downloaded file")
            if model.deletable
            else _("Hide it here; the file is not ours to delete and stays where it is")
        )
        where = f"{model.source_label}: {model.path}"
        if model.repo_id:
            where += f" (from {model.repo_id})"
        self.detail.setText(_("Cannot be used: {problem}").format(problem=model.problem) if model.problem else where)

    def use_selected(self) -> None:
        model = self.selected()
        if model is not None and model.usable:
            self.use.emit(str(model.path))

    def set_default_selected(self) -> None:
        model = self.selected()
        if model is None:
            return
        try:
            self.library.set_default(model)
        except DesktopGPTError as exc:
            self.message.emit(str(exc))
            return
        self.message.emit(f"{model.name} will be loaded when Desktop GPT starts.")
        self.refresh()

    def delete_selected(self) -> None:
        model = self.selected()
        if model is None:
            return
        if model.deletable:
            question = f"Delete {model.name} ({human_size(model.size)})? The file is removed from this computer."
        else:
            question = f"Remove {model.name} from the list? The file stays at {model.path}."
        if not ask(self, "Models", question):
            return
        self.remove(model)

    def remove(self, model: InstalledModel) -> None:
        """Delete (downloaded) or hide (anything else) without asking: the button asks first."""
        try:
            self.message.emit(self.library.remove(model))
        except DesktopGPTError as exc:
            self.message.emit(str(exc))
        self.refresh()

    def show_selected_in_folder(self) -> None:
        model = self.selected()
        if model is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(model.path.parent)))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Add a folder with GGUF models"))
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        try:
            self.library.add_folder(folder)
        except DesktopGPTError as exc:
            self.message.emit(str(exc))
            return
        self.message.emit(_("Models in {folder} are listed (used where they are, not copied).").format(folder=folder))
        self.refresh()
