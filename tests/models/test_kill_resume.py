"""A download killed with SIGKILL half-way is resumed by a new process (the CLI) with a Range request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from desktop_gpt.models import partials
from tests.models.helpers import sha256_file

HALF = 200_000


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "desktop_gpt", "models", *args]


def test_a_killed_download_resumes_in_a_new_process(hub, tiny_repo, models_dir):
    sha = tiny_repo.sha256("tiny-Q8_0.gguf")
    hub.stall_after[sha] = (HALF, 60)  # the first process is reliably half-way when it is killed
    env = dict(os.environ)  # DESKTOP_GPT_HOME, HF_HOME and HF_ENDPOINT of this test
    part = partials.partial_dir(models_dir) / "acme--tiny-GGUF--tiny-Q8_0.gguf.part"

    first = subprocess.Popen(_cli("download", tiny_repo.repo_id, "--quant", "Q8_0"), env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (part.exists() and part.stat().st_size >= HALF):
        assert first.poll() is None, first.stderr.read().decode()
        assert time.monotonic() < deadline, "the first download never got half-way"
        time.sleep(0.05)  # polling a file another process writes: there is no event to wait on
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    first.stderr.close()
    assert part.stat().st_size == HALF
    assert not (models_dir / "acme" / "tiny-GGUF" / "tiny-Q8_0.gguf").exists()

    second = subprocess.run(_cli("download", tiny_repo.repo_id, "--quant", "Q8_0", "--json"), env=env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    gets = hub.requests_to(r"^/cdn/", "GET")
    assert [g.range for g in gets] == [None, f"bytes={HALF}-"]
    assert gets[-1].status == 206
    result = json.loads(second.stdout)
    assert sha256_file(result["path"]) == sha == result["sha256"][0]
    assert not part.exists() and partials.list_partials(models_dir) == []
