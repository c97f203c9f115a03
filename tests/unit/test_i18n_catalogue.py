"""The catalogues are complete and match the code: every string extracted from desktop_gpt/ is translated."""

from __future__ import annotations

import gettext
import re
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import desktop_gpt
from desktop_gpt import i18n

PACKAGE = Path(desktop_gpt.__file__).parent
LOCALE = resources.files("desktop_gpt").joinpath("resources", "locale")
TRANSLATED = [code for code in i18n.LANGUAGE_NAMES if code != i18n.ENGLISH]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def _po(code: str):
    with LOCALE.joinpath(code, "LC_MESSAGES", "desktop_gpt.po").open("rb") as fp:
        return read_po(fp, locale=code)


def _code_messages() -> dict[str, str]:
    """msgid → "file:line" of every string marked in the code, extracted as `make i18n` does (babel.cfg)."""
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")]):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_the_code_marks_strings():
    assert len(_code_messages()) >= 20


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_string_in_the_code_is_translated(code):
    catalogue = _po(code)
    problems = []
    for msgid, where in sorted(_code_messages().items(), key=lambda kv: kv[1]):
        message = catalogue.get(msgid)
        strings = message.string if message is not None and isinstance(message.string, tuple) else (
            (message.string,) if message is not None else ())
        if message is None:
            problems.append(f"missing  {where}: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy    {where}: {msgid!r}")
        elif not all(strings):
            problems.append(f"untranslated {where}: {msgid!r}")
    assert not problems, (f"{len(problems)} strings need `make i18n` and a {code} translation:\n"
                          + "\n".join(problems[:60]))


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders(code):
    wrong = []
    for message in _po(code):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"{ids[0]!r} → {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(code):
    with LOCALE.joinpath(code, "LC_MESSAGES", "desktop_gpt.mo").open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    stale = []
    for message in _po(code):
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            for n, string in enumerate(message.string):
                if compiled.ngettext(message.id[0], message.id[1], n + 1 if n else 1) != string:
                    stale.append(message.id[0])
        elif compiled.gettext(message.id) != message.string:
            stale.append(message.id)
    assert not stale, f"run `make i18n` to recompile the .mo: {stale[:10]}"


def test_no_formatted_string_is_handed_to_the_catalogue():
    """_(f"...") cannot be extracted or looked up: fill named placeholders after translating."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b(_|N_|ngettext|pgettext)\(\s*f[\"']", line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{lineno}")
    assert not offenders, offenders
