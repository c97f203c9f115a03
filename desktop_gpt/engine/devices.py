"""What this computer can run models on: the llama.cpp build's backends and the devices with their memory.

The probe runs once, in a short-lived worker process (only the worker imports llama_cpp, and a CUDA build that
cannot find its driver must not take the app down), and is cached for the life of the app::

    system = devices.detect()          # blocks up to a few seconds the first time: call it off the GUI thread
    system.gpu_backend                 # "CUDA", "Metal", … or None for a CPU build
    system.gpu_memory_free             # bytes on the GPUs this build can use (0 without one)
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import shutil
import subprocess
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop_gpt import log
from desktop_gpt.engine.offload import gpu_backends, rebuild_help
from desktop_gpt.i18n import _

_log = log.get("engine.devices")

PROBE_TIMEOUT_S = 60.0
_NVIDIA_SMI_QUERY = ["--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"]


@dataclass
class Device:
    """One device llama.cpp (or the system) reports.

    Attributes:
        name: the backend's device name ("CUDA0", "Metal", "CPU"), or "GPU0" for one seen only by nvidia-smi.
        description: what people call it ("NVIDIA GeForce RTX 4090", "Apple M2 Pro").
        kind: "cpu", "gpu", "igpu" (integrated, shares RAM) or "accel".
        memory_total / memory_free: bytes.
        usable: this llama.cpp build can offload to it (False for a GPU seen by nvidia-smi next to a CPU build).
        source: "ggml" (llama.cpp's device list) or "nvidia-smi".
    """

    name: str
    description: str
    kind: str
    memory_total: int
    memory_free: int
    usable: bool = True
    source: str = "ggml"

    @property
    def is_gpu(self) -> bool:
        return self.kind in ("gpu", "igpu")


@dataclass
class SystemInfo:
    """The probe's answer.

    Attributes:
        llama_cpp_version: the installed llama-cpp-python.
        backends: what the build registered: ["CPU"], ["CPU", "CUDA"], ["BLAS", "CPU", "Metal"]…
        gpu_offload: llama.cpp can offload layers here (a GPU backend and a GPU it found).
        devices: llama.cpp's devices, plus NVIDIA GPUs it does not see (``usable`` False).
        ram_total / ram_available: system memory in bytes.
        unified_memory: the GPU shares system memory (Apple Silicon).
        error: why llama.cpp could not be probed ("" when it could); the rest then describes the CPU only.
    """

    llama_cpp_version: str = ""
    backends: list[str] = field(default_factory=list)
    gpu_offload: bool = False
    devices: list[Device] = field(default_factory=list)
    system_info: str = ""
    ram_total: int = 0
    ram_available: int = 0
    unified_memory: bool = False
    error: str = ""

    @property
    def gpu_backend(self) -> str | None:
        """The build's GPU backend ("CUDA", "Metal", "Vulkan"…), or None for a CPU build."""
        gpus = gpu_backends(self.backends)
        return gpus[0] if gpus else None

    @property
    def gpu_devices(self) -> list[Device]:
        """GPUs this build can offload to."""
        return [d for d in self.devices if d.is_gpu and d.usable]

    @property
    def unused_gpus(self) -> list[Device]:
        """GPUs that are present but that this build cannot use."""
        return [d for d in self.devices if d.is_gpu and not d.usable]

    @property
    def gpu_memory_total(self) -> int:
        return sum(d.memory_total for d in self.gpu_devices) if self.gpu_offload else 0

    @property
    def gpu_memory_free(self) -> int:
        """Bytes free on the GPUs this build can use; 0 when it cannot use one (what the fit estimate takes)."""
        return sum(d.memory_free for d in self.gpu_devices) if self.gpu_offload else 0

    def no_gpu_reason(self) -> str:
        """Why models run on the CPU only here, in words with what to do; "" when a GPU is usable."""
        if self.gpu_offload:
            return ""
        if self.error:
            return _("The GPU could not be checked: {error}").format(error=self.error)
        backend = self.gpu_backend
        if backend:
            return (_("This llama.cpp build has {backend}, but no usable GPU was found (is the GPU driver "
                "installed and working?).").format(backend=backend))
        unused = self.unused_gpus
        if unused:
            return _(
                "This computer has {description}, but the installed llama.cpp was built for the CPU only. "
                "{rebuild_help}"
            ).format(description=unused[0].description, rebuild_help=rebuild_help())
        return _("The installed llama.cpp was built for the CPU only. {rebuild_help}").format(
            rebuild_help=rebuild_help()
        )

    def summary(self) -> str:
        """One line: where models run and how much memory there is."""
        if self.gpu_offload and self.gpu_devices:
            gpus = ", ".join(
                _("{device} ({free} of {total} free)").format(
                    device=d.description or d.name, free=_gib(d.memory_free), total=_gib(d.memory_total)
                )
                for d in self.gpu_devices
            )
            return f"{self.gpu_backend or 'GPU'}: {gpus}"
        return _("CPU only · {free} of {total} RAM free").format(
            free=_gib(self.ram_available), total=_gib(self.ram_total)
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SystemInfo":
        data = dict(data)
        data["devices"] = [Device(**d) for d in data.get("devices") or []]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


def _gib(n: int) -> str:
    from desktop_gpt.models.fit import human_size  # decimal units, as the Hub and the model manager show sizes

    return human_size(n)


# -- parsing (plain functions, tested on their own) ----------------------------------------------------------
def parse_nvidia_smi(text: str) -> list[Device]:
    """``nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits`` (MiB) → devices."""
    found = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.rsplit(",", 2)]
        if len(parts) != 3:
            continue
        try:
            total, free = int(float(parts[1])), int(float(parts[2]))
        except ValueError:
            continue
        found.append(
            Device(f"GPU{len(found)}", parts[0], "gpu", total * 2**20, free * 2**20, usable=False, source="nvidia-smi")
        )
    return found


def nvidia_smi(timeout: float = 10.0) -> list[Device]:
    """NVIDIA GPUs as the driver sees them; [] without nvidia-smi or when it fails."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, *_NVIDIA_SMI_QUERY], capture_output=True, text=True, timeout=timeout, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        _log.info("nvidia-smi failed: %s", exc)
        return []
    return parse_nvidia_smi(out.stdout)


def merge_nvidia(devices: list[Device], smi: list[Device]) -> list[Device]:
    """Add the GPUs nvidia-smi sees to llama.cpp's list when llama.cpp sees no NVIDIA GPU itself (a CPU build
    on a machine with one), so the app can say "you have a GPU, but this build cannot use it"."""
    if any(d.is_gpu and d.usable and d.name.upper().startswith("CUDA") for d in devices):
        return devices
    return devices + smi


def apple_silicon() -> bool:
    return platform.system() == "Darwin" and platform.machine() in ("arm64", "aarch64")


def memory() -> tuple[int, int]:
    """(total, available) system RAM in bytes."""
    try:
        import psutil

        vm = psutil.virtual_memory()
        return int(vm.total), int(vm.available)
    except Exception:  # noqa: BLE001 - psutil can fail in sandboxes; fall back to sysconf
        try:
            page = os.sysconf("SC_PAGE_SIZE")
            return page * os.sysconf("SC_PHYS_PAGES"), page * os.sysconf("SC_AVPHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return 0, 0


# -- the probe -------------------------------------------------------------------------------------------------
def probe(timeout: float = PROBE_TIMEOUT_S) -> SystemInfo:
    """Ask llama.cpp in a fresh worker process what it has; add nvidia-smi's GPUs and system memory."""
    from desktop_gpt.engine import probe as probe_module

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=probe_module.probe_main, args=(child,), name="desktop-gpt-probe", daemon=True)
    raw: dict[str, Any] = {}
    error = ""
    try:
        proc.start()
        child.close()
        if parent.poll(timeout):
            kind, value = parent.recv()
            if kind == "system":
                raw = value
            else:
                error = value
        else:
            error = f"llama.cpp did not answer within {timeout:.0f} seconds"
    except (EOFError, OSError) as exc:
        error = f"the check stopped unexpectedly ({exc or 'the process ended'})"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if error and proc.exitcode not in (0, None):
        error += f" (exit code {proc.exitcode})"
    info = SystemInfo.from_dict(raw) if raw else SystemInfo(backends=["CPU"], error=error)
    info.devices = merge_nvidia(info.devices, nvidia_smi())
    info.ram_total, info.ram_available = memory()
    info.unified_memory = apple_silicon()
    _log.info(
        "system: %s; backends %s; devices %s%s",
        info.summary(),
        info.backends,
        [(d.name, d.description, d.memory_total) for d in info.devices],
        f"; error: {error}" if error else "",
    )
    return info


_cache: SystemInfo | None = None
_lock = threading.Lock()


def detect(refresh: bool = False) -> SystemInfo:
    """The system, probed once per app run and then cached (thread-safe; the first call takes a second or two)."""
    global _cache
    with _lock:
        if _cache is None or refresh:
            _cache = probe()
        return _cache


def cached() -> SystemInfo | None:
    """The cached probe, or None when nobody has called detect() yet (never blocks)."""
    return _cache
