"""The GGUF header reader: facts of the real bundled model, and clear messages for broken files."""

import pytest

from desktop_gpt.errors import ModelLoadError
from desktop_gpt.models.gguf import read_gguf
from tests.gguf_factory import write_gguf


@pytest.mark.model
def test_bundled_model_facts(bundled_model):
    info = read_gguf(bundled_model)
    assert info.architecture == "llama"
    assert 130e6 < info.parameters < 140e6
    assert info.quantization == "Q4_1"
    assert info.context_length == 8192
    assert info.chat_template and "<|im_start|>" in info.chat_template
    assert info.expected_size() == info.file_size
    assert info.kv_bytes_per_token() > 0


def test_valid_synthetic_file(tmp_path):
    path = write_gguf(tmp_path / "m.gguf", {"general.architecture": "llama", "general.name": "Tiny",
                                             "llama.context_length": 512}, [("w", (8, 4))])
    info = read_gguf(path)
    assert info.name == "Tiny" and info.context_length == 512 and info.parameters == 32


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"PK\x03\x04" + b"\0" * 100, "ZIP"),
        (b"<!DOCTYPE html><html>", "web page"),
        (b"ggjt" + b"\0" * 100, "old GGML"),
        (b"hello world, this is text", "not a GGUF"),
        (b"GGUF\x01\0\0\0" + b"\0" * 16, "version 1"),
        (b"GGUF\x03\0\0\0" + b"\0" * 4, "truncated"),
    ],
)
def test_broken_files_get_clear_messages(tmp_path, content, message):
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelLoadError, match=message):
        read_gguf(path)


def test_truncated_tensor_data(tmp_path):
    path = write_gguf(tmp_path / "m.gguf", {"general.architecture": "llama"}, [("w", (256, 256))])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="truncated: it has .* bytes but its tensors need"):
        read_gguf(path)


def test_truncated_inside_metadata(tmp_path):
    path = write_gguf(tmp_path / "m.gguf", {"general.architecture": "llama", "tokenizer.ggml.tokens": ["a"] * 500})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ModelLoadError, match="ends inside its header"):
        read_gguf(path)


def test_missing_architecture(tmp_path):
    path = write_gguf(tmp_path / "m.gguf", {"general.name": "x"}, [("w", (4,))])
    with pytest.raises(ModelLoadError, match="architecture"):
        read_gguf(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        read_gguf(tmp_path / "nope.gguf")
    with pytest.raises(ModelLoadError, match="folder"):
        read_gguf(tmp_path)
