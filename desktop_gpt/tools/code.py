"""Code prompts: languages, tasks (generate, explain, fix…), and the code blocks taken out of a reply."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_gpt.errors import ToolInputError
from desktop_gpt.i18n import N_, _
from desktop_gpt.tools.options import Option, find
from desktop_gpt.tools.templates import Prompt, templates


@dataclass(frozen=True)
class CodeLanguage(Option):
    """A programming language: ``lexer`` is its Pygments name, ``fence`` the tag of its Markdown code fences,
    ``extension`` the file suffix of a saved block."""

    lexer: str = "text"
    fence: str = ""
    extension: str = ".txt"


def _code(key: str, label: str, lexer: str, extension: str, *aliases: str) -> CodeLanguage:
    return CodeLanguage(key, label, label, aliases, lexer=lexer, fence=key, extension=extension)


LANGUAGES: list[CodeLanguage] = [
    _code("python", "Python", "python", ".py", "py", "python3"),
    _code("javascript", "JavaScript", "javascript", ".js", "js", "node", "jsx"),
    _code("typescript", "TypeScript", "typescript", ".ts", "ts", "tsx"),
    _code("java", "Java", "java", ".java"),
    _code("c", "C", "c", ".c", "h"),
    _code("cpp", "C++", "cpp", ".cpp", "c++", "cxx", "hpp", "cc"),
    _code("csharp", "C#", "csharp", ".cs", "c#", "cs", "dotnet"),
    _code("go", "Go", "go", ".go", "golang"),
    _code("rust", "Rust", "rust", ".rs", "rs"),
    _code("sql", "SQL", "sql", ".sql", "postgresql", "mysql", "sqlite"),
    _code("bash", "Bash", "bash", ".sh", "sh", "shell", "zsh", "console"),
    _code("html", "HTML", "html", ".html", "htm", "xhtml"),
    _code("css", "CSS", "css", ".css", "scss"),
    _code("kotlin", "Kotlin", "kotlin", ".kt", "kt"),
    _code("swift", "Swift", "swift", ".swift"),
    _code("php", "PHP", "php", ".php"),
    _code("ruby", "Ruby", "ruby", ".rb", "rb"),
]


@dataclass(frozen=True)
class CodeTask(Option):
    """``needs_code``: works on the editor's code; ``needs_description``: works from a description."""

    needs_code: bool = True
    needs_description: bool = False


TASKS: list[CodeTask] = [
    CodeTask("generate", N_("Generate from a description"), N_("write code"), ("write", "new", "create"),
             needs_code=False, needs_description=True),
    CodeTask("explain", N_("Explain"), N_("explain the code"), ("explanation",)),
    CodeTask("fix", N_("Find and fix a bug"), N_("find and fix the bug"), ("debug", "bug", "bugfix")),
    CodeTask("refactor", N_("Refactor"), N_("refactor the code"), ("clean", "cleanup", "improve")),
    CodeTask("tests", N_("Write tests"), N_("write tests"), ("test", "unittest", "unit-tests")),
    CodeTask("convert", N_("Convert to another language"), N_("convert the code"), ("translate", "port")),
    CodeTask("comment", N_("Add comments"), N_("add comments"), ("comments", "document", "docs")),
]


def find_language(value: str) -> CodeLanguage:
    return find(LANGUAGES, value, N_("programming language"))


def find_task(value: str) -> CodeTask:
    return find(TASKS, value, N_("code task"))


def code_prompt(task: str, language: str, code: str = "", description: str = "", error: str = "",
                target: str | None = None) -> Prompt:
    """The prompt for a code task. ``description`` says what to write (generate) or adds to any task;
    ``error`` is a pasted error message (fix); ``target`` the language to convert to."""
    t, lang = find_task(task), find_language(language)
    if t.needs_code and not code.strip():
        raise ToolInputError(_("“{label}” needs code to work on, and none was given.").format(label=t.label))
    if t.needs_description and not description.strip():
        raise ToolInputError(_("Describe what the code should do."))
    target_lang = None
    if t.key == "convert":
        if not target:
            raise ToolInputError(_("Choose the language to convert the code to."))
        target_lang = find_language(target)
    messages = templates().messages(
        f"code/{t.key}.j2", language=lang.label, fence=lang.fence, code=code.strip("\n"),
        description=description.strip(), error=error.strip(),
        target=target_lang.label if target_lang else "", target_fence=target_lang.fence if target_lang else "",
    )
    about = description.strip() or code.strip()
    title = f"{t.label.split(' ')[0]} {lang.label}: {' '.join(about.split())[:48]}"
    return Prompt("code", title, description if t.needs_description else code, messages=messages,
                  request={"task": t.key, "language": lang.key, "target": target_lang.key if target_lang else None,
                           "description": description, "error": error})


@dataclass
class CodeBlock:
    """A fenced code block of a reply; ``closed`` is false when the reply ended inside it."""

    code: str
    lang: str = ""
    closed: bool = True

    def language(self) -> CodeLanguage | None:
        """The language its fence names, if it is one we know."""
        if not self.lang:
            return None
        try:
            return find_language(self.lang)
        except ToolInputError:
            return None


_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n`]*$")


def extract_code_blocks(text: str) -> list[CodeBlock]:
    """The fenced code blocks of a Markdown reply, in order (an unclosed last block counts too)."""
    blocks: list[CodeBlock] = []
    fence: str | None = None
    lang, lines = "", []
    for line in text.splitlines():
        if fence is None:
            m = _OPEN.match(line)
            if m:
                fence, lang, lines = m.group(1), m.group(2).strip("{}.").lower(), []
            continue
        stripped = line.strip()
        if stripped.startswith(fence) and set(stripped) == {fence[0]}:
            blocks.append(CodeBlock("\n".join(lines), lang))
            fence = None
        else:
            lines.append(line)
    if fence is not None and any(line.strip() for line in lines):
        blocks.append(CodeBlock("\n".join(lines), lang, closed=False))
    return blocks


def main_block(blocks: list[CodeBlock], language: str | None = None) -> CodeBlock | None:
    """The block a user most likely wants: the longest one in ``language`` if any is, else the longest."""
    if not blocks:
        return None
    wanted = [b for b in blocks if language and b.language() and b.language().key == find_language(language).key]
    return max(wanted or blocks, key=lambda b: len(b.code))
