"""The device probe: which backends this llama.cpp build has and its devices, asked in a short-lived process."""

from __future__ import annotations

import ctypes
from typing import Any


def probe_system() -> dict[str, Any]:
    """What this llama.cpp build has: its backends, whether it can offload to a GPU, and ggml's devices with
    their memory (llama-cpp-python has no wrappers for ggml's device API, so it is called through ctypes)."""
    import llama_cpp  # noqa: PLC0415
    from llama_cpp import _ggml  # noqa: PLC0415

    llama_cpp.llama_backend_init()
    lib = _ggml.libggml
    ptr, size = ctypes.c_void_p, ctypes.c_size_t
    for name, restype, argtypes in (
        ("ggml_backend_reg_count", size, []), ("ggml_backend_reg_get", ptr, [size]),
        ("ggml_backend_reg_name", ctypes.c_char_p, [ptr]), ("ggml_backend_dev_count", size, []),
        ("ggml_backend_dev_get", ptr, [size]), ("ggml_backend_dev_name", ctypes.c_char_p, [ptr]),
        ("ggml_backend_dev_description", ctypes.c_char_p, [ptr]), ("ggml_backend_dev_type", ctypes.c_int, [ptr]),
        ("ggml_backend_dev_memory", None, [ptr, ctypes.POINTER(size), ctypes.POINTER(size)]),
    ):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    text = lambda raw: (raw or b"").decode("utf-8", errors="replace")  # noqa: E731
    backends = sorted({text(lib.ggml_backend_reg_name(lib.ggml_backend_reg_get(i)))
                       for i in range(lib.ggml_backend_reg_count())})
    kinds = {0: "cpu", 1: "gpu", 2: "igpu", 3: "accel"}  # enum ggml_backend_dev_type
    devices = []
    for i in range(lib.ggml_backend_dev_count()):
        dev = lib.ggml_backend_dev_get(i)
        free, total = size(0), size(0)
        lib.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        devices.append({"name": text(lib.ggml_backend_dev_name(dev)),
                        "description": text(lib.ggml_backend_dev_description(dev)).strip(),
                        "kind": kinds.get(lib.ggml_backend_dev_type(dev), "accel"),
                        "memory_total": int(total.value), "memory_free": int(free.value)})
    return {"llama_cpp_version": getattr(llama_cpp, "__version__", ""), "backends": backends,
            "gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()), "devices": devices,
            "system_info": llama_cpp.llama_print_system_info().decode("utf-8", errors="replace").strip()}


def probe_main(conn) -> None:
    """Entry point of the short-lived probe process (see devices.py): one answer, then exit."""
    try:
        conn.send(("system", probe_system()))
    except Exception as exc:  # noqa: BLE001 - e.g. a CUDA build without its driver: say so, do not crash the app
        conn.send(("error", f"llama.cpp could not be loaded ({exc})"))
    finally:
        conn.close()
