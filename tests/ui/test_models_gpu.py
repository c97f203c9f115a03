"""GPU settings, the offload reason in the status bar, the Models menu, and the warning before a model that won't fit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_gpt.engine import devices
from desktop_gpt.engine.devices import Device, SystemInfo
from tests.ui.conftest import LOAD_TIMEOUT_MS

CUDA = SystemInfo(backends=["CPU", "CUDA"], gpu_offload=True, ram_total=32 * 2**30, ram_available=30 * 2**30,
                  devices=[Device("CUDA0", "NVIDIA GeForce RTX 4090", "gpu", 24 * 2**30, 22 * 2**30)])


def _dialog(qtbot, settings, **kwargs):
    from desktop_gpt.ui.app import create_app
    from desktop_gpt.ui.settings_dialog import SettingsDialog

    create_app([])
    dialog = SettingsDialog(settings, None, **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def test_gpu_layers_slider_saves_and_loads(qtbot):
    from desktop_gpt.settings import load_settings, save_settings

    settings = load_settings().settings
    dialog = _dialog(qtbot, settings, system=CUDA, layers_total=31)
    gpu = dialog.gpu
    assert gpu.mode.isEnabled() and not gpu.reason.isVisible()
    assert gpu.system_label.text().startswith("CUDA: NVIDIA GeForce RTX 4090 (23.6 GB of 25.8 GB free)")
    assert gpu.count.text() == "all of 31 layers" and not gpu.slider.isEnabled()  # Auto by default
    gpu.mode.setCurrentIndex(2)
    assert gpu.slider.isEnabled() and gpu.slider.maximum() == 31
    gpu.slider.setValue(20)
    assert gpu.count.text() == "20 of 31 layers"
    assert dialog.apply() is True  # a new layer count needs the model reloaded
    save_settings(settings)
    assert load_settings().settings.gpu_layers == 20
    again = _dialog(qtbot, load_settings().settings, system=CUDA, layers_total=31)
    assert again.gpu.mode.currentIndex() == 2 and again.gpu.slider.value() == 20
    again.gpu.mode.setCurrentIndex(1)
    assert again.gpu.count.text() == "0 layers" and not again.gpu.slider.isEnabled()
    again.apply()
    assert again.settings.gpu_layers == "cpu"


def test_gpu_controls_are_disabled_with_the_reason_on_this_cpu_build(qtbot):
    system = devices.detect()
    if system.gpu_offload:
        pytest.skip("this machine's llama.cpp build can use a GPU")
    from desktop_gpt.settings import load_settings

    settings = load_settings().settings
    settings.gpu_layers = 12
    dialog = _dialog(qtbot, settings, system=system, layers_total=31)
    gpu = dialog.gpu
    assert not gpu.mode.isEnabled() and not gpu.slider.isEnabled()
    assert not gpu.reason.isHidden() and "built for the CPU only" in gpu.reason.text()
    assert "make install-cuda" in gpu.reason.text()
    assert gpu.system_label.text().startswith("CPU only")
    assert dialog.apply() is False and settings.gpu_layers == 12  # the saved choice is kept as it was


def test_gpu_controls_wait_for_the_probe(qtbot):
    from desktop_gpt.settings import Settings

    dialog = _dialog(qtbot, Settings(), system=None)
    assert dialog.gpu.system_label.text() == "Checking the GPU…" and dialog.gpu.mode.isEnabled()
    dialog.gpu.set_system(SystemInfo(backends=["CPU"], ram_total=2**33, ram_available=2**32))
    assert not dialog.gpu.mode.isEnabled() and "built for the CPU only" in dialog.gpu.reason.text()


@pytest.mark.model
def test_status_bar_says_why_no_layers_went_to_the_gpu(make_window):
    window = make_window()
    status = window.status
    system = devices.detect()
    info = window.controller.info
    tip = status.device_label.toolTip()
    assert f"GPU layers: {info.gpu_layers_offloaded}/{info.layers_total}" in tip
    if system.gpu_backend is None:  # a CPU build: honest about it, and says what to do (this is a source checkout)
        assert info.gpu_reason == "no_gpu_build"
        assert status.device_label.text() == "Running on CPU"
        assert "make install-cuda" in tip and "make install-cuda" in window.about_text()
    else:
        assert info.gpu_reason == "" and status.device_label.text().startswith("Running on GPU")


@pytest.mark.model
def test_models_menu_and_status_bar_open_the_manager(qtbot, make_window):
    window = make_window()
    action = window.models.action
    assert action.shortcut().toString() == "Ctrl+M" and action.text() == "&Manage models…"
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Models" in menus
    qtbot.mouseClick(window.status.model_label, Qt.MouseButton.LeftButton)
    manager = window.models.manager
    assert manager is not None and manager.isVisible() and manager.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: bool(manager.installed.models), timeout=LOAD_TIMEOUT_MS)
    assert manager.installed.models[0].is_default


@pytest.mark.model
def test_warning_before_loading_a_model_too_large_for_this_computer(qtbot, make_window, monkeypatch, bundled_model):
    from desktop_gpt.models import fit

    window = make_window()
    # Faked: a computer with 64 MB of RAM, so the 98 MB model cannot fit. Nothing else can make RAM this small.
    monkeypatch.setattr(fit, "system_memory", lambda: fit.SystemMemory(total=64 * 10**6, available=32 * 10**6))
    loads = []
    window.controller.loading.connect(lambda *_: loads.append(1))
    box = window.models.use(str(bundled_model))
    assert box is not None and box.isVisible()
    assert "probably too large" in box.text() and "Too large for this computer" in box.text()
    assert "64.0 MB of RAM" in box.text()
    box.button(box.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not box.isVisible())
    assert not loads and not window.controller.busy  # cancelled: nothing was loaded
    box = window.models.use(str(bundled_model))
    with qtbot.waitSignal(window.controller.loaded, timeout=LOAD_TIMEOUT_MS):
        box.load_button.click()
    monkeypatch.undo()
    assert window.models.use(str(bundled_model)) is None  # it fits: no question asked
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=LOAD_TIMEOUT_MS)
