"""Benchmark: the Store over loopback HTTP (the local test Hub): a page of 24 cards, cold and warm, and "Hub down".

Prints the time to list one page, to fetch its 24 cards (app.json + icon each) with 6 threads as the Store does,
the same cards again from the on-disk cache (goal: no request at all), one install, and how long it takes to
learn that the Hub is down (connection refused; the client's own retries would take ~23 s). The network is never
the limit here, so the figures show the app's own cost per request.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(func) -> tuple[float, object]:
    started = time.perf_counter()
    result = func()
    return (time.perf_counter() - started) * 1000, result


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        os.environ.update({"DESKTOP_GPT_HOME": f"{home}/app", "HF_HOME": f"{home}/hf", "HF_HUB_DISABLE_TELEMETRY": "1",
                           "HF_HUB_DISABLE_XET": "1"})
        from desktop_gpt.errors import HubUnavailable
        from desktop_gpt.settings import Settings
        from desktop_gpt.store.catalog import AppSearch, fetch_card
        from desktop_gpt.store.hub import HubConfig
        from desktop_gpt.store.library import AppLibrary
        from tests.hub.fakehub import FakeHub
        from tests.store.apps import seed

        logging.disable(logging.WARNING)  # the "Hub down" round logs its failures; the figures are what matters

        with FakeHub() as hub:
            os.environ["HF_ENDPOINT"] = hub.endpoint
            for i in range(30):
                seed(hub, f"bench/app-{i:02d}", f"App {i}", downloads=1000 - i)
            config = HubConfig.resolve(Settings())

            list_ms = []
            for _ in range(5):
                ms, page = timed(lambda: AppSearch(config).next_page())
                list_ms.append(ms)

            def cards():
                with ThreadPoolExecutor(max_workers=6) as pool:
                    return list(pool.map(lambda a: fetch_card(config, a.repo_id, a.sha), page))

            before = len(hub.requests)
            cold_ms, _ = timed(cards)
            cold_requests = len(hub.requests) - before
            before = len(hub.requests)
            warm_ms, _ = timed(cards)
            warm_requests = len(hub.requests) - before
            install_ms, _ = timed(lambda: AppLibrary().install(config, "bench/app-29"))

            hub.offline = True
            down_ms = []
            for _ in range(3):
                started = time.perf_counter()
                try:
                    AppSearch(config).next_page()
                except HubUnavailable:
                    down_ms.append((time.perf_counter() - started) * 1000)

    print(f"page of {len(page)} listed: {statistics.median(list_ms):.1f} ms (median of 5)")
    print(f"24 cards, cold: {cold_ms:.0f} ms, {cold_requests} requests")
    print(f"24 cards, warm: {warm_ms:.1f} ms, {warm_requests} requests")
    print(f"install (resolve + 3 files + checks + swap): {install_ms:.0f} ms")
    print(f"hub_down_ms={statistics.median(down_ms):.0f} cards_warm_requests={warm_requests}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
