"""Backend and device detection: the real probe on this machine, and the parsing it relies on."""

from __future__ import annotations

from desktop_gpt.engine import devices
from desktop_gpt.engine.devices import Device, SystemInfo


def test_detection_reports_this_machine_honestly():
    """The real probe (a worker process asking llama.cpp). On a CPU build it must say CPU, with no GPU memory."""
    info = devices.detect(refresh=True)
    assert info.error == ""
    assert info.llama_cpp_version.startswith("0.")
    assert "CPU" in info.backends
    cpu = [d for d in info.devices if d.kind == "cpu"]
    assert cpu and cpu[0].memory_total > 0
    assert info.ram_total > 0 and 0 < info.ram_available <= info.ram_total
    assert info.gpu_offload == bool(info.gpu_backend and info.gpu_devices)
    if info.gpu_backend is None:  # a CPU build, like the one `make install` builds
        assert not info.gpu_offload and info.gpu_memory_free == 0 and info.gpu_memory_total == 0
        assert "CPU only" in info.summary()
        assert "built for the CPU only" in info.no_gpu_reason() and "make install-cuda" in info.no_gpu_reason()
    else:
        assert info.gpu_memory_total > 0 and info.no_gpu_reason() == ""
    assert devices.cached() is info and devices.detect() is info  # probed once, then cached


def test_nvidia_smi_output_is_parsed_in_bytes():
    text = "NVIDIA GeForce RTX 4090, 24564, 23012\nNVIDIA H100 80GB HBM3, 81559, 80000\n\n"
    found = devices.parse_nvidia_smi(text)
    assert [d.description for d in found] == ["NVIDIA GeForce RTX 4090", "NVIDIA H100 80GB HBM3"]
    assert found[0].memory_total == 24564 * 2**20 and found[0].memory_free == 23012 * 2**20
    assert all(d.kind == "gpu" and not d.usable and d.source == "nvidia-smi" for d in found)
    assert devices.parse_nvidia_smi("No devices were found\n") == []


def test_a_gpu_next_to_a_cpu_build_is_named_but_not_counted():
    cpu = Device("CPU", "AMD EPYC", "cpu", 32 * 2**30, 30 * 2**30)
    smi = devices.parse_nvidia_smi("NVIDIA GeForce RTX 3060, 12288, 11000")
    info = SystemInfo(backends=["CPU"], devices=devices.merge_nvidia([cpu], smi), ram_total=1, ram_available=1)
    assert info.gpu_memory_free == 0 and info.gpu_devices == []
    assert "NVIDIA GeForce RTX 3060" in info.no_gpu_reason() and "make install-cuda" in info.no_gpu_reason()


def test_cuda_build_with_a_gpu():
    gpu = Device("CUDA0", "NVIDIA GeForce RTX 4090", "gpu", 24 * 2**30, 20 * 2**30)
    smi = devices.parse_nvidia_smi("NVIDIA GeForce RTX 4090, 24564, 23012")
    info = SystemInfo(backends=["CPU", "CUDA"], gpu_offload=True, devices=devices.merge_nvidia([gpu], smi))
    assert len(info.devices) == 1  # nvidia-smi's view is not added twice
    assert info.gpu_backend == "CUDA" and info.gpu_memory_free == 20 * 2**30
    assert info.no_gpu_reason() == "" and info.summary() == "CUDA: NVIDIA GeForce RTX 4090 (21.5 GB of 25.8 GB free)"
    again = SystemInfo.from_dict(info.to_dict())
    assert again == info


def test_cuda_build_without_a_driver_and_a_failed_probe():
    assert "no usable GPU was found" in SystemInfo(backends=["CPU", "CUDA"]).no_gpu_reason()
    failed = SystemInfo(backends=["CPU"], error="llama.cpp could not be loaded (libcuda.so.1: cannot open)")
    assert failed.no_gpu_reason().startswith("The GPU could not be checked: llama.cpp could not be loaded")
