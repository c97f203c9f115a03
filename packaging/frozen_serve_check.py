"""The frozen `desktop-gpt serve` answers: starts it on a free loopback port, asks GET /v1/models, one whole and one
streamed tiny chat completion (urllib: nothing but the standard library), then stops it with SIGTERM (what a service
manager sends; a script's background job inherits SIGINT ignored, so Ctrl+C's signal cannot be relied on here).

    python3 packaging/frozen_serve_check.py dist/desktop-gpt/desktop-gpt [--loopback-up]

uvicorn loads its protocol, loop and logging classes by name and anyio its backend, so a module the bundle left out
shows only when the server runs. ``--loopback-up``: in a network namespace of its own (``unshare -n``) the loopback
interface starts down; bring it up first (Linux, root). Exit code 0 when every answer was right; one line of why not
otherwise. Run by frozen_self_test.sh with a fresh DESKTOP_GPT_HOME.
"""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

START_LIMIT_S = 300  # hang limits, not speed targets: the machine may be busy
REQUEST_LIMIT_S = 120
STOP_LIMIT_S = 30
ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+/v1")


def loopback_up() -> None:
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, siocgifflags, struct.pack("16sH14x", b"lo", 0)))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))


def ask(url: str, body: dict | None = None) -> urllib.request.addinfourl:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=REQUEST_LIMIT_S)


def check(base: str) -> str:
    """Ask the server; returns what it said, or raises AssertionError naming what was wrong."""
    with ask(f"{base}/models") as r:
        ids = [m["id"] for m in json.load(r)["data"]]
    assert ids and "app:poet" in ids, f"GET /v1/models listed {ids}"
    hello = {"model": ids[0], "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8,
             "temperature": 0}
    with ask(f"{base}/chat/completions", hello) as r:
        whole = json.load(r)
    text = whole["choices"][0]["message"]["content"]
    assert text and whole["usage"]["completion_tokens"] >= 1, f"the chat completion was {whole}"
    pieces, done = [], False
    with ask(f"{base}/chat/completions", {**hello, "stream": True}) as r:
        assert r.headers.get_content_type() == "text/event-stream", r.headers.get("Content-Type")
        for line in r:
            line = line.decode("utf-8").strip()
            if line == "data: [DONE]":
                done = True
            elif line.startswith("data: "):
                pieces += [c["delta"].get("content") or "" for c in json.loads(line[6:])["choices"]]
    assert done and "".join(pieces), f"the streamed chat completion sent {pieces} (ended: {done})"
    return f"{len(ids)} models; {text!r}; streamed {''.join(pieces)!r}"


def main() -> int:
    exe = sys.argv[1]
    if "--loopback-up" in sys.argv[2:]:
        loopback_up()
    proc = subprocess.Popen([exe, "serve", "--port", "0"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr] + [lines.put(None)], daemon=True).start()
    said: list[str] = []
    try:
        deadline, base = time.monotonic() + START_LIMIT_S, None
        while base is None:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"`serve` ended with exit code {proc.wait()}")
            said.append(line.rstrip())
            found = ADDRESS.search(line)
            base = found.group(0) if found else None
        answer = check(base)
        proc.send_signal(signal.SIGTERM)  # the server stops, the engine closes
        code = proc.wait(STOP_LIMIT_S)
        assert code == 0, f"`serve` stopped with exit code {code}"
    except (AssertionError, OSError, ValueError, KeyError, queue.Empty, subprocess.TimeoutExpired) as exc:
        print(f"frozen serve check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("\n".join(said[-20:]), file=sys.stderr)
        return 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"frozen serve: {base} answered: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
