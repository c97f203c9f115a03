"""The status bar: the model, where it runs (in people's words; the technical details in the tooltip), context
used and speed of the last reply; loading progress."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from desktop_gpt.engine import offload
from desktop_gpt.engine.protocol import GenerationStats, ModelInfo
from desktop_gpt.i18n import _
from desktop_gpt.models.fit import parameters_text
from desktop_gpt.ui.widgets.safe_text import PlainLabel, tip


def running_on(info: ModelInfo, gpu_name: str = "") -> str:
    """ "Running on CPU", "Running on GPU (NVIDIA GeForce RTX 4090)", or "Running on GPU and CPU (…)"."""
    if not info.gpu_layers_offloaded or info.backend in offload.NOT_GPU_BACKENDS:
        return _("Running on CPU")
    what = gpu_name or info.backend
    if info.layers_total and info.gpu_layers_offloaded < info.layers_total:
        return _("Running on GPU and CPU ({what}: {gpu_layers_offloaded} of {layers_total} layers on the GPU)").format(
            what=what, gpu_layers_offloaded=info.gpu_layers_offloaded, layers_total=info.layers_total
        )
    return _("Running on GPU ({what})").format(what=what)


def device_details(info: ModelInfo) -> str:
    """The technical side of ``running_on``: backend, layers, and why fewer layers than asked (with what to do)."""
    lines = [f"Backend: {info.backend} · GPU layers: {info.gpu_layers_label}"]
    if info.gpu_note:
        lines.append(info.gpu_note)
    if info.backends_available:
        lines.append("Backends in this llama.cpp build: " + ", ".join(info.backends_available))
    return "\n".join(lines)


class _ClickableLabel(QLabel):
    """A label that opens something when clicked (the model name opens the model manager).

    Signals:
        clicked(): the label was clicked with the left button.
    """

    clicked = Signal()

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)  # the model's name comes from its file
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class ModelStatusBar(QStatusBar):
    """Shows what the engine is doing. Fed by EngineController signals.

    Signals:
        manage_models(): the model name was clicked (open the model manager).
        cancel_load(): the user cancelled the model load in progress.
    """

    manage_models = Signal()
    cancel_load = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model_label = _ClickableLabel(_("No model"), self)
        self.model_label.clicked.connect(self.manage_models)
        self.device_label = PlainLabel("", self)  # "Running on CPU"; backend, layers and reasons in its tooltip
        self.context_label = QLabel("", self)
        self.speed_label = QLabel("", self)
        self.serve_label = QLabel("", self)  # the window's local server: its address, and when it is answering
        self.serve_label.setObjectName("serveStatus")
        self.serve_label.hide()
        self._serve_address = ""
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setFixedWidth(120)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")  # the stage is said in words next to it, where it has room
        self.progress.hide()
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setToolTip(_("Stop loading this model"))
        self.cancel_button.clicked.connect(self.cancel_load)
        self.cancel_button.hide()
        for widget in (
            self.progress,
            self.cancel_button,
            self.model_label,
            self.device_label,
            self.context_label,
            self.speed_label,
            self.serve_label,
        ):
            self.addPermanentWidget(widget)
        self.info: ModelInfo | None = None
        self.gpu_name = ""  # what people call the GPU ("NVIDIA GeForce RTX 4090"), from the device probe

    def set_system(self, system) -> None:
        """The device probe's answer (engine.devices.SystemInfo): names the GPU in "Running on GPU (…)"."""
        gpus = system.gpu_devices if system is not None else []
        self.gpu_name = gpus[0].description if gpus else ""
        if self.info is not None:
            self.device_label.setText(running_on(self.info, self.gpu_name))

    def show_loading(self, fraction: float, stage: str) -> None:
        self.progress.show()
        self.cancel_button.show()
        self.progress.setValue(int(fraction * 100))
        self.model_label.setText(
            _("Loading the model: {stage}…").format(stage=stage) if stage else _("Loading the model…")
        )

    def show_model(self, info: ModelInfo) -> None:
        self.info = info
        self.progress.hide()
        self.cancel_button.hide()
        if info.server:
            self._show_server_model(info)
            return
        self.device_label.show()
        quant = f" · {info.quantization}" if info.quantization else ""
        self.model_label.setText(f"{info.name}")
        self.model_label.setToolTip(
            tip(
                _("{title}\n{architecture} · {parameters} parameters{quant}\nTrained context {trained} tokens · "
                  "using {size}\nChat template: {template}").format(
                    title=info.title or info.name, architecture=info.architecture,
                    parameters=parameters_text(info.parameters), quant=quant, trained=info.context_train or "?",
                    size=info.context_size, template=info.template_source)
                + (_(" (fixed: {fixes})").format(fixes=", ".join(info.template_fixes)) if info.template_fixes else "")
                + f"\n{info.path}\n\n" + _("Click to manage models")
            )
        )
        self.device_label.setText(running_on(info, self.gpu_name))
        self.device_label.setToolTip(tip(device_details(info) + "\n\nMore in Help → About"))
        self.context_label.setText(_("Context: 0/{context_size}").format(context_size=info.context_size))
        self.speed_label.setText("")

    def _show_server_model(self, info: ModelInfo) -> None:
        self.model_label.setText(_("Server: {host} · {model}").format(host=info.server, model=info.name))
        self.model_label.setToolTip(tip(_("The model runs on the server at {host}.\nContext {size} tokens\n\n"
                                          "Settings → Engine changes it").format(host=info.server,
                                                                                size=info.context_size)))
        self.device_label.hide()  # the server's hardware is the server's business
        self.context_label.setText(_("Context: 0/{context_size}").format(context_size=info.context_size))
        self.speed_label.setText("")

    def show_serving(self, address: str) -> None:
        """The window's local server is at ``address`` ("" when it is off)."""
        self._serve_address = address
        self.serve_label.setText(_("Serving at {address}").format(address=address) if address else "")
        self.serve_label.setToolTip(_("Other programs on this computer can use the model here (OpenAI API)"))
        self.serve_label.setVisible(bool(address))

    def show_engine_user(self, who: str) -> None:
        """Say when the local server is using the engine for another program."""
        if not self._serve_address:
            return
        self.serve_label.setText(_("Answering another program…") if who == "server"
                                 else _("Serving at {address}").format(address=self._serve_address))

    def show_no_model(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.model_label.setText(_("No model"))

    def show_load_ended(self) -> None:
        """A load failed or was cancelled: back to the model that is still loaded, if any."""
        self.progress.hide()
        self.cancel_button.hide()
        self.model_label.setText(self.info.name if self.info is not None else _("No model"))
        if self.info is not None and self.info.server:
            self._show_server_model(self.info)

    def show_stats(self, stats: GenerationStats) -> None:
        size = stats.context_size or (self.info.context_size if self.info else 0)
        self.context_label.setText(
            _("Context: {context_used}/{size}").format(context_used=stats.context_used, size=size)
        )
        self.context_label.setToolTip(
            _(
                "Prompt {prompt_tokens} tokens, of which {prompt_evaluated} were processed ({prompt_tokens2} "
                "reused from the cache)"
            ).format(
                prompt_tokens=stats.prompt_tokens,
                prompt_evaluated=stats.prompt_evaluated,
                prompt_tokens2=stats.prompt_tokens - stats.prompt_evaluated,
            )
        )
        if stats.tokens_per_s:
            self.speed_label.setText(_("{tokens_per_s:.1f} tok/s").format(tokens_per_s=stats.tokens_per_s))
            self.speed_label.setToolTip(
                _("First token after {ttft_s:.2f} s; {completion_tokens} tokens").format(
                    ttft_s=stats.ttft_s, completion_tokens=stats.completion_tokens
                )
            )
        else:
            self.speed_label.setText("")

    def show_chat_stats(self, stats: GenerationStats | None) -> None:
        """The figures of the chat on screen; a chat with no reply yet shows an empty context and no speed."""
        if stats is not None:
            self.show_stats(stats)
            return
        size = self.info.context_size if self.info else 0
        self.context_label.setText(_("Context: 0/{size}").format(size=size) if size else "")
        self.context_label.setToolTip("")
        self.speed_label.setText("")
        self.speed_label.setToolTip("")
