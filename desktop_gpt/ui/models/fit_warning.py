"""Warn before loading a model that will not fit in this computer's memory: load anyway, or cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_gpt import log
from desktop_gpt.engine import devices
from desktop_gpt.errors import DesktopGPTError
from desktop_gpt.models import fit
from desktop_gpt.models.library import estimate_file
from desktop_gpt.i18n import _

_log = log.get("ui.models")


def gpu_free() -> int | None:
    """Free GPU memory for the fit estimate: None when no GPU can be used (or the probe has not answered yet)."""
    system = devices.cached()
    if system is None or not system.gpu_offload:
        return None
    return system.gpu_memory_free


def local_fit(path: str | Path, context_size: int) -> fit.Fit | None:
    """The fit verdict for a model file on disk (all parts of a split model count); None if it cannot be read
    (loading will then say what is wrong with the file)."""
    try:
        estimate = estimate_file(path, context_size)
    except DesktopGPTError:
        return None
    return fit.fit_verdict(estimate, gpu_free=gpu_free())


def confirm_fit(parent: QWidget, path: str | Path, context_size: int, proceed: Callable[[], None]) -> QMessageBox | None:
    """Call ``proceed()`` at once when the model fits; otherwise open a warning and call it on "Load anyway".

    Returns the open warning (None when none was needed).
    """
    verdict = local_fit(path, context_size)
    if verdict is None or verdict.verdict != "too_large":
        proceed()
        return None
    _log.info("warning before loading %s: %s", path, verdict.message)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        _("This model may not fit"),
        _(
            "{name} is probably too large for this computer.\n\n{message}\n\nLoading it anyway "
            "may make the computer very slow while the model swaps to disk, or fail."
        ).format(name=Path(path).name, message=verdict.message),
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setObjectName("fitWarning")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the file name is data
    load = box.addButton(_("Load anyway"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.load_button = load

    def done(_result: int) -> None:
        if box.clickedButton() is load:
            proceed()
        box.deleteLater()

    box.finished.connect(done)
    box.open()
    return box
