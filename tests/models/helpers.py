"""Small, real GGUF files for download tests (random tensor bytes, so any corruption changes the sha256)."""

from __future__ import annotations

import hashlib
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.gguf_factory import write_gguf

FAST = {"stall_timeout": 1.0, "backoff": (0.01, 0.05)}
TINY_REPO = "acme/tiny-GGUF"
SPLIT_REPO = "acme/split-GGUF"


def gguf_bytes(name: str, floats: int, *, seed: int = 0, layers: int = 4,
               split: tuple[int, int] | None = None) -> bytes:
    """A valid GGUF (llama architecture, ``layers`` blocks, 8 heads / 2 KV heads) holding ``floats`` f32 values."""
    meta = {"general.architecture": "llama", "general.name": name, "general.file_type": 15,
            "general.license": "mit", "llama.block_count": layers, "llama.context_length": 2048,
            "llama.embedding_length": 256, "llama.attention.head_count": 8, "llama.attention.head_count_kv": 2}
    if split:
        meta.update({"split.no": split[0] - 1, "split.count": split[1], "split.tensors.count": split[1]})
    with tempfile.TemporaryDirectory() as folder:
        path = write_gguf(Path(folder) / "m.gguf", meta, [(f"blk.{seed}.w", (floats,))])
        data = bytearray(path.read_bytes())
    body = random.Random(f"{name}{seed}").randbytes(floats * 4)
    data[len(data) - len(body):] = body
    return bytes(data)


@dataclass
class Seeded:
    repo_id: str
    files: dict[str, bytes]

    def sha256(self, name: str) -> str:
        return hashlib.sha256(self.files[name]).hexdigest()


def add_tiny_repo(hub, repo_id: str = TINY_REPO, **kwargs) -> Seeded:
    files = {"tiny-Q4_K_M.gguf": gguf_bytes("tiny", 60_000, seed=1),  # ~240 KB
             "tiny-Q8_0.gguf": gguf_bytes("tiny", 110_000, seed=2)}  # ~440 KB
    hub.add_repo(repo_id, {**files, "README.md": "---\nlicense: mit\ntags: [gguf]\n---\n# tiny\n"},
                 downloads=kwargs.pop("downloads", 10), likes=kwargs.pop("likes", 1), **kwargs)
    return Seeded(repo_id, files)


def add_split_repo(hub, repo_id: str = SPLIT_REPO) -> Seeded:
    files = {f"big-Q4_K_M-{i:05d}-of-00003.gguf": gguf_bytes("big", 30_000, seed=i, split=(i, 3)) for i in (1, 2, 3)}
    files["small-Q2_K.gguf"] = gguf_bytes("small", 5_000, seed=9)
    hub.add_repo(repo_id, files, downloads=5)
    return Seeded(repo_id, files)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
