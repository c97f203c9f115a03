"""The language setting and locale decide the catalogue; numbers and dates follow; the CLI speaks it too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from desktop_gpt import i18n
from desktop_gpt.errors import SettingsError, ToolInputError
from desktop_gpt.i18n import _, ngettext
from desktop_gpt.paths import app_paths
from desktop_gpt.settings import Settings, load_settings, read_language, save_settings
from desktop_gpt.tools.languages import find_language


@pytest.mark.parametrize(("name", "expected"), [
    ("zh_CN.UTF-8", "zh_CN"), ("zh_CN", "zh_CN"), ("zh-Hans-CN", "zh_CN"), ("zh_SG.UTF-8", "zh_CN"), ("zh", "zh_CN"),
    ("zh_TW.UTF-8", "zh_CN"),  # no Traditional catalogue yet: Simplified reads better than English
    ("en_US.UTF-8", "en"), ("C.UTF-8", "en"), ("POSIX", "en"), ("", "en"), ("de_DE.UTF-8", "en"), ("fr-FR", "en"),
])
def test_locale_names_match_the_shipped_languages(name, expected):
    assert i18n.match(name) == expected


def test_system_language_follows_gettext_order_of_variables(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_MESSAGES", "zh_CN.UTF-8")
    assert i18n.resolve("system") == "zh_CN"
    monkeypatch.setenv("LC_ALL", "C")
    assert i18n.resolve("system") == "en"
    monkeypatch.delenv("LC_ALL")
    monkeypatch.delenv("LC_MESSAGES")
    assert i18n.resolve("system") == "en"
    # Elsewhere the desktop's language (Qt's uiLanguages) counts when the environment says nothing.
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delenv("LANG")
    assert i18n.resolve("system", ["zh-Hans-CN", "en-US"]) == "zh_CN"


def test_an_explicit_language_wins_over_the_locale(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.install("en") == "en"
    assert _("Settings saved") == "Settings saved"
    assert i18n.install("system") == "zh_CN"
    assert _("Settings saved") == "设置已保存"
    assert os.environ[i18n.ENV] == "zh_CN"  # what the engine worker process installs


INTERRUPTED = ("{n} reply was being written when Desktop GPT last closed; what was written is kept and marked "
               "incomplete.",
               "{n} replies were being written when Desktop GPT last closed; what was written is kept and marked "
               "incomplete.")


def test_plurals_come_from_the_catalogue():
    assert ngettext(*INTERRUPTED, 1).format(n=1).startswith("1 reply was")
    assert ngettext(*INTERRUPTED, 3).format(n=3).startswith("3 replies were")
    i18n.install("zh_CN")  # Chinese has one form for every count
    assert ngettext(*INTERRUPTED, 1).format(n=1).startswith("有 1 条回复")
    assert ngettext(*INTERRUPTED, 3).format(n=3).startswith("有 3 条回复")


def test_numbers_and_dates_use_the_language():
    assert i18n.format_number(1234567.5, 1) == "1,234,567.5"
    assert i18n.format_date(date(2026, 11, 30)) == "Nov 30, 2026"
    i18n.install("zh_CN")
    assert i18n.format_date(date(2026, 11, 30)) == "2026年11月30日"
    assert i18n.format_number(1234567, 0) == "1,234,567"


def test_language_and_theme_settings_are_checked_and_saved(app_home):
    s = Settings()
    assert (s.language, s.theme) == ("system", "system")
    with pytest.raises(SettingsError, match="language"):
        s.set("language", "klingon")
    with pytest.raises(SettingsError, match="theme"):
        s.set("theme", "purple")
    s.set("language", "zh_CN")
    s.set("theme", "dark")
    save_settings(s)
    loaded = load_settings().settings
    assert (loaded.language, loaded.theme) == ("zh_CN", "dark")
    assert read_language() == "zh_CN"


def test_reading_the_language_never_fails(app_home):
    paths = app_paths().ensure()
    assert read_language() == "system"  # no file yet
    paths.settings_file.write_text("{not json", encoding="utf-8")
    assert read_language() == "system"
    paths.settings_file.write_text(json.dumps({"language": "xx"}), encoding="utf-8")
    assert read_language() == "system"


def test_errors_of_the_qt_free_layers_are_translated():
    with pytest.raises(ToolInputError, match="Unknown language 'xx'"):
        find_language("xx")
    i18n.install("zh_CN")
    with pytest.raises(ToolInputError, match="未知的语言“xx”"):
        find_language("xx")


def test_the_cli_prints_its_error_in_the_locale_language(app_home):
    env = dict(os.environ, LANG="zh_CN.UTF-8", DESKTOP_GPT_HOME=str(app_home), HF_HUB_OFFLINE="1")
    run = subprocess.run([sys.executable, "-m", "desktop_gpt", "translate", "--to", "xx", "hi"],
                         capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "未知的语言“xx”" in run.stderr
    # The setting wins over the locale.
    app_paths().ensure().settings_file.write_text(json.dumps({"language": "en"}), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "desktop_gpt", "translate", "--to", "xx", "hi"],
                         capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert "Unknown language 'xx'" in run.stderr
