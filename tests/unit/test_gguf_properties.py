"""The GGUF header reader (run in the GUI process) on random and mutated files: every outcome is a GGUFInfo whose
facts can all be read, or a ModelLoadError in words; never another exception, never a hang. A valid header reads
back exactly what was written."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_gpt.errors import ModelLoadError
from desktop_gpt.models.gguf import GGUFInfo, read_gguf
from tests.gguf_factory import write_gguf
from tests.property import PROPERTY

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=24)
SCALARS = st.one_of(st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1),
                    st.text(max_size=40))
VALUES = st.one_of(SCALARS, st.lists(st.text(max_size=8), max_size=5),
                   st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1), max_size=5))
TENSORS = st.lists(st.tuples(st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8),
                             st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=3).map(tuple)),
                   max_size=3, unique_by=lambda t: t[0])


def facts(info: GGUFInfo) -> tuple:
    """Everything the app reads from a header: none of it may raise."""
    return (info.name, info.architecture, info.context_length, info.block_count, info.parameters,
            info.quantization, info.chat_template, info.license, info.split_count, info.kv_bytes_per_token(),
            info.expected_size())


def read_or_refuse(path):
    try:
        info = read_gguf(path)
    except ModelLoadError as exc:
        assert str(exc) and path.name in str(exc)
        return None
    facts(info)
    return info


@settings(PROPERTY, max_examples=60)
@given(metadata=st.dictionaries(KEYS, VALUES, max_size=6), tensors=TENSORS)
def test_a_valid_header_reads_back_exactly(tmp_path, metadata, tensors):
    metadata = {k: v for k, v in metadata.items()
                if k not in ("general.alignment", "general.name", "general.architecture", "tokenizer.chat_template")}
    metadata["general.architecture"] = "llama"
    path = write_gguf(tmp_path / "m.gguf", metadata, list(tensors))
    info = read_gguf(path)
    assert info.metadata == metadata
    assert [(t.name, t.shape) for t in info.tensors] == list(tensors)
    facts(info)


@PROPERTY
@given(data=st.data(), tensors=TENSORS)
def test_mutated_headers_end_in_words(tmp_path, data, tensors):
    path = write_gguf(tmp_path / "m.gguf", {"general.architecture": "llama", "general.name": "x",
                                             "llama.context_length": 512, "tokenizer.ggml.tokens": ["a", "b"]},
                      list(tensors))
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        kind = data.draw(st.sampled_from(["flip", "word", "cut", "insert"]))
        at = data.draw(st.integers(min_value=0, max_value=max(0, len(raw) - 1)))
        if kind == "flip" and raw:
            raw[at] = data.draw(st.integers(min_value=0, max_value=255))
        elif kind == "word" and len(raw) >= at + 8:  # a length, count or type replaced by anything
            raw[at:at + 8] = struct.pack("<Q", data.draw(st.integers(min_value=0, max_value=2**64 - 1)))
        elif kind == "cut":
            del raw[at:]
        else:
            raw[at:at] = data.draw(st.binary(max_size=16))
    path.write_bytes(bytes(raw))
    read_or_refuse(path)


@PROPERTY
@given(body=st.binary(max_size=512), version=st.sampled_from([2, 3]))
def test_random_bytes_after_a_gguf_magic_end_in_words(tmp_path, body, version):
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<I", version) + body)
    read_or_refuse(path)


def _array(item_type: int, count: int, body: bytes) -> bytes:
    return struct.pack("<IQ", item_type, count) + body


def test_deeply_nested_arrays_are_refused_in_words(tmp_path):
    nested = struct.pack("<I", 5) + struct.pack("<i", 1)  # an int32 item
    for _ in range(5000):  # an array of an array of … (a RecursionError before)
        nested = struct.pack("<I", 9) + _array(struct.unpack("<I", nested[:4])[0], 1, nested[4:])
    key = b"k"
    header = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(key)) + key + nested
    path = tmp_path / "deep.gguf"
    path.write_bytes(header)
    try:
        read_gguf(path)
    except ModelLoadError as exc:
        assert "not a usable GGUF" in str(exc)
    else:
        raise AssertionError("a 5000-deep array was accepted")


def test_fields_of_the_wrong_type_are_refused_or_ignored(tmp_path):
    path = write_gguf(tmp_path / "m.gguf", {"general.architecture": "llama", "llama.context_length": "long",
                                             "llama.block_count": "many", "split.count": "x",
                                             "general.file_type": "q4", "general.license": 5}, [("w", (4,))])
    info = read_gguf(path)
    assert (info.context_length, info.block_count, info.split_count, info.quantization, info.license) == (
        None, None, 1, None, None)
    path = write_gguf(tmp_path / "n.gguf", {"general.architecture": "llama", "general.name": 7}, [("w", (4,))])
    try:
        read_gguf(path)
    except ModelLoadError as exc:
        assert "general.name is not text" in str(exc)
    else:
        raise AssertionError("a number as the model's name was accepted")
