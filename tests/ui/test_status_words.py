"""The status bar speaks to people: where the model runs in words, the technical details in the tooltip."""

from __future__ import annotations

from desktop_gpt.engine.devices import Device, SystemInfo
from desktop_gpt.engine.protocol import ModelInfo


def _info(**changes) -> ModelInfo:
    base = dict(path="/m/x.gguf", name="x", architecture="llama", parameters=135_000_000, quantization="Q4_1",
                file_size=1, context_train=8192, context_size=4096, has_chat_template=True, backend="CPU",
                backends_available=["CPU"], gpu_layers_requested=-1, gpu_layers_offloaded=0, layers_total=31)
    return ModelInfo(**(base | changes))


def test_running_on_words():
    from desktop_gpt.ui.status_bar import device_details, running_on

    assert running_on(_info()) == "Running on CPU"
    gpu = _info(backend="CUDA", backends_available=["CPU", "CUDA"], gpu_layers_offloaded=31)
    assert running_on(gpu, "NVIDIA GeForce RTX 4090") == "Running on GPU (NVIDIA GeForce RTX 4090)"
    assert running_on(gpu) == "Running on GPU (CUDA)"
    part = _info(backend="CUDA", gpu_layers_offloaded=12, gpu_note="Only 12 of 31 layers fit in GPU memory.")
    assert running_on(part, "RTX 3060") == "Running on GPU and CPU (RTX 3060: 12 of 31 layers on the GPU)"
    assert "Backend: CUDA · GPU layers: 12/31" in device_details(part)
    assert "Only 12 of 31 layers fit" in device_details(part)


def test_status_bar_names_the_gpu_from_the_probe_and_loading_text_is_not_in_the_bar(qtbot):
    from desktop_gpt.ui.status_bar import ModelStatusBar

    bar = ModelStatusBar()
    qtbot.addWidget(bar)
    bar.show_loading(0.02, "Opening the model file")
    assert bar.progress.text() == "2%"  # the words are beside the bar, where they have room
    assert bar.model_label.text() == "Loading the model: Opening the model file…"
    bar.show_model(_info(backend="CUDA", backends_available=["CPU", "CUDA"], gpu_layers_offloaded=31))
    assert bar.device_label.text() == "Running on GPU (CUDA)"
    bar.set_system(SystemInfo(backends=["CPU", "CUDA"], gpu_offload=True,
                              devices=[Device("CUDA0", "NVIDIA H200", "gpu", 2**37, 2**36)]))
    assert bar.device_label.text() == "Running on GPU (NVIDIA H200)"
