"""Write small GGUF files for tests: valid headers with chosen metadata and tensors, or broken on purpose."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any


def _string(s: str) -> bytes:
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _value(v: Any) -> bytes:
    if isinstance(v, bool):
        return struct.pack("<I?", 7, v)
    if isinstance(v, int):
        return struct.pack("<Iq", 11, v) if v < 0 else struct.pack("<IQ", 10, v) if v > 2**31 else struct.pack("<II", 4, v)
    if isinstance(v, float):
        return struct.pack("<If", 6, v)
    if isinstance(v, str):
        return struct.pack("<I", 8) + _string(v)
    if isinstance(v, list):
        if all(isinstance(x, str) for x in v):
            return struct.pack("<IIQ", 9, 8, len(v)) + b"".join(_string(x) for x in v)
        return struct.pack("<IIQ", 9, 5, len(v)) + b"".join(struct.pack("<i", x) for x in v)
    raise TypeError(v)


def write_gguf(
    path: str | Path, metadata: dict[str, Any], tensors: list[tuple[str, tuple[int, ...]]] = (),
    version: int = 3, magic: bytes = b"GGUF",
) -> Path:
    """A GGUF with f32 tensors of the given shapes (filled with zeros)."""
    path = Path(path)
    out = bytearray(magic + struct.pack("<IQQ", version, len(tensors), len(metadata)))
    for key, value in metadata.items():
        out += _string(key) + _value(value)
    offset = 0
    sizes = []
    for name, shape in tensors:
        out += _string(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in shape)
        out += struct.pack("<IQ", 0, offset)
        n = 4
        for d in shape:
            n *= d
        sizes.append(n)
        offset += (n + 31) // 32 * 32
    out += b"\0" * ((32 - len(out) % 32) % 32)
    for n in sizes:
        out += b"\0" * ((n + 31) // 32 * 32)
    path.write_bytes(bytes(out))
    return path


def with_chat_template(source: str | Path, target: str | Path, template: str) -> Path:
    """A copy of the GGUF ``source`` whose chat template is ``template`` (padded with spaces to the original's
    length, so every offset in the file stays valid)."""
    from desktop_gpt.models.gguf import read_gguf

    old = read_gguf(source).get("tokenizer.chat_template").encode("utf-8")
    new = template.encode("utf-8")
    if len(new) > len(old):
        raise ValueError(f"the new template must be at most {len(old)} bytes")
    data = bytearray(Path(source).read_bytes())
    at = data.find(_string(old.decode("utf-8")))
    if at < 0:
        raise ValueError("the chat template was not found in the file")
    at += 8  # the length prefix stays
    data[at:at + len(old)] = new + b" " * (len(old) - len(new))
    target = Path(target)
    target.write_bytes(bytes(data))
    return target
