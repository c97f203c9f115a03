"""The settings a person changes most: model loading and the default reply style."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt.engine.client import physical_cores
from desktop_gpt.engine.devices import SystemInfo
from desktop_gpt.engine.states import folder_size
from desktop_gpt.paths import app_paths
from desktop_gpt.settings import Settings
from desktop_gpt.ui.appearance_settings import AppearanceBox
from desktop_gpt.ui.engine_settings import EngineSettingsBox
from desktop_gpt.ui.gpu_controls import GpuControls
from desktop_gpt.ui.store.hub_settings import HubSettingsBox
from desktop_gpt.ui.widgets.safe_text import warn
from desktop_gpt.i18n import _


class SettingsDialog(QDialog):
    """Edits a Settings object; ``apply()`` writes the values back and says whether the model must reload.

    ``system`` (the device probe) disables the GPU controls, with the reason, on a build without a GPU backend;
    ``layers_total`` (the loaded model's layer count) is the GPU-layers slider's maximum.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None, system: SystemInfo | None = None,
                 layers_total: int = 0):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(_("Settings"))
        s = settings

        self.context = QSpinBox(self)
        self.context.setRange(256, 1_048_576)
        self.context.setSingleStep(1024)
        self.context.setValue(s.context_size)
        self.context.setSuffix(_(" tokens"))
        self.gpu = GpuControls(s.gpu_layers, layers_total, system, self)
        self.gpu_mode, self.gpu_layers = self.gpu.mode, self.gpu.slider
        self.threads = QSpinBox(self)
        self.threads.setRange(0, 512)
        self.threads.setSpecialValueText(
            _("Automatic ({physical_cores} physical cores)").format(physical_cores=physical_cores())
        )
        self.threads.setValue(s.threads)
        self.resume_cache = QSpinBox(self)
        self.resume_cache.setRange(0, 1_048_576)
        self.resume_cache.setSingleStep(512)
        self.resume_cache.setSuffix(_(" MB"))
        self.resume_cache.setSpecialValueText(_("Off"))
        self.resume_cache.setValue(s.resume_cache_mb)
        used = folder_size(app_paths().states) / (1024 * 1024)
        self.resume_cache.setToolTip(_("Long chats reopen without processing their history again: the model's "
                                       "state of recently used chats is kept on disk, up to this size (now "
                                       "{used:.0f} MB). 0 turns it off.").format(used=used))

        model_box = QGroupBox(_("Model"), self)
        form = QFormLayout(model_box)
        form.addRow(_("Context size:"), self.context)
        form.addRow(_("GPU offload:"), self.gpu)
        form.addRow(_("CPU threads:"), self.threads)
        form.addRow(_("Saved chat states:"), self.resume_cache)

        self.temperature = self._double(0, 2, 0.05, s.temperature)
        self.top_p = self._double(0, 1, 0.05, s.top_p)
        self.top_k = QSpinBox(self)
        self.top_k.setRange(0, 1000)
        self.top_k.setValue(s.top_k)
        self.repeat_penalty = self._double(1, 2, 0.05, s.repeat_penalty)
        self.max_tokens = QSpinBox(self)
        self.max_tokens.setRange(1, 8192)
        self.max_tokens.setValue(s.max_tokens)
        self.system_prompt = QPlainTextEdit(s.system_prompt, self)
        self.system_prompt.setFixedHeight(80)
        reply_box = QGroupBox(_("Replies"), self)
        form2 = QFormLayout(reply_box)
        form2.addRow(_("Temperature:"), self.temperature)
        form2.addRow(_("Top-p:"), self.top_p)
        form2.addRow(_("Top-k:"), self.top_k)
        form2.addRow(_("Repeat penalty:"), self.repeat_penalty)
        form2.addRow(_("Longest reply:"), self.max_tokens)
        form2.addRow(_("System prompt of new chats:"), self.system_prompt)

        note = QLabel(_("Model settings take effect when the model reloads (now, on Save)."), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # The boxes scroll (they are taller than a laptop's screen); the note and the buttons stay in view.
        page = QWidget(self)
        boxes = QVBoxLayout(page)
        self.appearance = AppearanceBox(s, page)
        self.language_changed = self.theme_changed = False
        boxes.addWidget(self.appearance)
        boxes.addWidget(model_box)
        boxes.addWidget(reply_box)
        self.engine = EngineSettingsBox(s, page)
        boxes.addWidget(self.engine)
        self.hub = HubSettingsBox(s, page)
        boxes.addWidget(self.hub)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._fit_screen(page)

    def _fit_screen(self, page: QWidget) -> None:
        """As tall as the settings need, but no taller than the screen (the rest scrolls)."""
        screen = (self.parentWidget() or self).screen()
        available = screen.availableGeometry().height() if screen is not None else 800
        hint = page.sizeHint()
        self.resize(hint.width() + 40, min(hint.height() + 120, int(available * 0.9)))

    def accept(self) -> None:
        problem = self.engine.save_key() or self.hub.save_token()
        if problem:
            warn(self, _("Settings"), problem)
            return
        super().accept()

    def _double(self, lo: float, hi: float, step: float, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setDecimals(2)
        box.setValue(value)
        return box

    def gpu_value(self):
        return self.gpu.value()

    def apply(self) -> bool:
        """Copy the dialog into the settings; True when the model has to be reloaded."""
        s = self.settings
        before = (s.context_size, s.gpu_layers, s.threads, s.resume_cache_mb)
        s.set("context_size", self.context.value())
        s.set("gpu_layers", self.gpu_value())
        s.set("threads", self.threads.value())
        s.set("resume_cache_mb", self.resume_cache.value())
        s.set("temperature", round(self.temperature.value(), 2))
        s.set("top_p", round(self.top_p.value(), 2))
        s.set("top_k", self.top_k.value())
        s.set("repeat_penalty", round(self.repeat_penalty.value(), 2))
        s.set("max_tokens", self.max_tokens.value())
        s.set("system_prompt", self.system_prompt.toPlainText())
        self.hub.apply()
        self.language_changed, self.theme_changed = self.appearance.apply()
        self.engine_changed, self.serving_changed = self.engine.apply()
        return before != (s.context_size, s.gpu_layers, s.threads, s.resume_cache_mb)
