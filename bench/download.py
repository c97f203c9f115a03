"""Benchmark: the model downloader over loopback HTTP (the local test Hub), with sha256 checked as it writes.

Prints MB/s for a fresh download, for one that breaks off half-way and resumes (re-hashing the part already on
disk), and the raw sha256 speed of this machine for comparison. The network is never the limit here, so the figures
show the downloader's own cost: on a real connection (10–100 MB/s) it should never be the bottleneck.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=256, help="file size in MB (default 256)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ.update({"DESKTOP_GPT_HOME": f"{home}/app", "HF_HOME": f"{home}/hf", "HF_HUB_DISABLE_TELEMETRY": "1",
                           "HF_HUB_DISABLE_XET": "1"})
        from desktop_gpt.models.catalog import pick, repo_files
        from desktop_gpt.models.download import Download
        from desktop_gpt.models.partials import DownloadRequest
        from desktop_gpt.settings import Settings
        from desktop_gpt.store.hub import HubConfig
        from tests.hub.fakehub import FakeHub
        from tests.models.helpers import gguf_bytes

        data = gguf_bytes("bench", args.mb * 250_000)
        size_mb = len(data) / 1e6
        started = time.perf_counter()
        hashlib.sha256(data).hexdigest()
        sha_rate = size_mb / (time.perf_counter() - started)

        with FakeHub() as hub:
            os.environ["HF_ENDPOINT"] = hub.endpoint
            hub.add_repo("bench/model-GGUF", {"bench-Q4_K_M.gguf": data})
            config = HubConfig.resolve(Settings())
            request = DownloadRequest.from_model_file(pick(repo_files(config, "bench/model-GGUF")))
            models = Path(home) / "models"

            started = time.perf_counter()
            path = Download(request, models, config).run()
            fresh = size_mb / (time.perf_counter() - started)
            path.unlink()
            (path.parent / ".desktop-gpt.json").unlink()

            hub.drop_after[request.parts[0].sha256] = len(data) // 2
            started = time.perf_counter()
            Download(request, models, config, backoff=(0.0, 0.0)).run()
            resumed = size_mb / (time.perf_counter() - started)

    print(f"file: {size_mb:.0f} MB")
    print(f"sha256 alone: {sha_rate:.0f} MB/s")
    print(f"fresh download (write + sha256 + GGUF check + move): {fresh:.0f} MB/s")
    print(f"cut half-way, resumed in the same run: {resumed:.0f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
