"""Cut streamed Markdown into finished blocks as it arrives, so each block is rendered once (no Qt here)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")


@dataclass
class Block:
    """A finished piece of a reply: ``kind`` is "markdown" or "code" (then ``lang`` is the fence's language)."""

    kind: str
    text: str
    lang: str = ""


class BlockSplitter:
    """Feed text as it streams; get back the blocks that just finished. The unfinished rest is ``tail()``.

    Each character is looked at a bounded number of times, so the cost of a whole reply is linear in its length.
    """

    def __init__(self) -> None:
        self._partial = ""  # the current line, not yet ended by a newline
        self._lines: list[str] = []  # finished lines of the block being built
        self._fence: str | None = None  # the opening fence while inside a code block
        self._lang = ""

    @property
    def in_code(self) -> bool:
        return self._fence is not None

    def tail(self) -> str:
        """The text not yet in a finished block (shown as plain text while streaming)."""
        if self._lines:
            return "\n".join(self._lines) + "\n" + self._partial
        return self._partial

    def feed(self, text: str) -> list[Block]:
        text = text.replace("\r", "")
        done: list[Block] = []
        if "\n" not in text:
            self._partial += text
            return done
        pieces = (self._partial + text).split("\n")
        self._partial = pieces.pop()
        for line in pieces:
            self._line(line, done)
        return done

    def close(self) -> list[Block]:
        """The reply ended: everything left becomes blocks (an unclosed code fence is closed)."""
        done: list[Block] = []
        if self._partial:
            self._line(self._partial, done)
            self._partial = ""
        if self._fence is not None:
            done.append(Block("code", "\n".join(self._lines), self._lang))
            self._fence, self._lines = None, []
        else:
            self._flush(done)
        return done

    def _line(self, line: str, done: list[Block]) -> None:
        if self._fence is not None:
            stripped = line.strip()
            if stripped.startswith(self._fence[0] * 3) and set(stripped) == {self._fence[0]} and len(stripped) >= len(
                self._fence
            ):
                done.append(Block("code", "\n".join(self._lines), self._lang))
                self._fence, self._lines = None, []
            else:
                self._lines.append(line)
            return
        m = _FENCE.match(line)
        if m:
            self._flush(done)
            self._fence, self._lang = m.group(1), m.group(2)
            return
        if not line.strip():
            self._flush(done)
        elif _HEADING.match(line):
            self._flush(done)
            done.append(Block("markdown", line))
        else:
            self._lines.append(line)

    def _flush(self, done: list[Block]) -> None:
        if self._lines:
            done.append(Block("markdown", "\n".join(self._lines)))
            self._lines = []


def split_blocks(text: str) -> list[Block]:
    """All blocks of a finished text."""
    splitter = BlockSplitter()
    return splitter.feed(text) + splitter.close()
