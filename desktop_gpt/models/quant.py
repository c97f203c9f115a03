"""GGUF file names: the quantization label they carry, and split models (-00001-of-00003) grouped as one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

# A label stands alone between separators (start, ".", "-", "_", end): Q4_K_M, IQ2_XXS, Q4_0_4_4, BF16, TQ1_0…
_QUANT = re.compile(
    r"(?<![A-Za-z0-9])("
    r"I?Q[1-8](?:_(?:K|XXS|XS|S|M|L|XL|NL|[0-9]))*"
    r"|TQ[12]_0|MXFP4(?:_MOE)?|BF16|FP16|FP32|F16|F32"
    r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_SHARD = re.compile(r"^(?P<base>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)

# Average bits per weight of each quantization, as llama.cpp's quantize tool reports them for 7B models. Used to
# guess a remote model's parameter count from its file size when the Hub does not say.
BITS_PER_WEIGHT: dict[str, float] = {
    "IQ1_S": 1.56, "IQ1_M": 1.75, "IQ2_XXS": 2.06, "IQ2_XS": 2.31, "IQ2_S": 2.5, "IQ2_M": 2.7, "Q2_K_S": 2.6,
    "Q2_K": 2.96, "IQ3_XXS": 3.06, "IQ3_XS": 3.3, "IQ3_S": 3.44, "IQ3_M": 3.66, "Q3_K_S": 3.5, "Q3_K_M": 3.91,
    "Q3_K_L": 4.27, "IQ4_XS": 4.25, "IQ4_NL": 4.5, "Q4_0": 4.55, "Q4_1": 5.0, "Q4_K_S": 4.58, "Q4_K_M": 4.89,
    "Q5_0": 5.54, "Q5_1": 6.0, "Q5_K_S": 5.54, "Q5_K_M": 5.7, "Q6_K": 6.56, "Q8_0": 8.5, "F16": 16.0, "BF16": 16.0,
    "F32": 32.0, "TQ1_0": 1.69, "TQ2_0": 2.06, "MXFP4": 4.25, "MXFP4_MOE": 4.25,
}
_ALIASES = {"FP16": "F16", "FP32": "F32"}


def parse_quant(filename: str) -> str | None:
    """The quantization label in a GGUF file name, upper-case (``qwen2.5-7b-q4_k_m.gguf`` → ``Q4_K_M``), or None."""
    name = filename.rsplit("/", 1)[-1]
    shard = _SHARD.match(name)
    if shard:
        name = shard.group("base")
    elif name.lower().endswith(".gguf"):
        name = name[:-5]
    found = _QUANT.findall(name)
    if not found:
        return None
    label = found[-1].upper()  # the label comes last: "Q8_0" in "Q4-ablation-Q8_0" is the file's
    return _ALIASES.get(label, label)


def bits_per_weight(quant: str | None) -> float | None:
    if not quant:
        return None
    if quant in BITS_PER_WEIGHT:
        return BITS_PER_WEIGHT[quant]
    base = re.match(r"(I?Q\d)", quant)  # an unlisted variant (Q4_K_XL…): its family's Q4_K_M-like figure
    return {"Q2": 2.96, "Q3": 3.91, "Q4": 4.89, "Q5": 5.7, "Q6": 6.56, "Q8": 8.5}.get(base.group(1)) if base else None


@dataclass(frozen=True)
class ShardName:
    """What a split file's name says: ``base`` (path without the suffix), its ``index`` (1-based) of ``count``."""

    base: str
    index: int
    count: int


def shard_name(path: str) -> ShardName | None:
    """``a/model-Q4_K_M-00002-of-00003.gguf`` → ShardName("a/model-Q4_K_M", 2, 3); None for a single file."""
    folder, _, name = path.rpartition("/")
    match = _SHARD.match(name)
    if not match or int(match.group("count")) < 1:
        return None
    base = f"{folder}/{match.group('base')}" if folder else match.group("base")
    return ShardName(base, int(match.group("index")), int(match.group("count")))


def shard_path(base: str, index: int, count: int) -> str:
    return f"{base}-{index:05d}-of-{count:05d}.gguf"


def is_projector(path: str) -> bool:
    """Vision projector files (mmproj) are GGUF too, but not a chat model on their own."""
    return "mmproj" in path.rsplit("/", 1)[-1].lower()


@dataclass(frozen=True)
class HubFile:
    """One file in a Hub repo: its path, size and the hashes the Hub gives (sha256 for LFS files)."""

    path: str
    size: int
    sha256: str | None = None
    blob_id: str | None = None  # git blob sha1: the hash of a file not in LFS


@dataclass(frozen=True)
class ModelFile:
    """One downloadable model in a repo: a single GGUF, or every part of a split one.

    Attributes:
        repo_id: the Hub repository.
        revision: the commit the listing was made at (downloads pin it).
        name: what to call it: the file name, or for a split model the first part's name.
        quant: the quantization label ("Q4_K_M"…) or None when the name has none.
        parts: the files, in order (one for a single file); ``missing`` lists absent part numbers.
        projector: True for a vision projector (mmproj) file.
    """

    repo_id: str
    revision: str
    name: str
    quant: str | None
    parts: tuple[HubFile, ...]
    missing: tuple[int, ...] = field(default=())
    projector: bool = False

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)

    @property
    def sharded(self) -> bool:
        return len(self.parts) > 1 or bool(self.missing) or shard_name(self.parts[0].path) is not None

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def path(self) -> str:
        """The repo path of the file to load (the first part of a split model)."""
        return self.parts[0].path


def group_files(repo_id: str, revision: str, files: Iterable[HubFile]) -> list[ModelFile]:
    """Every GGUF in ``files`` as ModelFiles, split parts grouped into one, sorted by size (smallest first)."""
    singles: list[ModelFile] = []
    groups: dict[tuple[str, int], dict[int, HubFile]] = {}
    for file in files:
        if not file.path.lower().endswith(".gguf"):
            continue
        shard = shard_name(file.path)
        if shard is None:
            singles.append(ModelFile(repo_id, revision, file.path.rsplit("/", 1)[-1], parse_quant(file.path),
                                     (file,), projector=is_projector(file.path)))
        else:
            groups.setdefault((shard.base, shard.count), {})[shard.index] = file
    for (base, count), parts in groups.items():
        present = tuple(parts[i] for i in sorted(parts))
        missing = tuple(i for i in range(1, count + 1) if i not in parts)
        first = shard_path(base, 1, count).rsplit("/", 1)[-1]
        singles.append(ModelFile(repo_id, revision, first, parse_quant(base + ".gguf"), present, missing,
                                 projector=is_projector(base)))
    singles.sort(key=lambda m: (m.projector, m.size, m.name))
    return singles
