"""Translations for the GUI, the CLI and the Qt-free layers: one gettext catalogue and one language setting.

Every user-visible string goes through ``_()`` (or ``ngettext()`` for counts), called when the text is shown or
raised, never at import time: module-level strings are marked with ``N_()`` and translated where they are used.
Placeholders are named and filled with ``str.format`` after translating, so a translator can move them:
``_("Loading {name}…").format(name=name)``.

The catalogues are ``desktop_gpt/resources/locale/<lang>/LC_MESSAGES/desktop_gpt.mo`` (compiled from the ``.po``
next to them by ``make i18n``; tests/unit/test_i18n_catalogue.py checks they match). The language is the ``language``
setting: ``"system"`` (the OS locale), ``"en"`` or a shipped catalogue such as ``"zh_CN"``.
"""

from __future__ import annotations

import gettext
import locale
import os
import sys
from datetime import date, datetime
from importlib import resources

DOMAIN = "desktop_gpt"
# The language in use, handed to the processes the app starts (the engine worker) so they speak it too.
ENV = "DESKTOP_GPT_UI_LANGUAGE"
SYSTEM = "system"
ENGLISH = "en"

# The languages a person can pick, each named in its own language (how language menus show them).
LANGUAGE_NAMES = {
    ENGLISH: "English",
    "zh_CN": "简体中文",
}

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = ENGLISH


def _(message: str) -> str:
    """``message`` in the current language (itself when the catalogue has no translation)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the count ``n``, by the current language's plural rules."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context``, for an English word that needs different translations."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Marks a string for extraction without translating it (module-level constants); translate it with ``_()``."""
    return message


def current() -> str:
    """The language the catalogue in use is for: "en", "zh_CN"…"""
    return _language


def available() -> list[str]:
    """The languages with a shipped catalogue, English first."""
    return [code for code in LANGUAGE_NAMES if code == ENGLISH or _catalogue_exists(code)]


def _catalogue(code: str):
    return resources.files("desktop_gpt").joinpath("resources", "locale", code, "LC_MESSAGES", f"{DOMAIN}.mo")


def _catalogue_exists(code: str) -> bool:
    try:
        return _catalogue(code).is_file()
    except (FileNotFoundError, NotADirectoryError):
        return False


def system_locale(ui_languages: list[str] | None = None) -> str:
    """The OS locale name, e.g. "zh_CN.UTF-8" or "en-US".

    On Linux (and other Unix) gettext's order: LC_ALL, LC_MESSAGES, LANG. On Windows and macOS the GUI passes
    Qt's ``QLocale.system().uiLanguages()`` (the desktop's language, which the environment does not carry); without
    it the C library's locale is asked.
    """
    if sys.platform.startswith("linux") or ui_languages is None:
        for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
            value = os.environ.get(name)
            if value:
                return value
        if sys.platform.startswith("linux"):
            return ""
    if ui_languages:
        return ui_languages[0]
    try:
        return locale.getlocale()[0] or ""
    except ValueError:
        return ""


def match(locale_name: str) -> str:
    """The shipped language closest to a locale name: "zh_CN.UTF-8", "zh-Hans-CN", "zh_SG" → "zh_CN"; else "en"."""
    name = locale_name.split(".")[0].split("@")[0].replace("-", "_")
    if not name or name in ("C", "POSIX"):
        return ENGLISH
    parts = name.split("_")
    lang = parts[0].lower()
    shipped = available()
    if lang == "zh":
        rest = {p.upper() for p in parts[1:]}
        traditional = bool(rest & {"TW", "HK", "MO", "HANT"}) and not rest & {"HANS"}
        preferred = ["zh_TW", "zh_CN"] if traditional else ["zh_CN", "zh_TW"]
        return next((code for code in preferred if code in shipped), ENGLISH)
    for code in shipped:
        if code.lower() == name.lower() or code.split("_")[0] == lang:
            return code
    return ENGLISH


def resolve(setting: str, ui_languages: list[str] | None = None) -> str:
    """The language a ``language`` setting stands for: "system" is matched against the OS locale."""
    if setting == SYSTEM or not setting:
        return match(system_locale(ui_languages))
    return setting if setting in available() else match(setting)


def install(setting: str = SYSTEM, ui_languages: list[str] | None = None) -> str:
    """Use the catalogue for ``setting`` from now on; returns the language code now in use."""
    global _translations, _language
    code = resolve(setting, ui_languages)
    translations: gettext.NullTranslations = gettext.NullTranslations()
    if code != ENGLISH:
        try:
            with _catalogue(code).open("rb") as fp:
                translations = gettext.GNUTranslations(fp)
        except (OSError, ValueError):
            code = ENGLISH  # a missing or broken catalogue: English rather than no app
    _translations, _language = translations, code
    os.environ[ENV] = code
    return code


def babel_locale() -> str:
    """The current language as Babel spells it ("en", "zh_Hans_CN")."""
    return {"zh_CN": "zh_Hans_CN", "zh_TW": "zh_Hant_TW"}.get(_language, _language)


def format_number(value: float, decimals: int | None = None) -> str:
    """A number with the current language's grouping and decimal signs (Babel)."""
    from babel.numbers import format_decimal

    pattern = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=babel_locale())


def format_date(value: date | datetime, length: str = "medium") -> str:
    """A date as people of the current language write it ("Nov 30, 2026", "2026年11月30日")."""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(value, format=length, locale=babel_locale())


def format_datetime(value: datetime, length: str = "short") -> str:
    """A date and time in the current language."""
    from babel.dates import format_datetime as babel_format_datetime

    return babel_format_datetime(value, format=length, locale=babel_locale())
