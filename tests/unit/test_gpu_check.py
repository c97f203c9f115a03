"""scripts/gpu_check.py on this machine: it reports what llama.cpp did, and fails when a GPU was expected but unused."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from desktop_gpt.engine import devices
from desktop_gpt.engine.devices import Device, SystemInfo

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_check.py"


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_which_gpu_is_expected(gpu_check, monkeypatch):
    monkeypatch.setattr(devices, "apple_silicon", lambda: False)
    cpu_only = SystemInfo(backends=["CPU"])
    assert gpu_check.expected_gpu("auto", cpu_only) is None
    nvidia = SystemInfo(backends=["CPU"], devices=[Device("GPU0", "RTX 3060", "gpu", 1, 1, False, "nvidia-smi")])
    assert gpu_check.expected_gpu("auto", nvidia) == "cuda"  # a GPU is there: a CPU build must not pass
    assert gpu_check.expected_gpu("auto", SystemInfo(backends=["CPU", "CUDA"])) == "cuda"
    assert gpu_check.expected_gpu("cpu", nvidia) is None and gpu_check.expected_gpu("metal", cpu_only) == "metal"


@pytest.mark.model
def test_asking_for_cuda_on_a_build_without_it_fails_honestly(gpu_check, capsys):
    if devices.detect().gpu_offload:
        pytest.skip("this machine's llama.cpp can offload to a GPU")
    code = gpu_check.main(["--expect", "cuda", "--tokens", "8", "--context", "512"])
    out, err = capsys.readouterr()
    report = json.loads(out.strip().splitlines()[-1])
    assert code == 1 and report["ok"] is False and report["problem"] == "no GPU backend"
    assert report["gpu"]["layers_offloaded"] == 0 and report["gpu"]["layers_total"] == 31
    assert report["gpu"]["reason"] == "no_gpu_build" and report["gpu"]["tokens"] > 0
    assert report["cpu"]["tokens_per_s"] > 0 and report["backends"] == devices.detect().backends
    assert "make install-cuda" in err and "FAILED" in err
