"""Servers for the serve/connect tests: our own (in this process, on the shared engine) and llama-cpp-python's
(in its own process). Ports are chosen by the OS; readiness is polled with a hang limit; teardown always stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

try:  # the HTTP client the openai package brings (httpx2 from openai 3, httpx before)
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

from desktop_gpt.server.run import BackgroundServer, model_server
from desktop_gpt.services.engine_access import EngineAccess
from desktop_gpt.settings import Settings

READY_LIMIT_S = 120  # a hang limit, not a speed target: the machine may be busy
LLAMA_KEY = "test-key-for-llama-server"


@dataclass
class LocalServer:
    url: str
    engine: object
    access: EngineAccess
    server: BackgroundServer


def start_local(engine, api_key=None, max_waiting=8, settings=None) -> LocalServer:
    access = EngineAccess(max_waiting)
    app = model_server(engine, settings or Settings(), access, api_key=api_key, max_waiting=max_waiting)
    running = BackgroundServer(app.asgi(), "127.0.0.1", 0).start()
    return LocalServer(running.address, engine, access, running)


@pytest.fixture
def local_server(engine):
    """`desktop-gpt serve`'s server on the shared engine, on a free loopback port."""
    server = start_local(engine)
    yield server
    server.server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen | None = None, headers: dict | None = None) -> None:
    """Poll ``url`` until it answers 200 (or the process died, or the hang limit passed)."""
    deadline = time.monotonic() + READY_LIMIT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(url, headers=headers or {}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready after {READY_LIMIT_S} s")


@dataclass
class LlamaServer:
    url: str
    proc: subprocess.Popen
    model_id: str

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


def start_llama_server(model: Path, tmp: Path) -> LlamaServer:
    """llama-cpp-python's own OpenAI-compatible server (a server we did not write) serving the bundled model."""
    port = free_port()
    log = open(tmp / "llama-server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2",
         "--api_key", LLAMA_KEY, "--verbose", "False"],
        stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    server = LlamaServer(f"http://127.0.0.1:{port}", proc, "smollm2")
    try:
        wait_ready(f"{server.url}/v1/models", proc, {"Authorization": f"Bearer {LLAMA_KEY}"})
    except BaseException:
        stop_process(proc)
        raise
    return server


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def llama_server(bundled_model, tmp_path_factory):
    server = start_llama_server(bundled_model, tmp_path_factory.mktemp("llama-server"))
    yield server
    stop_process(server.proc)
