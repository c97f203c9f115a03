"""Why fewer layers went to the GPU than asked: each reason, as the status bar and settings show it."""

from __future__ import annotations

import pytest

from desktop_gpt.engine import offload
from desktop_gpt.engine.offload import explain


def test_everything_as_asked_says_nothing():
    report = explain(-1, 31, 31, backends=["CPU", "CUDA"], gpu_usable=True)
    assert report.reason == offload.NONE and report.message == "" and report.short == ""
    assert explain(31, 31, 31, backends=["CPU", "CUDA"], gpu_usable=True).reason == offload.NONE


def test_cpu_only_chosen():
    report = explain(0, 0, 31, backends=["CPU", "CUDA"], gpu_usable=True)
    assert report.reason == offload.CPU_CHOSEN
    assert "CPU only" in report.message and report.short == "CPU only (your choice)"


@pytest.mark.parametrize("requested", [-1, 20])
def test_cpu_build_says_how_to_get_a_gpu_build(requested):
    report = explain(requested, 0, 31, backends=["CPU"], gpu_usable=False)
    assert report.reason == offload.NO_GPU_BUILD
    assert "built for the CPU only" in report.message and "make install-cuda" in report.message
    assert explain(requested, 0, 31, backends=["BLAS", "CPU"]).reason == offload.NO_GPU_BUILD  # BLAS is no GPU


def test_gpu_build_without_a_gpu():
    report = explain(-1, 0, 31, backends=["CPU", "CUDA"], gpu_usable=False)
    assert report.reason == offload.NO_GPU_DEVICE
    assert "CUDA" in report.message and "driver" in report.message


def test_out_of_gpu_memory_names_the_numbers():
    report = explain(-1, 12, 33, backends=["CPU", "CUDA"], gpu_usable=True, out_of_memory=True)
    assert report.reason == offload.OUT_OF_MEMORY
    assert "Only 12 of 33 layers fit in GPU memory" in report.message
    assert report.short == "out of GPU memory"


def test_fewer_for_no_reason_the_log_gave():
    report = explain(-1, 12, 33, backends=["CPU", "Vulkan"], gpu_usable=True)
    assert report.reason == offload.UNKNOWN and "12 of 33" in report.message


def test_model_has_fewer_layers_than_asked():
    report = explain(40, 31, 31, backends=["CPU", "Metal"], gpu_usable=True)
    assert report.reason == offload.MODEL_HAS_FEWER
    assert "All 31 layers are on the GPU" in report.message and "40" in report.message


def test_user_chose_fewer_layers():
    report = explain(10, 10, 31, backends=["CPU", "CUDA"], gpu_usable=True)
    assert report.reason == offload.USER_CHOSE_FEWER
    assert "10 of the model's 31 layers" in report.message and report.short == "your choice"


def test_asked_for_some_but_got_fewer_out_of_memory():
    report = explain(20, 8, 31, backends=["CPU", "CUDA"], gpu_usable=True, out_of_memory=True)
    assert report.reason == offload.OUT_OF_MEMORY and "Only 8 of 20" in report.message


def test_build_hints_only_in_a_source_checkout(monkeypatch):
    import sys

    from desktop_gpt import install

    install.is_source_install.cache_clear()
    assert install.is_source_install()  # the tests run from a checkout
    assert "make install-cuda" in offload.rebuild_help()
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # a PyInstaller bundle sets sys.frozen
    install.is_source_install.cache_clear()
    try:
        assert not install.is_source_install()
        report = offload.explain(-1, 0, 30, backends=["CPU"])
        assert "make" not in report.message and "install a build of Desktop GPT" in report.message
    finally:
        monkeypatch.undo()
        install.is_source_install.cache_clear()
