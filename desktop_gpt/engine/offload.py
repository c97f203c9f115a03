"""Why llama.cpp put fewer model layers on the GPU than were asked for, in words a person can act on."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_gpt.install import is_source_install
from desktop_gpt.i18n import N_, _

# Backends that are not a GPU of their own (BLAS speeds up the CPU; RPC is a remote machine).
NOT_GPU_BACKENDS = frozenset({"CPU", "BLAS", "RPC", "AMX"})

NONE = ""
CPU_CHOSEN = "cpu_chosen"
NO_GPU_BUILD = "no_gpu_build"
NO_GPU_DEVICE = "no_gpu_device"
OUT_OF_MEMORY = "out_of_memory"
MODEL_HAS_FEWER = "model_has_fewer"
USER_CHOSE_FEWER = "user_chose_fewer"
UNKNOWN = "unknown"

SOURCE_REBUILD_HELP = (N_("To use an NVIDIA GPU, rebuild llama-cpp-python with CUDA (make install-cuda); on Apple "
                       "Silicon with Metal (make install-metal)."))
PACKAGED_HELP = N_("To use a GPU, install a build of Desktop GPT made for your graphics card.")


def rebuild_help() -> str:
    """What to do to use a GPU: the build commands in a source checkout, plain words in a packaged app."""
    return _(SOURCE_REBUILD_HELP if is_source_install() else PACKAGED_HELP)

# What the status bar shows next to "GPU layers: N/M" for each reason.
SHORT = {
    NONE: "",
    CPU_CHOSEN: "CPU only (your choice)",
    NO_GPU_BUILD: "CPU build of llama.cpp",
    NO_GPU_DEVICE: "no GPU found",
    OUT_OF_MEMORY: "out of GPU memory",
    MODEL_HAS_FEWER: "all layers",
    USER_CHOSE_FEWER: "your choice",
    UNKNOWN: "fewer than asked",
}


def gpu_backends(backends: list[str] | tuple[str, ...]) -> list[str]:
    """The GPU backends among a build's backends: ["CUDA"], ["Metal"], [] for a CPU build."""
    return [b for b in backends if b not in NOT_GPU_BACKENDS]


@dataclass(frozen=True)
class OffloadReport:
    """What was asked, what llama.cpp did, and why they differ.

    Attributes:
        requested: layers asked for (-1: all, 0: CPU only, N).
        offloaded / total: what llama.cpp reported ("offloaded N/M layers to GPU").
        reason: one of the reason codes of this module ("" when everything went as asked).
        message: the reason as a sentence, with what to do about it ("" when there is nothing to say).
    """

    requested: int
    offloaded: int
    total: int
    reason: str
    message: str

    @property
    def short(self) -> str:
        return SHORT.get(self.reason, "")


def explain(requested: int, offloaded: int, total: int, *, backends: list[str] | tuple[str, ...] = (),
            gpu_usable: bool = False, out_of_memory: bool = False) -> OffloadReport:
    """Explain an offload result.

    ``backends``: the backends the llama.cpp build registered; ``gpu_usable``: llama.cpp found a GPU it can
    offload to (``llama_supports_gpu_offload``); ``out_of_memory``: its log said an allocation failed.
    """

    def report(reason: str, message: str) -> OffloadReport:
        return OffloadReport(requested, offloaded, total, reason, message)

    if requested == 0:
        return report(CPU_CHOSEN, _("You chose CPU only in Settings, so no layers are on the GPU."))
    want = total if requested < 0 else min(requested, total)
    if total and offloaded >= want:
        if 0 < total < requested:
            return report(
                MODEL_HAS_FEWER,
                _(
                    "All {total} layers are on the GPU: the model has {total}, fewer than the {requested} you "
                    "asked for."
                ).format(total=total, requested=requested),
            )
        if 0 < requested < total:
            return report(
                USER_CHOSE_FEWER,
                _(
                    "You chose {requested} of the model's {total} layers in Settings; the others run on the CPU. "
                    "Choose Auto to put all of them on the GPU."
                ).format(requested=requested, total=total),
            )
        return report(NONE, "")
    gpus = gpu_backends(backends)
    if not gpus:
        return report(
            NO_GPU_BUILD,
            _(
                "This llama.cpp build has no GPU backend (it was built for the CPU only), so the model runs on "
                "the CPU. {rebuild_help}"
            ).format(rebuild_help=rebuild_help()),
        )
    if not gpu_usable:
        return report(
            NO_GPU_DEVICE,
            _(
                "This llama.cpp build has {gpus}, but no usable GPU was found (is the GPU driver installed and "
                "working?), so the model runs on the CPU."
            ).format(gpus=", ".join(gpus)),
        )
    if out_of_memory:
        return report(
            OUT_OF_MEMORY,
            _(
                "Only {offloaded} of {want} layers fit in GPU memory; the others run on the CPU. Choose fewer "
                "GPU layers, a smaller quantization or a smaller context, or close other programs that use the "
                "GPU."
            ).format(offloaded=offloaded, want=want),
        )
    return report(
        UNKNOWN,
        _(
            "llama.cpp put only {offloaded} of {want} layers on the GPU. The engine log says more (Help → Open "
            "log folder)."
        ).format(offloaded=offloaded, want=want),
    )
