"""Benchmark: stream a 4,000-token Markdown reply (with code blocks) into the real chat view.

Tokens arrive the way the engine controller hands them to the GUI (a batch every 40 ms) at a fast GPU's rate.
Measures the longest GUI-thread stall (a 5 ms heartbeat timer's worst lateness plus the longest batch) and the
render time for 4,000 tokens over 2,000 (linear is 2.0). Side by side, the same stream into a naive view that
re-renders the whole message on every batch (what GPT4All and Jan do), for comparison.
Ends with ``stall_max_ms=X render_ratio=Y``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time

PARAGRAPH = ("The **engine** keeps the prompt's prefix stable so the KV cache is reused; "
             "only the new tokens of each turn are processed, which keeps replies quick. ")
CODE = '''def fibonacci(n: int) -> list[int]:
    """Return the first n Fibonacci numbers."""
    seq = [0, 1]
    while len(seq) < n:
        seq.append(seq[-1] + seq[-2])
    return seq[:n]
'''
JS = "const total = items.reduce((sum, item) => sum + item.price * item.qty, 0);\nconsole.log(`Total: ${total}`);\n"


def markdown_reply(tokens: int) -> list[str]:
    """A deterministic Markdown reply cut into about ``tokens`` pieces of ~4 characters (a token's size)."""
    parts, i = [], 0
    while sum(len(p) for p in parts) < tokens * 4:
        i += 1
        parts.append(f"## Section {i}\n\n{PARAGRAPH * 3}\n\n- first point about {i}\n- second point\n- third\n\n")
        parts.append(f"```python\n{CODE}```\n\n" if i % 2 else f"```javascript\n{JS}```\n\n")
        parts.append(f"{PARAGRAPH * 2}\n\n| name | value |\n|---|---|\n| a | {i} |\n\n")
    text = "".join(parts)
    pieces = re.findall(r".{1,4}", text, flags=re.S)
    return pieces[:tokens]


def stream(view_kind: str, pieces: list[str], batch: int) -> dict:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_gpt.storage import Message
    from desktop_gpt.ui.chat.message_view import MessageView

    app = QApplication.instance()
    view = MessageView()
    view.resize(900, 700)
    view.show()
    message = Message(1, 1, None, "assistant", "", status="streaming")
    widget = view.add_message(message)
    app.processEvents()
    if view_kind == "naive":
        full = []

        def append(text: str) -> None:
            full.append(text)
            widget.body.set_markdown("".join(full))  # re-render everything, every batch
    else:
        append = widget.append

    render_s = 0.0
    batch_max = 0.0
    late_max = 0.0
    clock = QElapsedTimer()
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    last = [None]

    def beat() -> None:
        nonlocal late_max
        now = clock.nsecsElapsed() / 1e6
        if last[0] is not None:
            late_max = max(late_max, now - last[0] - 5)
        last[0] = now

    heartbeat.timeout.connect(beat)
    loop = QEventLoop()
    feeder = QTimer()
    feeder.setInterval(40)
    position = [0]

    def feed() -> None:
        nonlocal render_s, batch_max
        if position[0] >= len(pieces):
            feeder.stop()
            start = time.perf_counter()
            widget.finish("complete", "stop")
            app.processEvents()
            spent = time.perf_counter() - start
            render_s += spent
            batch_max = max(batch_max, spent)
            loop.quit()
            return
        chunk = "".join(pieces[position[0]: position[0] + batch])
        position[0] += batch
        start = time.perf_counter()
        append(chunk)
        spent = time.perf_counter() - start
        render_s += spent
        batch_max = max(batch_max, spent)

    feeder.timeout.connect(feed)
    clock.start()
    heartbeat.start()
    feeder.start()
    loop.exec()
    heartbeat.stop()
    view.close()
    view.deleteLater()
    app.processEvents()
    return {"render_s": render_s, "batch_max_ms": batch_max * 1000, "late_max_ms": late_max}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4000)
    parser.add_argument("--rate", type=int, default=1000, help="tokens per second arriving from the engine")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    QApplication(sys.argv[:1])
    batch = max(1, args.rate * 40 // 1000)
    full = markdown_reply(args.tokens)
    half = full[: args.tokens // 2]
    rows = {}
    for kind in ("incremental", "naive"):
        for label, pieces in (("full", full), ("half", half)):
            rows[(kind, label)] = [stream(kind, pieces, batch) for _ in range(args.runs)]

    def med(kind: str, label: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[(kind, label)])

    print(f"tokens={args.tokens} rate={args.rate}/s batch={batch} runs={args.runs} (medians)")
    for kind in ("incremental", "naive"):
        full_s, half_s = med(kind, "full", "render_s"), med(kind, "half", "render_s")
        stall = max(med(kind, "full", "batch_max_ms"), med(kind, "full", "late_max_ms"))
        print(f"{kind:>12}: render {args.tokens}={full_s * 1000:.0f}ms {args.tokens // 2}={half_s * 1000:.0f}ms "
              f"ratio={full_s / half_s:.2f} longest_batch={med(kind, 'full', 'batch_max_ms'):.1f}ms "
              f"heartbeat_late={med(kind, 'full', 'late_max_ms'):.1f}ms stall={stall:.1f}ms")
    stall = max(med("incremental", "full", "batch_max_ms"), med("incremental", "full", "late_max_ms"))
    ratio = med("incremental", "full", "render_s") / med("incremental", "half", "render_s")
    print(f"stall_max_ms={stall:.1f} render_ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
