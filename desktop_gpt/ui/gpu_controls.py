"""The GPU offload controls of the settings dialog: Auto / CPU only / a number of layers on a slider."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from desktop_gpt.engine.devices import SystemInfo
from desktop_gpt.i18n import _
from desktop_gpt.ui.widgets.safe_text import PlainLabel

AUTO, CPU, LAYERS = range(3)
UNKNOWN_LAYERS_MAX = 200  # the slider's end when no model is loaded to say how many layers it has


class GpuControls(QWidget):
    """Edits the ``gpu_layers`` setting ("auto", "cpu" or N).

    Without a usable GPU backend the mode and slider are disabled and ``reason`` says why and what to do; the
    saved value is kept as it was (a CPU build then simply runs on the CPU).
    """

    def __init__(self, value: Any, layers_total: int = 0, system: SystemInfo | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.original = value
        self.layers_total = layers_total
        self.mode = QComboBox(self)
        self.mode.addItems([_("Auto (all layers on the GPU when one is usable)"), _("CPU only"), _("Choose layers")])
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, layers_total or UNKNOWN_LAYERS_MAX)
        self.slider.setPageStep(4)
        self.count = QLabel(self)
        self.count.setMinimumWidth(110)
        self.system_label = PlainLabel("", self)
        self.system_label.setWordWrap(True)
        self.system_label.setObjectName("gpuSystem")
        self.reason = PlainLabel("", self)
        self.reason.setWordWrap(True)
        self.reason.setObjectName("gpuReason")
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason.hide()

        if value == "auto":
            self.mode.setCurrentIndex(AUTO)
        elif value == "cpu":
            self.mode.setCurrentIndex(CPU)
        else:
            self.mode.setCurrentIndex(LAYERS)
            self.slider.setValue(min(int(value), self.slider.maximum()))
        self.mode.currentIndexChanged.connect(self._sync)
        self.slider.valueChanged.connect(self._sync)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode)
        layout.addLayout(row)
        layout.addWidget(self.system_label)
        layout.addWidget(self.reason)
        self.set_system(system)

    @property
    def gpu_available(self) -> bool | None:
        """True/False once the probe has answered; None while it has not."""
        return None if self.system is None else self.system.gpu_offload

    def set_system(self, system: SystemInfo | None) -> None:
        """Show what the probe found; disable the controls, with the reason, when no GPU can be used."""
        self.system = system
        if system is None:
            self.system_label.setText(_("Checking the GPU…"))
        else:
            self.system_label.setText(system.summary())
        usable = system is None or system.gpu_offload
        self.mode.setEnabled(usable)
        self.reason.setVisible(not usable)
        self.reason.setText("" if usable else system.no_gpu_reason())
        # A word-wrapped label in a form is given the height of a wide layout; reserve the lines it really needs.
        lines = self.reason.fontMetrics().boundingRect(QRect(0, 0, 360, 10_000), Qt.TextFlag.TextWordWrap,
                                                       self.reason.text())
        self.reason.setMinimumHeight(lines.height() + 4 if not usable else 0)
        self._sync()

    def _sync(self) -> None:
        layers = self.mode.currentIndex() == LAYERS
        self.slider.setEnabled(layers and self.mode.isEnabled())
        total = self.layers_total
        if layers:
            text = _("{value} of {total} layers") if total else _("{value} layers")
            self.count.setText(text.format(value=self.slider.value(), total=total))
        elif self.mode.currentIndex() == AUTO:
            self.count.setText(_("all of {total} layers").format(total=total) if total else _("all layers"))
        else:
            self.count.setText(_("0 layers"))

    def value(self) -> Any:
        """The setting's new value. While the controls are disabled (no GPU) the saved value stays as it was."""
        if not self.mode.isEnabled():
            return self.original
        return ["auto", "cpu", self.slider.value()][self.mode.currentIndex()]
