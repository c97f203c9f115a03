"""Named choices of the tools (kinds, tasks, tones, languages) and looking one up by what a person typed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Sequence, TypeVar

from desktop_gpt.errors import ToolInputError
from desktop_gpt.i18n import _


@dataclass(frozen=True)
class Option:
    """One choice. ``key`` is stable (saved, used on the command line); ``label`` is what people read;
    ``hint`` is the phrase a prompt uses for it."""

    key: str
    label: str
    hint: str = ""
    aliases: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """The label in the interface's language (labels are marked with N_ where options are declared)."""
        return _(self.label)

    def names(self) -> tuple[str, ...]:
        return (self.key, self.label, *self.aliases)


T = TypeVar("T", bound=Option)


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", "-").split())


def find(options: Sequence[T], value: str, what: str) -> T:
    """The option whose key, label or alias is ``value`` (any case); else ToolInputError naming the choices.

    ``what`` names the kind of choice ("language"), marked with ``N_()`` by the caller and translated here.
    """
    wanted = _norm(value)
    for option in options:
        if wanted in (_norm(n) for n in option.names()):
            return option
    keys = [o.key for o in options]
    close = difflib.get_close_matches(wanted, [_norm(n) for o in options for n in o.names()], n=1, cutoff=0.75)
    fields = {"what": _(what), "value": value, "choices": ", ".join(keys)}
    if close:
        match = next(o for o in options if close[0] in (_norm(n) for n in o.names()))
        raise ToolInputError(_("Unknown {what} '{value}'. Did you mean {suggestion}? Choose one of: {choices}.")
                             .format(suggestion=match.key, **fields))
    raise ToolInputError(_("Unknown {what} '{value}'. Choose one of: {choices}.").format(**fields))
