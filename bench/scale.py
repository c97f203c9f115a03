"""Benchmark: a chat of any length opens at once, every chat stays reachable, search stays fast.

Fills a home through the storage layer (one very long chat; many chats; a million messages for search), opens the
real window offscreen (no model is loaded) and prints, side by side for each size:
  - the long chat (200 / 800 / 1,600 messages of ~120 words, a code block every tenth): time the GUI thread is
    blocked opening it (the call, then the first frame), memory added once it has settled, the message widgets
    alive, the longest and the 95th-percentile frame while paging up from the bottom to the first message, and
    the memory after that whole scroll;
  - the chat list (1,000 / 100,000 chats): time to open the window, time to reach the oldest chat by scrolling
    the list down (page after page, as a person would);
  - search (1,000,000 messages): median latency of ConversationStore.search for a common word, a rare word,
    a Chinese phrase, text found nowhere and a two-character query (no trigram index: LIKE).
Then how each figure grows from the smallest to the largest size. Medians of ``--runs`` runs. Times are the GUI
thread's CPU time (what the window costs, whatever else the machine runs) with wall-clock time beside them.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the engine keeps the prompt prefix stable so the cache is reused and every reply starts quickly while "
         "older turns are summarised when the context fills up and nothing typed ever leaves this computer").split()
CODE = "```python\ndef total(items):\n    return sum(item.price * item.qty for item in items)\n```"
CHINESE = "长城是中国古代的军事防御工程，绵延万里。"


def message_text(i: int, words: int = 120) -> str:
    """A deterministic message of about ``words`` words; every tenth has a code block, every 50th Chinese."""
    body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(words))
    text = f"Point {i}: {body[: len(body) // 2]}\n\n{body[len(body) // 2:]} (topic{i % 997})"
    if i % 10 == 0:
        text += "\n\n" + CODE
    if i % 50 == 0:
        text += "\n\n" + CHINESE
    return text


def fill_long_chat(store, messages: int, others: int = 20) -> int:
    from desktop_gpt.storage.bulk import NewConversation, import_conversations

    now = time.time()
    small = [NewConversation(f"Chat {k}", [("user", "hello"), ("assistant", "hi")], updated_at=now - 1000 - k)
             for k in range(others)]
    turns = [("user" if i % 2 == 0 else "assistant", message_text(i)) for i in range(messages)]
    return import_conversations(store, small + [NewConversation("The long chat", turns, updated_at=now)])[-1]


def fill_chats(store, chats: int) -> tuple[int, int]:
    """``chats`` short chats; returns the ids of the newest and the oldest."""
    from desktop_gpt.storage.bulk import NewConversation, import_conversations

    now = time.time()
    ids = import_conversations(store, (NewConversation(f"Chat number {k}", [("user", f"question {k}"),
                                                                             ("assistant", f"answer {k}")],
                                                       updated_at=now - k * 60) for k in range(chats)))
    return ids[0], ids[-1]


def fill_search(store, messages: int, per_chat: int = 100) -> None:
    from desktop_gpt.storage.bulk import NewConversation, import_conversations

    now = time.time()

    def chats():
        for c in range(messages // per_chat):
            turns = []
            for k in range(per_chat):
                i = c * per_chat + k
                text = message_text(i, words=24)
                if i == messages // 3:
                    text += " zebracorn"
                turns.append(("user" if k % 2 == 0 else "assistant", text))
            yield NewConversation(f"Search chat {c}", turns, updated_at=now - c)

    import_conversations(store, chats())


# -- the window --------------------------------------------------------------------------------------------------
def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def open_window(home: Path):
    from PySide6.QtWidgets import QApplication

    from desktop_gpt.ui.context import AppContext
    from desktop_gpt.ui.main_window import MainWindow

    os.environ["DESKTOP_GPT_HOME"] = str(home)
    app = QApplication.instance()
    started, cpu_started = time.perf_counter(), time.thread_time()
    context = AppContext.create()
    window = MainWindow(context)
    window.resize(1180, 780)
    window.show()
    app.processEvents()
    return context, window, (time.perf_counter() - started, time.thread_time() - cpu_started)


def close_window(context, window) -> None:
    from PySide6.QtWidgets import QApplication

    window.close()
    window.deleteLater()
    context.close()
    QApplication.instance().processEvents()
    gc.collect()


def settle(view, limit: int = 5000) -> None:
    """Turn the event loop until the view has built what it wants to (the old view: one turn)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    timer = getattr(view, "_fill_timer", None)
    for _ in range(limit):
        app.processEvents()
        if timer is None or not timer.isActive():
            break
    app.processEvents()


def long_chat(messages: int) -> dict:
    from PySide6.QtWidgets import QAbstractSlider, QApplication

    from desktop_gpt.storage import ConversationStore, Database

    app = QApplication.instance()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = Database(home / "data" / "desktop-gpt.sqlite3")
        cid = fill_long_chat(ConversationStore(db), messages)
        db.close()
        context, window, _opened = open_window(home)
        first_id = context.store.active_path(cid)[0].id
        view = window.chat.view
        settle(view)
        gc.collect()
        before = rss_mb()
        started, cpu_started = time.perf_counter(), time.thread_time()
        window.chat.open_conversation(cid)
        call = time.perf_counter() - started
        app.processEvents()
        first_frame = time.perf_counter() - started
        first_frame_cpu = time.thread_time() - cpu_started
        settle(view)
        gc.collect()
        added = rss_mb() - before
        alive = len(view.widgets())
        frames, cpu_frames = [], []
        bar = view.verticalScrollBar()
        scroll_started = time.perf_counter()
        for _ in range(100_000):
            if bar.value() == 0 and view.widget_for(first_id) is not None:
                break
            t, c = time.perf_counter(), time.thread_time()
            bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)
            app.processEvents()
            frames.append(time.perf_counter() - t)
            cpu_frames.append(time.thread_time() - c)
        scroll_s = time.perf_counter() - scroll_started
        settle(view)
        gc.collect()
        after_scroll = rss_mb() - before
        reached = view.widget_for(first_id) is not None
        alive_top = len(view.widgets())
        close_window(context, window)
    frames.sort()
    cpu_frames.sort()
    return {"open_call_s": call, "open_s": first_frame, "open_cpu_s": first_frame_cpu, "added_mb": added,
            "widgets": alive,
            "frame_max_ms": frames[-1] * 1000 if frames else 0.0,
            "frame_p95_ms": frames[int(len(frames) * 0.95)] * 1000 if frames else 0.0,
            "cpu_frame_max_ms": cpu_frames[-1] * 1000 if cpu_frames else 0.0,
            "cpu_frame_p95_ms": cpu_frames[int(len(cpu_frames) * 0.95)] * 1000 if cpu_frames else 0.0,
            "frames": len(frames), "scroll_s": scroll_s, "after_scroll_mb": after_scroll,
            "widgets_at_top": alive_top, "reached_top": reached}


def chat_list(chats: int) -> dict:
    from PySide6.QtWidgets import QAbstractSlider, QApplication

    from desktop_gpt.storage import ConversationStore, Database

    app = QApplication.instance()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = Database(home / "data" / "desktop-gpt.sqlite3")
        _newest, oldest = fill_chats(ConversationStore(db), chats)
        db.close()
        context, window, opened = open_window(home)
        listing = window.chat.conversations.list
        bar = listing.verticalScrollBar()

        def has_oldest() -> bool:
            last = listing.item(listing.count() - 1)
            return last is not None and last.data(256) == oldest  # Qt.ItemDataRole.UserRole

        started, cpu_started = time.perf_counter(), time.thread_time()
        steps = stuck = 0
        frames = []
        while not has_oldest() and stuck < 50:  # 50 scrolls that add nothing: the oldest cannot be reached
            count = listing.count()
            t = time.perf_counter()
            bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)
            app.processEvents()
            frames.append(time.perf_counter() - t)
            steps += 1
            stuck = stuck + 1 if listing.count() == count else 0
        reach, reach_cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        reached = has_oldest()
        close_window(context, window)
    return {"window_open_s": opened[0], "window_open_cpu_s": opened[1],
            "reach_oldest_s": reach if reached else float("nan"),
            "reach_oldest_cpu_s": reach_cpu if reached else float("nan"), "reached": reached,
            "pages": steps, "list_frame_max_ms": max(frames) * 1000 if frames else 0.0}


def search_latency(messages: int, runs: int, cache: Path | None) -> dict:
    from desktop_gpt.storage import ConversationStore, Database

    folder = cache or Path(tempfile.mkdtemp())
    path = folder / f"search-{messages}.sqlite3"
    filled = 0.0
    if not path.exists():
        started = time.perf_counter()
        db = Database(path.with_suffix(".tmp"))
        fill_search(ConversationStore(db), messages)
        db.close()
        path.with_suffix(".tmp").rename(path)
        filled = time.perf_counter() - started
    db = Database(path)
    store = ConversationStore(db)
    queries = {"common": "cache is reused", "rare": "zebracorn", "chinese": "军事防御", "missing": "no such words",
               "two_chars": "长城"}
    out = {"fill_s": filled}
    for name, text in queries.items():
        store.search(text)  # warm the page cache
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            hits = store.search(text)
            times.append(time.perf_counter() - t)
        out[name] = (statistics.median(times) * 1000, len(hits))
    db.close()
    return out


def median_of(fn, runs: int, *args) -> dict:
    results = [fn(*args) for _ in range(runs)]
    return {key: (statistics.median(r[key] for r in results) if isinstance(results[0][key], (int, float))
                  and not isinstance(results[0][key], bool) else results[-1][key]) for key in results[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", default="200,800,1600", help="long chat sizes")
    parser.add_argument("--chats", default="1000,100000", help="chat list sizes")
    parser.add_argument("--search", type=int, default=1_000_000, help="messages for the search figures (0: skip)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "desktop-gpt-bench",
                        help="where the search database is kept between runs (it takes minutes to fill)")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    QApplication(sys.argv[:1])
    print(f"runs={args.runs} (medians)")
    sizes = [int(x) for x in args.messages.split(",") if x]
    rows = {}
    for n in sizes:
        r = rows[n] = median_of(long_chat, args.runs, n)
        print(f"long chat {n:>5} messages: open {r['open_cpu_s'] * 1000:.0f} ms GUI-thread CPU "
              f"({r['open_s'] * 1000:.0f} ms wall, call {r['open_call_s'] * 1000:.0f} ms)"
              f" · memory +{r['added_mb']:.0f} MB · widgets {r['widgets']} · scroll to the first message: "
              f"{r['frames']} pages in {r['scroll_s']:.1f} s, frame CPU max {r['cpu_frame_max_ms']:.0f} ms "
              f"p95 {r['cpu_frame_p95_ms']:.0f} ms (wall max {r['frame_max_ms']:.0f} p95 {r['frame_p95_ms']:.0f})"
              f" · memory after +{r['after_scroll_mb']:.0f} MB, widgets {r['widgets_at_top']} · reached top: "
              f"{r['reached_top']}", flush=True)
    if len(sizes) > 1:
        a, b = rows[sizes[0]], rows[sizes[-1]]
        print(f"growth {sizes[0]}->{sizes[-1]} messages: open CPU x{b['open_cpu_s'] / a['open_cpu_s']:.2f} "
              f"(wall x{b['open_s'] / a['open_s']:.2f}), memory {a['added_mb']:.0f}->{b['added_mb']:.0f} MB, "
              f"frame CPU max {a['cpu_frame_max_ms']:.0f}->{b['cpu_frame_max_ms']:.0f} ms")
    counts = [int(x) for x in args.chats.split(",") if x]
    lists = {}
    for n in counts:
        r = lists[n] = median_of(chat_list, 1 if n > 10_000 else args.runs, n)
        reach = (f"reached in {r['reach_oldest_cpu_s']:.2f} s CPU ({r['reach_oldest_s']:.2f} s wall)"
                 if r["reached"] else "NOT reachable")
        print(f"chat list {n:>6} chats: window opens in {r['window_open_cpu_s'] * 1000:.0f} ms CPU "
              f"({r['window_open_s'] * 1000:.0f} ms wall) · oldest chat {reach} "
              f"({r['pages']} scrolls, longest {r['list_frame_max_ms']:.0f} ms wall)", flush=True)
    if len(counts) > 1:
        a, b = lists[counts[0]], lists[counts[-1]]
        print(f"growth {counts[0]}->{counts[-1]} chats: window open CPU "
              f"x{b['window_open_cpu_s'] / a['window_open_cpu_s']:.2f}"
              + (f", reach oldest x{b['reach_oldest_cpu_s'] / a['reach_oldest_cpu_s']:.1f} (for "
                 f"x{counts[-1] / counts[0]:.0f} the chats)" if a["reached"] and b["reached"] else ""))
    if args.search:
        args.cache.mkdir(parents=True, exist_ok=True)
        r = search_latency(args.search, max(args.runs, 5), args.cache)
        filled = r.pop("fill_s")
        if filled:
            print(f"search corpus: {args.search:,} messages filled in {filled:.0f} s")
        print(f"search over {args.search:,} messages: " + " · ".join(
            f"{name} {ms:.1f} ms ({hits} chats)" for name, (ms, hits) in r.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
