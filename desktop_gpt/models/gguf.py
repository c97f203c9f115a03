"""Read a GGUF file's header without llama.cpp: validate it and pull out the facts people ask about."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from desktop_gpt.errors import ModelLoadError
from desktop_gpt.i18n import _

MAGIC = b"GGUF"
# The header is read in the GUI process, from files anyone can make: everything it keeps is bounded.
_MAX_STRING = 1 << 28  # 256 MB: any longer "string" means the header is garbage
_MAX_KEY = 1 << 16  # a metadata key (the format's own limit is 65535 bytes)
_MAX_TENSOR_NAME = 1 << 10  # llama.cpp's is 64 bytes
_KEEP_STRING = 1 << 22  # 4 MB: a longer text value (no chat template is near this) is described, not kept
_MAX_ARRAY = 1 << 28
_MAX_FIELDS = 1 << 16  # real models have ~50
_MAX_TENSORS = 1 << 17  # real models have hundreds to a few thousand
_MAX_DEPTH = 3  # arrays of arrays of arrays; deeper nesting is garbage (and was a RecursionError)
_KEEP_ARRAY = 64  # arrays longer than this are counted, not kept

# GGUF value types → struct format (scalars)
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9

# ggml tensor types: (elements per block, bytes per block), as in gguf-py's GGML_QUANT_SIZES.
GGML_TYPE_SIZES: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
    10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
    16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82),
    23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2),
    34: (256, 54), 35: (256, 66), 39: (32, 17),
}

# llama_ftype (general.file_type) → the quantization label people know.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
    37: "TQ2_0", 38: "MXFP4_MOE",
}


@dataclass
class GGUFTensor:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int

    @property
    def elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def nbytes(self) -> int | None:
        size = GGML_TYPE_SIZES.get(self.ggml_type)
        if size is None:
            return None
        block, type_size = size
        return (self.elements // block) * type_size


@dataclass
class GGUFInfo:
    """What a GGUF header says about the model.

    Attributes:
        path: the file.
        version: GGUF format version (2 or 3).
        metadata: key → value; long arrays (the vocabulary…) are kept as ``ArrayInfo``.
        tensors: tensor descriptions (name, shape, type, offset).
        data_offset: where tensor data starts.
        file_size: bytes on disk.
    """

    path: Path
    version: int
    metadata: dict[str, Any]
    tensors: list[GGUFTensor] = field(default_factory=list)
    data_offset: int = 0
    file_size: int = 0

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)

    def text(self, key: str) -> str | None:
        """A text field, or None when it is missing or not text (a crafted file may put anything anywhere)."""
        value = self.get(key)
        return value if isinstance(value, str) else None

    def number(self, key: str) -> int | None:
        """A whole-number field, or None when it is missing or not a whole number."""
        value = self.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def architecture(self) -> str | None:
        return self.text("general.architecture")

    def arch_value(self, suffix: str, default: Any = None) -> Any:
        return self.get(f"{self.architecture}.{suffix}", default)

    def arch_number(self, suffix: str) -> int | None:
        return self.number(f"{self.architecture}.{suffix}")

    @property
    def name(self) -> str:
        return self.text("general.name") or self.path.stem

    @property
    def context_length(self) -> int | None:
        return self.arch_number("context_length")

    @property
    def block_count(self) -> int | None:
        return self.arch_number("block_count")

    @property
    def parameters(self) -> int:
        return sum(t.elements for t in self.tensors)

    @property
    def quantization(self) -> str | None:
        ft = self.number("general.file_type")
        return FILE_TYPES.get(ft) if ft is not None else None

    @property
    def chat_template(self) -> str | None:
        value = self.text("tokenizer.chat_template")
        return value if value and value.strip() else None

    @property
    def license(self) -> str | None:
        return self.text("general.license")

    @property
    def split_count(self) -> int:
        count = self.number("split.count")
        return count if count is not None and 1 <= count <= 1000 else 1

    def kv_bytes_per_token(self, bytes_per_element: int = 2) -> int | None:
        """KV-cache bytes one token of context costs (f16 cache), from the attention shape."""
        layers = self.block_count
        embd = self.arch_number("embedding_length")
        heads = self.arch_number("attention.head_count")
        kv_heads = self.arch_number("attention.head_count_kv")
        kv_heads = heads if kv_heads is None and "attention.head_count_kv" not in self._arch_keys() else kv_heads
        if not all(isinstance(v, int) and v > 0 for v in (layers, embd, heads)) or not isinstance(kv_heads, int):
            return None
        key_len = self.arch_number("attention.key_length") or embd // heads
        value_len = self.arch_number("attention.value_length") or embd // heads
        return layers * kv_heads * (key_len + value_len) * bytes_per_element

    def _arch_keys(self) -> set[str]:
        prefix = f"{self.architecture}."
        return {key[len(prefix):] for key in self.metadata if key.startswith(prefix)}

    def expected_size(self) -> int | None:
        """Bytes the file must have to hold all its tensor data (None if a tensor type is unknown)."""
        end = self.data_offset
        for tensor in self.tensors:
            nbytes = tensor.nbytes()
            if nbytes is None:
                return None
            end = max(end, self.data_offset + tensor.offset + nbytes)
        return end


@dataclass
class ArrayInfo:
    """A long metadata array, described rather than loaded."""

    item_type: int
    count: int


@dataclass
class LongText:
    """A text value too long to keep (over 4 MB), described rather than loaded."""

    length: int


class _Reader:
    def __init__(self, fh: BinaryIO, size: int):
        self.fh = fh
        self.size = size

    def read(self, n: int) -> bytes:
        data = self.fh.read(n)
        if len(data) != n:
            raise EOFError
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def string(self, limit: int = _MAX_STRING, what: str = "a text field") -> str:
        n = self.unpack("<Q")
        if n > limit or n > self.size:
            raise _Corrupt(f"{what} claims {n:,} bytes")
        return self.read(n).decode("utf-8", errors="replace")

    def text_value(self) -> str | LongText:
        n = self.unpack("<Q")
        if n > _MAX_STRING or n > self.size:
            raise _Corrupt(f"a text field claims {n:,} bytes")
        if n > _KEEP_STRING:
            self.skip(n)
            return LongText(n)
        return self.read(n).decode("utf-8", errors="replace")

    def skip(self, n: int) -> None:
        if self.fh.tell() + n > self.size:
            raise EOFError
        self.fh.seek(n, io.SEEK_CUR)

    def value(self, vtype: int, key: str, depth: int = 0) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.text_value()
        if vtype == _ARRAY:
            if depth >= _MAX_DEPTH:
                raise _Corrupt(f"the field '{key}' nests arrays {depth + 1} deep")
            item_type = self.unpack("<I")
            count = self.unpack("<Q")
            if count > _MAX_ARRAY:
                raise _Corrupt(f"the array '{key}' claims {count:,} items")
            if count > self.size:  # each item takes at least a byte: the file ends before the array does
                raise EOFError
            if count <= _KEEP_ARRAY:
                return [self.value(item_type, key, depth + 1) for _unused in range(count)]
            if item_type in _SCALARS:
                self.skip(struct.calcsize(_SCALARS[item_type]) * count)
            elif item_type == _STRING:
                for _unused in range(count):
                    n = self.unpack("<Q")
                    if n > self.size:
                        raise _Corrupt(f"a text in the array '{key}' claims {n:,} bytes")
                    self.skip(n)
            else:
                for _unused in range(count):
                    self.value(item_type, key, depth + 1)
            return ArrayInfo(item_type, count)
        raise _Corrupt(f"the field '{key}' has an unknown type {vtype}")


class _Corrupt(Exception):
    pass


def read_gguf(path: str | Path, check_size: bool = True) -> GGUFInfo:
    """Parse the header of a GGUF file; raises ModelLoadError with a message a person understands."""
    path = Path(path)
    label = path.name
    if not path.exists():
        raise ModelLoadError(_("The model file {label} does not exist.").format(label=label))
    if path.is_dir():
        raise ModelLoadError(_("{label} is a folder, not a model file.").format(label=label))
    try:
        size = path.stat().st_size
        if size == 0:
            raise ModelLoadError(_("{label} is empty (0 bytes). The download may have failed; get the file "
                                   "again.").format(label=label))
        with open(path, "rb") as raw:
            fh = io.BufferedReader(raw, buffer_size=1 << 20)
            info = _parse(_Reader(fh, size), path, size)
    except ModelLoadError:
        raise
    except EOFError:
        raise ModelLoadError(
            _("{label} is truncated: it ends inside its header. The download is probably incomplete.").format(
                label=label
            )
        ) from None
    except _Corrupt as exc:
        raise ModelLoadError(
            _("{label} is damaged: {exc}. It is not a usable GGUF model file.").format(label=label, exc=exc)
        ) from None
    except OSError as exc:
        raise ModelLoadError(
            _("{label} could not be read: {strerror}.").format(label=label, strerror=exc.strerror or exc)
        ) from None
    except Exception as exc:  # noqa: BLE001 - a crafted header must end in words, never in a traceback
        raise ModelLoadError(
            _("{name} is not a usable GGUF model file: its header could not be read ({kind}).").format(
                name=label, kind=type(exc).__name__
            )
        ) from None
    if check_size:
        expected = info.expected_size()
        if expected is not None and size < expected:
            raise ModelLoadError(
                _(
                    "{label} is truncated: it has {size:,} bytes but its tensors need {expected:,}. The "
                    "download is probably incomplete."
                ).format(label=label, size=size, expected=expected)
            )
    return info


def _parse(r: _Reader, path: Path, size: int) -> GGUFInfo:
    label = path.name
    magic = r.read(4)
    if magic != MAGIC:
        hint = ""
        if magic[:2] == b"PK":
            hint = " (it looks like a ZIP archive)"
        elif magic in (b"ggjt", b"ggml", b"ggmf", b"tjgg", b"lmgg"):
            hint = " (it is an old GGML file; convert it to GGUF or download a GGUF version)"
        elif magic[:1] in (b"<", b"{"):
            hint = " (it looks like a web page or JSON, not a model)"
        raise ModelLoadError(_("{label} is not a GGUF model file{hint}.").format(label=label, hint=hint))
    version = r.unpack("<I")
    if version == 1:
        raise ModelLoadError(
            _("{label} uses GGUF version 1, which is no longer supported. Download a newer file.").format(label=label)
        )
    if version not in (2, 3):
        if struct.unpack(">I", struct.pack("<I", version))[0] in (2, 3):
            raise ModelLoadError(
                _("{label} is a big-endian GGUF file, which this computer cannot load.").format(label=label)
            )
        raise ModelLoadError(_("{label} has an unknown GGUF version ({version}).").format(label=label, version=version))
    n_tensors = r.unpack("<Q")
    n_kv = r.unpack("<Q")
    if n_tensors > _MAX_TENSORS or n_kv > _MAX_FIELDS:
        raise _Corrupt(f"the header claims {n_tensors:,} tensors and {n_kv:,} fields")
    metadata: dict[str, Any] = {}
    for _unused in range(n_kv):
        key = r.string(_MAX_KEY, "a field name")
        if not key:
            raise _Corrupt("a metadata field has an empty name")
        metadata[key] = r.value(r.unpack("<I"), key)
    tensors = []
    for _unused in range(n_tensors):
        name = r.string(_MAX_TENSOR_NAME, "a tensor name")
        n_dims = r.unpack("<I")
        if n_dims == 0 or n_dims > 8:
            raise _Corrupt(f"tensor '{name}' has {n_dims} dimensions")
        shape = tuple(r.unpack("<Q") for _unused in range(n_dims))
        if any(d == 0 for d in shape):
            raise _Corrupt(f"tensor '{name}' has a zero dimension")
        tensors.append(GGUFTensor(name, shape, r.unpack("<I"), r.unpack("<Q")))
    alignment = metadata.get("general.alignment", 32)
    if not isinstance(alignment, int) or isinstance(alignment, bool) or alignment <= 0 or alignment & (alignment - 1):
        raise _Corrupt(f"general.alignment is {alignment!r}")
    pos = r.fh.tell()
    data_offset = (pos + alignment - 1) // alignment * alignment
    info = GGUFInfo(path, version, metadata, tensors, data_offset, size)
    if n_tensors and not info.architecture:
        raise ModelLoadError(
            _("{label} does not say which model architecture it is (general.architecture).").format(label=label)
        )
    for key in ("general.name", "general.architecture", "tokenizer.chat_template"):
        if key in metadata and not isinstance(metadata[key], str):
            raise _Corrupt(f"{key} is not text")
    return info
