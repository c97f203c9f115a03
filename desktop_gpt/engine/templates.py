"""Chat templates: render a conversation with the GGUF's own Jinja template, with fixes for known-bad ones."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Callable

import jinja2
import jinja2.sandbox

from desktop_gpt.errors import TemplateError
from desktop_gpt.i18n import _

# Used when a GGUF carries no template at all (old conversions); ChatML is what most small chat models use.
CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Known-bad templates and how we repair them (GPT4All keeps a table like this; see gpt4all#3340).
# Each entry: (name, test on the template text, repair of the template text).
TEMPLATE_FIXES: list[tuple[str, Callable[[str], bool], Callable[[str], str]]] = [
    # Hugging Face "assistant mask" tags that Python's Jinja does not know (llama-cpp-python#2226).
    (
        "strip {% generation %} tags",
        lambda t: "generation %}" in t,
        lambda t: re.sub(r"\{%-?\s*(end)?generation\s*-?%\}", "", t),
    ),
]


@dataclass
class RenderedPrompt:
    text: str
    fixes: list[str]


class ChatTemplate:
    """A compiled chat template.

    Attributes:
        source: "gguf" (the model's own), "fallback" (ChatML, because the GGUF has none) or "custom".
        fixes: names of the repairs applied to the template text.
        merges_system: True when the template rejects a system role, so the system prompt is merged into the
            first user message instead.
    """

    def __init__(self, template: str | None, bos_token: str = "", eos_token: str = "", source: str = "gguf"):
        self.fixes: list[str] = []
        if not template:
            template, source = CHATML, "fallback"
        for name, applies, repair in TEMPLATE_FIXES:
            if applies(template):
                fixed = repair(template)
                if fixed != template:
                    template = fixed
                    self.fixes.append(name)
        self.source = source
        self.text = template
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.merges_system = False
        env = jinja2.sandbox.ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"], undefined=jinja2.Undefined
        )
        env.globals["raise_exception"] = _raise_exception
        env.globals["strftime_now"] = lambda fmt: _dt.datetime.now().strftime(fmt)
        try:
            self._template = env.from_string(template)
        except jinja2.TemplateError as exc:
            raise TemplateError(
                _("This model's chat template cannot be read ({exc}). Choose another model, or a GGUF from "
                    "a publisher with fixed templates.").format(exc=exc)
            ) from None

    def render(self, messages: list[dict[str, str]], add_generation_prompt: bool = True) -> RenderedPrompt:
        """Render ``messages`` (role/content dicts, system first if any); raises TemplateError in words."""
        msgs = normalise(messages)
        if self.merges_system:
            msgs = merge_system(msgs)
        try:
            return RenderedPrompt(self._render(msgs, add_generation_prompt), list(self.fixes))
        except _TemplateRaised as exc:
            if msgs and msgs[0]["role"] == "system" and "system" in str(exc).lower():
                # Gemma-style templates refuse a system role: fold it into the first user turn.
                self.merges_system = True
                self.fixes.append("system prompt merged into the first user message")
                return RenderedPrompt(self._render(merge_system(msgs), add_generation_prompt), list(self.fixes))
            raise TemplateError(
                _("This model's chat template refused the conversation: {exc}").format(exc=exc)
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(_("This model's chat template failed to render: {exc}").format(exc=exc)) from None

    def _render(self, msgs: list[dict[str, str]], add_generation_prompt: bool) -> str:
        try:
            return self._template.render(
                messages=msgs,
                add_generation_prompt=add_generation_prompt,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
                tools=None,
                date_string=_dt.date.today().strftime("%d %b %Y"),
            )
        except jinja2.TemplateError:
            raise
        except _TemplateRaised:
            raise
        except Exception as exc:  # noqa: BLE001 - a template can raise anything (TypeError on None + str…)
            raise TemplateError(_("This model's chat template failed to render: {exc}").format(exc=exc)) from None

    def check(self) -> None:
        """Render a sample conversation so a broken template is reported when the model loads, not at send."""
        self.render(
            [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": "Hi! How can I help?"},
                {"role": "user", "content": "你好"},
            ]
        )


class _TemplateRaised(Exception):
    pass


def _raise_exception(message: str) -> Any:
    raise _TemplateRaised(message)


def normalise(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Make a history any template accepts: no empty turns, and strictly alternating user/assistant roles."""
    out: list[dict[str, str]] = []
    for m in messages:
        role, content = m["role"], m.get("content") or ""
        if role == "system":
            if out or not content.strip():
                continue
            out.append({"role": "system", "content": content})
            continue
        if role == "assistant" and not content.strip():
            continue
        if out and out[-1]["role"] == role:
            out[-1] = {"role": role, "content": out[-1]["content"] + "\n\n" + content}
        elif role == "assistant" and (not out or out[-1]["role"] == "system"):
            continue  # a reply with no question before it cannot be rendered by strict templates
        else:
            out.append({"role": role, "content": content})
    return out


def merge_system(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    if not messages or messages[0]["role"] != "system":
        return messages
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    for m in rest:
        if m["role"] == "user":
            m["content"] = f"{system}\n\n{m['content']}"
            return rest
    return [{"role": "user", "content": system}] + rest
