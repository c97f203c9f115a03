"""The status bar: model, backend, GPU layers, context used and speed of the last reply; loading progress."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from desktop_gpt.engine import offload
from desktop_gpt.engine.protocol import GenerationStats, ModelInfo


def _count(n: int) -> str:
    return f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M"


class _ClickableLabel(QLabel):
    """A label that opens something when clicked (the model name opens the model manager).

    Signals:
        clicked(): the label was clicked with the left button.
    """

    clicked = Signal()

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class ModelStatusBar(QStatusBar):
    """Shows what the engine is doing. Fed by EngineController signals.

    Signals:
        manage_models(): the model name was clicked (open the model manager).
    """

    manage_models = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model_label = _ClickableLabel("No model", self)
        self.model_label.clicked.connect(self.manage_models)
        self.backend_label = QLabel("", self)
        self.gpu_label = QLabel("", self)
        self.gpu_reason_label = QLabel("", self)  # why fewer layers than asked went to the GPU, in short
        self.gpu_reason_label.setObjectName("gpuReason")
        self.context_label = QLabel("", self)
        self.speed_label = QLabel("", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(True)
        self.progress.hide()
        for widget in (self.progress, self.model_label, self.backend_label, self.gpu_label, self.gpu_reason_label,
                       self.context_label, self.speed_label):
            self.addPermanentWidget(widget)
        self.info: ModelInfo | None = None

    def show_loading(self, fraction: float, stage: str) -> None:
        self.progress.show()
        self.progress.setValue(int(fraction * 100))
        self.progress.setFormat(f"{stage} %p%")
        self.model_label.setText("Loading model…")

    def show_model(self, info: ModelInfo) -> None:
        self.info = info
        self.progress.hide()
        quant = f" · {info.quantization}" if info.quantization else ""
        self.model_label.setText(f"{info.name}")
        self.model_label.setToolTip(
            f"{info.title or info.name}\n{info.architecture} · {_count(info.parameters)} parameters{quant}\n"
            f"Trained context {info.context_train or '?'} tokens · using {info.context_size}\n"
            f"Chat template: {info.template_source}"
            + (f" (fixed: {', '.join(info.template_fixes)})" if info.template_fixes else "")
            + f"\n{info.path}\n\nClick to manage models"
        )
        self.backend_label.setText(f"Backend: {info.backend}")
        self.backend_label.setToolTip("Backends in this llama.cpp build: " + ", ".join(info.backends_available))
        self.gpu_label.setText(f"GPU layers: {info.gpu_layers_label}")
        self.gpu_label.setToolTip(info.gpu_note or "Layers offloaded to the GPU, as llama.cpp reported them")
        short = offload.SHORT.get(info.gpu_reason, "")
        self.gpu_reason_label.setText(f"({short})" if short else "")
        self.gpu_reason_label.setToolTip(info.gpu_note)
        self.gpu_reason_label.setVisible(bool(short))
        self.context_label.setText(f"Context: 0/{info.context_size}")
        self.speed_label.setText("")

    def show_no_model(self) -> None:
        self.progress.hide()
        self.model_label.setText("No model")

    def show_stats(self, stats: GenerationStats) -> None:
        size = stats.context_size or (self.info.context_size if self.info else 0)
        self.context_label.setText(f"Context: {stats.context_used}/{size}")
        self.context_label.setToolTip(
            f"Prompt {stats.prompt_tokens} tokens, of which {stats.prompt_evaluated} were processed "
            f"({stats.prompt_tokens - stats.prompt_evaluated} reused from the cache)"
        )
        if stats.tokens_per_s:
            self.speed_label.setText(f"{stats.tokens_per_s:.1f} tok/s")
            self.speed_label.setToolTip(f"First token after {stats.ttft_s:.2f} s; {stats.completion_tokens} tokens")
