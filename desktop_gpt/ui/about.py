"""Help → About: the version, the llama.cpp build, Qt and Python, where the data lives, and the Licences view."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPlainTextEdit, QPushButton, QSplitter, QVBoxLayout, QWidget)

from desktop_gpt import APP_NAME, __version__
from desktop_gpt.i18n import _
from desktop_gpt.licences import Component
from desktop_gpt.paths import AppPaths
from desktop_gpt.ui import tasks


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def build_facts(paths: AppPaths, system=None, running: str = "") -> list[tuple[str, str]]:
    """(label, value) rows, all plain text. ``system`` is the device probe's SystemInfo when it has answered."""
    llama = _version_of("llama_cpp_python") or (system.llama_cpp_version if system is not None else "")
    backends = ", ".join(system.backends) if system is not None and system.backends else _("checking…")
    frozen = bool(getattr(sys, "frozen", False))
    where = Path(sys.executable).resolve().parent if frozen else Path(__file__).resolve().parents[1]
    rows = [
        (_("Version"), __version__),
        ("llama.cpp", _("llama-cpp-python {version}; backends in this build: {backends}").format(
            version=llama or "?", backends=backends)),
        ("Qt", _("{qt} (PySide6 {pyside})").format(qt=qVersion(), pyside=_version_of("PySide6_Essentials")
                                                      or _version_of("PySide6") or "?")),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()}, {platform.machine()})"),
        (_("System"), platform.platform(terse=True)),
        (_("Installed as"), (_("a built app in {folder}") if frozen else _("a Python package in {folder}")).format(
            folder=where)),
        (_("Settings"), str(paths.config)),
        (_("Chats and models"), str(paths.data)),
        (_("Logs"), str(paths.logs)),
        (_("Cache"), str(paths.cache)),
    ]
    if running:
        rows.insert(2, (_("Model runs on"), running))
    return rows


def facts_text(facts: list[tuple[str, str]]) -> str:
    """The facts as lines of plain text, for a bug report."""
    return "\n".join(f"{label}: {value}" for label, value in [(APP_NAME, __version__), *facts])


class AboutDialog(QDialog):
    """What this copy of the app is and where it keeps things (``facts`` from build_facts); Licences… opens the
    bundled parts' licences."""

    def __init__(self, facts: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("About {app}").format(app=APP_NAME))
        self.facts = facts
        layout = QVBoxLayout(self)
        title = QLabel(f"{APP_NAME} {__version__}", self)
        title.setTextFormat(Qt.TextFormat.PlainText)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        blurb = QLabel(_("A private, offline GPT store on your own computer. Models run locally with llama.cpp; "
                         "nothing you type leaves this computer."), self)
        blurb.setTextFormat(Qt.TextFormat.PlainText)
        blurb.setWordWrap(True)
        layout.addWidget(blurb)
        form = QFormLayout()
        for label, value in self.facts:
            text = QLabel(value, self)
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label + ":", text)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.licences_button = QPushButton(_("Licences…"), self)
        self.copy_button = QPushButton(_("Copy details"), self)
        buttons.addButton(self.licences_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.licences_button.clicked.connect(self.show_licences)
        self.copy_button.clicked.connect(self.copy_details)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(facts_text(self.facts))

    def show_licences(self) -> LicencesDialog:
        dialog = LicencesDialog(self)
        dialog.open()
        return dialog


class LicencesDialog(QDialog):
    """The bundled parts and their licences: a list on the left, the chosen one's notice and licence text (plain
    text) on the right. The list is read off the GUI thread (metadata files, the model's header).

    Signals: none; ``components`` holds the list once read.
    """

    def __init__(self, parent: QWidget | None = None, load=None):
        super().__init__(parent)
        self.setWindowTitle(_("Licences"))
        self.resize(900, 600)
        self.components: list[Component] = []
        self.list = QListWidget(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(_("Reading the licences…"))
        split = QSplitter(self)
        split.addWidget(self.list)
        split.addWidget(self.text)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        intro = QLabel(_("{app} is made of these parts, each under its own licence.").format(app=APP_NAME), self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.list.currentRowChanged.connect(self._show)
        if load is None:
            from desktop_gpt import licences

            load = licences.load
        tasks.run(load, self._loaded, self._failed, owner=self, name="licences")

    def _loaded(self, components: list[Component]) -> None:
        self.components = list(components)
        for c in self.components:
            label = f"{c.name} {c.version} — {c.licence}" if c.version else f"{c.name} — {c.licence}"
            QListWidgetItem(label, self.list)
        if self.components:
            self.list.setCurrentRow(0)

    def _failed(self, message: str) -> None:
        self.text.setPlainText(_("The licences could not be read: {reason}").format(reason=message))

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.components):
            return
        c = self.components[row]
        parts = [f"{c.name} {c.version}".strip(), _("Licence: {licence}").format(licence=c.licence)]
        if c.homepage:
            parts.append(_("Source: {address}").format(address=c.homepage))
        if c.notice:
            parts += ["", c.notice]
        parts += ["", c.text or _("(No licence file ships with this part; its licence is named above.)")]
        self.text.setPlainText("\n".join(parts))
