"""The Recommended tab: the curated models, what each is good at, the memory it needs and whether it fits here."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.ui import theme
from desktop_gpt.models import fit
from desktop_gpt.models.catalog import Recommended, recommended
from desktop_gpt.ui.models.fit_warning import gpu_free
from desktop_gpt.i18n import N_, _
from desktop_gpt.ui.widgets.safe_text import tip

COLUMNS = [N_("Model"), N_("Good at"), N_("Languages"), N_("Download"), N_("RAM needed"), N_("On this computer"), ""]
VERDICT_COLOURS = {"gpu": "success_text", "ram": "info_text", "too_large": "error_text"}  # theme colours


def remote_fit(size: int, context_size: int, quant: str | None, parameters: int | None = None) -> fit.Fit:
    """The verdict for a file still on the Hub (a rule of thumb from its size; exact once downloaded)."""
    return fit.fit_verdict(fit.estimate_remote(size, context_size, quant=quant, parameters=parameters),
                           gpu_free=gpu_free())


def verdict_item(verdict: fit.Fit) -> QTableWidgetItem:
    label = verdict.label + (" (close other programs)" if verdict.tight else "")
    item = QTableWidgetItem(label)
    item.setToolTip(tip(verdict.message))
    item.setForeground(theme.qcolor(VERDICT_COLOURS.get(verdict.verdict, "text")))
    return item


class RecommendedPane(QWidget):
    """The curated list (desktop_gpt/resources/models/recommended.json), smallest first.

    Signals:
        download(object): the Recommended entry whose Download was pressed.
    """

    download = Signal(object)

    def __init__(self, context_size: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.context_size = context_size
        self.items: tuple[Recommended, ...] = recommended()
        self.offline = False
        self.installed_names: set[str] = set()
        intro = QLabel(
            _(
                "Chat models we suggest, from small and fast to large and capable. Models marked 中文 are strong "
                "in Chinese. The fit is estimated for this computer at your context size ({context_size:,} "
                "tokens)."
            ).format(context_size=context_size),
            self,
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self.items), len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([_(c) if c else "" for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(2, 190)  # the languages wrap in it instead of being cut off
        self.table.verticalHeader().setMinimumSectionSize(44)
        self.buttons: list[QPushButton] = []
        self.verdicts: list[fit.Fit] = []
        for row, rec in enumerate(self.items):
            chinese = " · 中文" if rec.chinese else ""
            cells = [
                f"{rec.name}\n{rec.parameters} · {rec.quant} · {rec.license}{chinese}",
                rec.good_at,
                ", ".join(rec.languages),
                fit.human_size(rec.size),
                fit.human_size(rec.ram),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip(f"{rec.repo_id} / {rec.file}" if col == 0 else text))
                self.table.setItem(row, col, item)
            verdict = remote_fit(rec.size, context_size, rec.quant)
            self.verdicts.append(verdict)
            self.table.setItem(row, 5, verdict_item(verdict))
            cell = QWidget(self.table)  # keeps the button its natural size inside a tall row
            button = QPushButton(_("Download"), cell)
            button.clicked.connect(lambda _c=False, r=rec: self.download.emit(r))
            box = QVBoxLayout(cell)
            box.setContentsMargins(8, 4, 8, 4)
            box.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
            self.buttons.append(button)
            self.table.setCellWidget(row, 6, cell)
        if self.buttons:  # wide enough for "Download" and "Installed" with their padding, never squeezed
            widest = max(self.buttons[0].fontMetrics().horizontalAdvance(t) for t in ("Download", "Installed"))
            self.table.setColumnWidth(6, widest + 56)
        self.table.resizeRowsToContents()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.table.resizeRowsToContents()  # the wrapped "Good at" text is measured at its real width

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.table.resizeRowsToContents()

    def set_installed(self, names: set[str]) -> None:
        """Mark the entries already on this computer."""
        self.installed_names = set(names)
        self._sync_buttons()

    def set_offline(self, offline: bool) -> None:
        """Downloads wait for offline mode to be turned off."""
        self.offline = offline
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        for rec, button in zip(self.items, self.buttons):
            have = rec.file in self.installed_names
            button.setText(_("Installed") if have else _("Download"))
            button.setEnabled(not have and not self.offline)
            button.setToolTip(_("Offline mode is on (File → Settings)") if self.offline and not have else "")
