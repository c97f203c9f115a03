"""What an app update changes: the fields that differ, and a line-by-line diff of the instructions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from desktop_gpt.store.app_format import AppManifest
from desktop_gpt.i18n import N_


@dataclass(frozen=True)
class FieldChange:
    """One field an update changes, shown as text (``label`` is the field in words)."""

    field: str
    label: str
    old: str
    new: str


_LABELS = {"name": N_("Name"), "description": N_("Description"), "tool": N_("Tool"), "category": N_("Category"),
           "starters": N_("Starters"), "parameters": N_("Parameters"), "icon": N_("Icon"), "languages": N_("Languages"),
           "recommended_model": N_("Recommended model"), "tool_options": N_("Tool options"), "version": N_("Version"),
           "license": N_("License"), "min_app_version": N_("Needs Desktop GPT")}


def describe_changes(old: AppManifest, new: AppManifest) -> tuple[FieldChange, ...]:
    """The fields other than instructions that differ, each shown as text."""
    before, after = old.to_dict(), new.to_dict()
    changes = []
    for key, label in _LABELS.items():
        if before.get(key) != after.get(key):
            changes.append(FieldChange(key, label, _as_text(before.get(key)), _as_text(after.get(key))))
    return tuple(changes)


def instructions_diff(old: str, new: str) -> str:
    """A unified diff of the instructions ("" when they are the same)."""
    if old == new:
        return ""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "installed", "update", lineterm="")
    return "\n".join(lines) + "\n"


def _as_text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
