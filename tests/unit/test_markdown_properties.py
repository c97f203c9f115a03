"""The Markdown segmenters on random text: the translator's segments join back to the text exactly, and the
chat view's streaming splitter gives the same blocks however the text is cut into pieces."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop_gpt.tools.segments import split
from desktop_gpt.ui.widgets.markdown_stream import BlockSplitter, split_blocks
from tests.property import PROPERTY

# Text made mostly of the pieces Markdown is built from, so the interesting cases come up often.
PIECES = st.sampled_from(["\n", "\r\n", "\n\n", " ", "    ", "\t", "# ", "## ", "- ", "* ", "1. ", "> ", "```",
                          "```python\n", "~~~", "---", "***", "| a | b |", "|---|---|", "<div>", "[x]: /y",
                          "===", "[ ] ", "word", "词", "é", "\u200b", "`", "\\"])
MARKDOWN = st.lists(PIECES | st.text(max_size=6), max_size=60).map("".join)


@PROPERTY
@given(text=MARKDOWN, markdown=st.booleans())
def test_segments_join_back_to_the_text_exactly(text, markdown):
    segments = split(text, markdown=markdown)
    assert "".join(s.text for s in segments) == text
    assert all(s.text for s in segments)


@PROPERTY
@given(text=MARKDOWN, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_streamed_blocks_do_not_depend_on_how_the_text_arrives(text, cuts):
    splitter = BlockSplitter()
    blocks = []
    start = 0
    for cut in sorted(set(cuts)) + [len(text)]:
        blocks += splitter.feed(text[start:cut])
        start = max(start, cut)
    blocks += splitter.close()
    assert blocks == split_blocks(text)
