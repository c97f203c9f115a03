"""``desktop-gpt write / translate / code`` on the bundled model, with no network: output, files, clear errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from desktop_gpt.cli import main

pytestmark = pytest.mark.model

FAST = ["--temperature", "0", "--max-tokens", "48"]


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_write_a_draft_from_a_topic(capsys):
    code, out, err = _run(capsys, "write", "--kind", "poem", *FAST, "autumn rain")
    assert code == 0 and out.strip(), err


def test_write_a_task_on_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(
        "The quick brown fox, which was very quick and very brown, jumped over the lazy dog that was asleep."))
    code, out, err = _run(capsys, "write", "--task", "shorten", *FAST)
    assert code == 0 and out.strip(), err


def test_translate_text_and_save_it_in_the_history(capsys):
    code, out, err = _run(capsys, "translate", "--to", "zh-Hans", "--save", *FAST, "Good morning")
    assert code == 0 and out.strip(), err
    from desktop_gpt.cli import common
    from desktop_gpt.services.tool_runs import history

    runs = history(common.store(), "translation")
    assert len(runs) == 1 and runs[0].input == "Good morning" and runs[0].output == out.rstrip("\n")
    assert runs[0].request["target"] == "zh-Hans" and runs[0].title == "English → Simplified Chinese"


def test_translate_a_markdown_file_keeps_its_structure(capsys, tmp_path):
    source = tmp_path / "notes.md"
    source.write_text("# Notes\n\nThe weather is nice.\n\n- one apple\n- two pears\n\n```\nmake run\n```\n",
                      encoding="utf-8")
    target = tmp_path / "notes.fr.md"
    code, out, err = _run(capsys, "translate", "--to", "fr", "-f", str(source), "-o", str(target), *FAST)
    assert code == 0 and out == "" and f"saved {target}" in err
    lines = target.read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("# ") and lines[1] == "" and lines[3] == ""
    assert lines[4].startswith("- ") and lines[5].startswith("- ") and lines[6] == ""
    assert lines[7:] == ["```", "make run", "```", ""]


def test_code_only_prints_just_the_code(capsys):
    code, out, err = _run(capsys, "code", "--lang", "python", "--code-only", "--temperature", "0",
                          "a function that reverses a string")
    assert code == 0 and out.strip(), err
    assert "```" not in out and "def " in out


@pytest.mark.parametrize("argv,message", [
    (["translate", "--to", "klingon", "hi"], "Unknown language 'klingon'"),
    (["code", "--lang", "cobol2", "x"], "Unknown programming language 'cobol2'"),
    (["code", "--task", "golf", "x"], "Unknown code task 'golf'"),
    (["write", "--task", "shortn", "x"], "Unknown task 'shortn'. Did you mean shorten?"),
    (["write", "--kind", "sonnet", "x"], "Unknown kind 'sonnet'"),
    (["translate", "--to", "fr", "--term", "no separator", "hi"], "Glossary line 1"),
])
def test_unknown_choices_fail_with_one_clear_line(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.startswith("desktop-gpt: ") and message in err and err.count("\n") == 1


def test_reads_stdin_from_a_pipe_in_a_real_process(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-m", "desktop_gpt", "code", "--task", "explain", "--lang", "python", *FAST],
        input="def add(a, b):\n    return a + b\n", capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
