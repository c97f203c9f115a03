"""Prompt templates: Jinja files in desktop_gpt/resources/templates (or the user's own copies) rendered into prompts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from desktop_gpt.errors import PromptTemplateError
from desktop_gpt.i18n import _

# A template defines up to three blocks: "system" and "user" make a chat prompt, "text" a raw continuation.
BLOCKS = ("system", "user", "text")


@dataclass
class Prompt:
    """What a tool asks the engine: chat ``messages`` (system + user), or ``raw`` text to continue.

    Attributes:
        tool: "writing", "translation" or "code".
        title: a short name for the run, shown in history.
        input: what the user gave (the text, the brief, the code); saved as the run's user message.
        request: the choices that made the prompt (task, languages, tone…), saved with the run.
    """

    tool: str
    title: str
    input: str
    messages: list[dict[str, str]] | None = None
    raw: str | None = None
    request: dict[str, Any] = field(default_factory=dict)

    @property
    def system(self) -> str:
        if self.messages and self.messages[0]["role"] == "system":
            return self.messages[0]["content"]
        return ""


class PromptTemplates:
    """Renders the named templates found first in ``folders`` (a user's copy wins over the bundled one)."""

    def __init__(self, folders: list[Path]):
        self.folders = [Path(f) for f in folders]
        self.env = jinja2.sandbox.SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(f) for f in self.folders], encoding="utf-8"),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )

    def render(self, name: str, **values: Any) -> dict[str, str]:
        """The blocks of template ``name`` (e.g. "writing/shorten.j2"), each stripped of outer blank space."""
        try:
            return {block: text.strip() for block, text in self._blocks(name, values).items()}
        except jinja2.TemplateNotFound:
            raise PromptTemplateError(
                _(
                    "The prompt template {name} is missing. Reinstall Desktop GPT, or restore the file in {folders}."
                ).format(name=name, folders=self.folders[-1])
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise PromptTemplateError(
                _("The prompt template {filename} has a mistake on line {lineno}: {message}.").format(
                    filename=exc.filename or name, lineno=exc.lineno, message=exc.message
                )
            ) from None
        except jinja2.UndefinedError as exc:
            raise PromptTemplateError(
                _("The prompt template {name} uses something it is not given: {exc}.").format(name=name, exc=exc)
            ) from None

    def messages(self, name: str, **values: Any) -> list[dict[str, str]]:
        """A chat prompt: the template's system block (if not empty) then its user block."""
        blocks = self.render(name, **values)
        if "user" not in blocks:
            raise PromptTemplateError(_("The prompt template {name} has no user block.").format(name=name))
        out = [{"role": "system", "content": blocks["system"]}] if blocks.get("system") else []
        return out + [{"role": "user", "content": blocks["user"]}]

    def text(self, name: str, **values: Any) -> str:
        """A raw prompt: the template's text block, kept exactly (a continuation depends on its last character)."""
        try:
            blocks = self._blocks(name, values)
        except jinja2.TemplateError:
            return self.render(name, **values)["text"]  # raises the error in words
        if "text" not in blocks:
            raise PromptTemplateError(_("The prompt template {name} has no text block.").format(name=name))
        return blocks["text"]

    def _blocks(self, name: str, values: dict[str, Any]) -> dict[str, str]:
        template = self.env.get_template(name)
        context = template.new_context(values)
        for _unused in template.root_render_func(context):  # runs {% extends %}, which adds the parents' blocks
            pass
        return {block: "".join(context.blocks[block][0](context)) for block in BLOCKS if context.blocks.get(block)}


def bundled_folder() -> Path:
    from desktop_gpt.resources import resource

    return resource("templates")


def user_folder() -> Path:
    """Where a user's edited copies go: a file here replaces the bundled one of the same name."""
    from desktop_gpt.paths import app_paths

    return app_paths().config / "templates"


@lru_cache(maxsize=4)
def _cached(folders: tuple[str, ...]) -> PromptTemplates:
    return PromptTemplates([Path(f) for f in folders])


def templates() -> PromptTemplates:
    """The templates of this run: the user's folder first, then the bundled one."""
    return _cached((str(user_folder()), str(bundled_folder())))
