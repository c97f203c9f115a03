"""The streaming Markdown splitter: the same blocks however the text is cut into pieces."""

import random

from desktop_gpt.ui.widgets.markdown_stream import Block, BlockSplitter, split_blocks

TEXT = (
    "# Heading 标题\nFirst paragraph with **bold**\nand a second line.\n\n- one\n- two\n\n"
    "```python\ndef f():\n\n    return '```'\n```\nAfter.\n~~~\nraw ~~~ text\n~~~\n"
)


def test_blocks_of_a_whole_text():
    assert split_blocks(TEXT) == [
        Block("markdown", "# Heading 标题"),
        Block("markdown", "First paragraph with **bold**\nand a second line."),
        Block("markdown", "- one\n- two"),
        Block("code", "def f():\n\n    return '```'", "python"),
        Block("markdown", "After."),
        Block("code", "raw ~~~ text", ""),
    ]


def test_any_chunking_gives_the_same_blocks():
    rng = random.Random(7)
    for _ in range(50):
        splitter, blocks, i = BlockSplitter(), [], 0
        while i < len(TEXT):
            n = rng.randint(1, 9)
            blocks += splitter.feed(TEXT[i : i + n])
            i += n
        assert blocks + splitter.close() == split_blocks(TEXT)


def test_tail_is_the_unfinished_text():
    s = BlockSplitter()
    assert s.feed("Hello\nwor") == []
    assert s.tail() == "Hello\nwor"
    assert s.feed("ld\n\n```js\nlet") == [Block("markdown", "Hello\nworld")]
    assert s.in_code and s.tail() == "let"


def test_unclosed_fence_is_closed_at_the_end():
    assert split_blocks("```sql\nSELECT 1") == [Block("code", "SELECT 1", "sql")]
