"""Code prompts: languages and tasks, and code blocks taken out of a reply."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import ToolInputError
from desktop_gpt.tools import code


def test_the_languages_people_ask_for():
    keys = {lang.key for lang in code.LANGUAGES}
    assert {"python", "javascript", "typescript", "java", "c", "cpp", "csharp", "go", "rust", "sql", "bash", "html",
            "css"} <= keys
    assert code.find_language("C++").key == "cpp" and code.find_language("c#").key == "csharp"
    assert code.find_language("golang").extension == ".go"


@pytest.mark.parametrize("task", [t.key for t in code.TASKS])
def test_every_task_renders(task):
    prompt = code.code_prompt(task, "python", code="def add(a, b):\n    return a - b",
                              description="add two numbers", error="AssertionError: 3 != -1", target="rust")
    system, user = prompt.messages[0]["content"], prompt.messages[1]["content"]
    assert "Python" in system or "Python" in user
    if task == "generate":
        assert "add two numbers" in user
    else:
        assert "```python\ndef add(a, b):\n    return a - b\n```" in user
    if task == "fix":
        assert "AssertionError: 3 != -1" in user
    if task == "convert":
        assert "Rust" in user and "```rust" in system


def test_clear_errors():
    with pytest.raises(ToolInputError, match="Unknown programming language 'cobol2'"):
        code.code_prompt("generate", "cobol2", description="x")
    with pytest.raises(ToolInputError, match="Unknown code task 'golf'"):
        code.code_prompt("golf", "python", code="x")
    with pytest.raises(ToolInputError, match="needs code to work on"):
        code.code_prompt("explain", "python")
    with pytest.raises(ToolInputError, match="Describe"):
        code.code_prompt("generate", "python")
    with pytest.raises(ToolInputError, match="convert the code to"):
        code.code_prompt("convert", "python", code="x")


REPLY = """Here is the function:

```python
def reverse(s):
    return s[::-1]
```

And a quick check:

~~~
>>> reverse("abc")
'cba'
~~~

In JavaScript:
```js
const reverse = s => [...s].reverse().join("");
```
"""


def test_extracts_every_fenced_block_in_order():
    blocks = code.extract_code_blocks(REPLY)
    assert [(b.lang, b.code) for b in blocks] == [
        ("python", "def reverse(s):\n    return s[::-1]"),
        ("", '>>> reverse("abc")\n\'cba\''),
        ("js", 'const reverse = s => [...s].reverse().join("");'),
    ]
    assert blocks[2].language().key == "javascript"
    assert code.main_block(blocks, "python").code.startswith("def reverse")
    assert code.main_block(blocks, "javascript").lang == "js"
    assert code.main_block([], "python") is None


def test_an_unclosed_block_at_the_end_still_counts():
    blocks = code.extract_code_blocks("Sure:\n```python\nprint('cut off')")
    assert len(blocks) == 1 and blocks[0].code == "print('cut off')" and not blocks[0].closed
    assert code.extract_code_blocks("No code here.") == []
