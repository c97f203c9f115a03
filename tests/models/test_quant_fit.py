"""Quantization labels from file names, split-model grouping, picking a file, and the memory fit estimate."""

from __future__ import annotations

import types

import pytest

from desktop_gpt.errors import FileNotOnHub, ToolInputError
from desktop_gpt.models.catalog import RepoFiles, pick
from desktop_gpt.models.fit import GiB, SystemMemory, estimate_local, estimate_remote, fit_verdict, human_size
from desktop_gpt.models.gguf import read_gguf
from desktop_gpt.models.quant import HubFile, group_files, parse_quant, shard_name
from tests.models.helpers import gguf_bytes


@pytest.mark.parametrize("name, quant", [
    ("qwen2.5-7b-instruct-q4_k_m.gguf", "Q4_K_M"),
    ("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", "Q4_K_M"),
    ("Llama-3.2-1B-Instruct-Q8_0.gguf", "Q8_0"),
    ("Meta-Llama-3.1-8B-Instruct-IQ2_XXS.gguf", "IQ2_XXS"),
    ("mistral-7b-instruct-v0.2.Q5_K_S.gguf", "Q5_K_S"),
    ("Phi-3.5-mini-instruct-Q4_0_4_4.gguf", "Q4_0_4_4"),
    ("model_IQ4_NL.gguf", "IQ4_NL"),
    ("gemma-2-2b-it-f16.gguf", "F16"),
    ("gemma-2-2b-it-BF16.gguf", "BF16"),
    ("tiny.fp32.gguf", "F32"),
    ("DeepSeek-R1-UD-Q2_K_XL.gguf", "Q2_K_XL"),
    ("Qwen3-30B-A3B-Q3_K_L.gguf", "Q3_K_L"),
    ("subdir/Yi-1.5-6B-Chat-Q6_K.gguf", "Q6_K"),
    ("ggml-model-q4_1.gguf", "Q4_1"),
    ("Qwen2.5-7B-Instruct.gguf", None),
    ("qwen2-0_5b.gguf", None),
])
def test_quant_label_from_the_file_name(name, quant):
    assert parse_quant(name) == quant


def test_split_parts_group_into_one_entry_with_the_total_size():
    files = [HubFile(f"q/m-Q4_K_M-{i:05d}-of-00003.gguf", 100 * i, f"{i:064x}") for i in (3, 1, 2)]
    files += [HubFile("q/m-Q8_0-00001-of-00002.gguf", 500), HubFile("m-Q2_K.gguf", 50), HubFile("README.md", 5),
              HubFile("mmproj-m-f16.gguf", 20)]
    grouped = group_files("acme/m", "c0ffee", files)

    assert [g.name for g in grouped] == ["m-Q2_K.gguf", "m-Q8_0-00001-of-00002.gguf",
                                         "m-Q4_K_M-00001-of-00003.gguf", "mmproj-m-f16.gguf"]
    q2, q8, q4, proj = grouped
    assert q4.quant == "Q4_K_M" and q4.size == 600 and q4.sharded and q4.complete
    assert [p.path for p in q4.parts] == [f"q/m-Q4_K_M-{i:05d}-of-00003.gguf" for i in (1, 2, 3)]
    assert q4.path == "q/m-Q4_K_M-00001-of-00003.gguf"
    assert q8.missing == (2,) and not q8.complete and q8.sharded
    assert not q2.sharded and q2.quant == "Q2_K"
    assert proj.projector
    assert shard_name("a/b-00002-of-00010.gguf").count == 10


def test_pick_by_quant_file_or_default():
    files = group_files("acme/m", "c", [HubFile("m-Q4_K_M.gguf", 10), HubFile("m-Q8_0.gguf", 20),
                                       HubFile("x-Q8_0.gguf", 30)])
    repo = RepoFiles("acme/m", "c", tuple(files))
    assert pick(repo).name == "m-Q4_K_M.gguf"
    assert pick(repo, quant="q4_k_m").name == "m-Q4_K_M.gguf"
    assert pick(repo, filename="x-Q8_0.gguf").name == "x-Q8_0.gguf"
    with pytest.raises(ToolInputError, match="several Q8_0 files"):
        pick(repo, quant="Q8_0")
    with pytest.raises(FileNotOnHub, match="no Q5_K_M file. Quantizations: Q4_K_M, Q8_0"):
        pick(repo, quant="Q5_K_M")
    with pytest.raises(FileNotOnHub, match="not a GGUF model"):
        pick(repo, filename="nope.gguf")


def test_kv_cache_from_the_gguf_header(tmp_path):
    path = tmp_path / "m.gguf"
    path.write_bytes(gguf_bytes("m", 1000, layers=4))
    info = read_gguf(path)
    # 4 layers × 2 KV heads × (32 + 32) head dims × 2 bytes = 1024 bytes per token
    estimate = estimate_local(info, 1024)
    assert estimate.exact and estimate.kv_cache == 1024 * 1024 and estimate.weights == path.stat().st_size
    assert estimate_local(info, 100_000).context_size == 2048, "capped at the model's context length"


def test_remote_estimate_uses_a_rule_of_thumb():
    seven_b = estimate_remote(int(4.68e9), 4096, quant="Q4_K_M")
    assert not seven_b.exact
    assert 7.0e9 < seven_b.parameters < 8.5e9
    assert 0.5 * GiB < seven_b.kv_cache < 1.0 * GiB
    assert 5.0e9 < seven_b.total < 6.5e9
    given = estimate_remote(int(4.68e9), 4096, quant="Q4_K_M", parameters=7_000_000_000)
    assert given.parameters == 7_000_000_000


def test_fit_verdicts_with_the_numbers():
    estimate = estimate_remote(int(4.68e9), 4096, quant="Q4_K_M")  # ~5.7 GB in all
    roomy = SystemMemory(total=32 * GiB, available=24 * GiB)
    busy = SystemMemory(total=16 * GiB, available=3 * GiB)
    small = SystemMemory(total=4 * GiB, available=3 * GiB)

    gpu = fit_verdict(estimate, roomy, gpu_free=12 * GiB)
    assert gpu.verdict == "gpu" and gpu.label == "Fits on the GPU" and "12.9 GB free" in gpu.message
    ram = fit_verdict(estimate, roomy)
    assert ram.verdict == "ram" and not ram.tight and "of weights" in ram.message and "estimated" in ram.message
    tight = fit_verdict(estimate, busy)
    assert tight.verdict == "ram" and tight.tight and "close other programs" in tight.message
    assert fit_verdict(estimate, small).verdict == "too_large"
    assert "smaller quantization" in fit_verdict(estimate, small).message
    split = fit_verdict(estimate, small, gpu_free=4 * GiB)
    assert split.verdict == "ram" and "split between the GPU and RAM" in split.message
    assert human_size(4_680_000_000) == "4.7 GB" and human_size(980_000_000) == "980 MB"


def test_download_speed_is_smoothed_and_gives_an_eta(monkeypatch):
    from desktop_gpt.models import progress

    clock = [100.0]
    monkeypatch.setattr(progress, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    speed = progress.SpeedMeter(window=3.0)
    speed.reset(0)
    for second in range(1, 4):  # 1 MB/s for three seconds
        clock[0] += 1
        speed.update(second * 1_000_000)
    assert speed.rate == pytest.approx(1_000_000)
    clock[0] += 1
    speed.update(3_000_000)  # a second with nothing: the figure falls, but not to zero at once
    assert 500_000 < speed.rate < 1_000_000
