"""Settings: defaults, validation with messages naming the setting, a bad file replaced, migrations."""

import json

import pytest

from desktop_gpt.errors import SettingsError
from desktop_gpt.paths import app_paths
from desktop_gpt.settings import SCHEMA_VERSION, Settings, load_settings, save_settings


def test_paths_all_live_under_desktop_gpt_home(app_home):
    paths = app_paths()
    for folder in (paths.config, paths.data, paths.cache, paths.logs):
        assert folder.is_relative_to(app_home)
    assert paths.database.parent == paths.data


def test_first_start_writes_readable_defaults():
    loaded = load_settings()
    assert loaded.problems == []
    data = json.loads(loaded.path.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["context_size"] == 4096
    assert data["gpu_layers"] == "auto"


def test_unparseable_file_is_kept_aside_and_replaced_by_defaults():
    path = app_paths().ensure().settings_file
    path.write_text("{ this is not json", encoding="utf-8")
    loaded = load_settings()
    assert loaded.settings == Settings()
    assert len(loaded.problems) == 1 and "could not be read" in loaded.problems[0]
    backups = list(path.parent.glob("settings.bad-*.json"))
    assert len(backups) == 1 and backups[0].read_text() == "{ this is not json"
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_a_bad_value_names_the_setting_and_only_that_one_falls_back():
    path = app_paths().ensure().settings_file
    path.write_text(json.dumps({"schema_version": 1, "temperature": 7, "top_k": 12, "gpu_layers": "lots",
                                "colour": "blue"}), encoding="utf-8")
    loaded = load_settings()
    assert loaded.settings.temperature == 0.7
    assert loaded.settings.gpu_layers == "auto"
    assert loaded.settings.top_k == 12
    text = " ".join(loaded.problems)
    assert "'temperature'" in text and "'gpu_layers'" in text and "'colour'" in text
    assert json.loads(path.read_text())["temperature"] == 0.7  # the file is repaired


def test_file_without_version_is_migrated():
    path = app_paths().ensure().settings_file
    path.write_text(json.dumps({"context_size": 2048}), encoding="utf-8")
    loaded = load_settings()
    assert loaded.settings.context_size == 2048
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_set_checks_values():
    s = Settings()
    s.set("gpu_layers", 20)
    assert s.gpu_layers == 20
    with pytest.raises(SettingsError, match="'top_p'"):
        s.set("top_p", 1.5)
    with pytest.raises(SettingsError, match="no setting"):
        s.set("nonsense", 1)


def test_save_and_load_round_trip_chinese_text():
    s = Settings()
    s.system_prompt = "你是一个乐于助人的助手。"
    save_settings(s)
    assert load_settings().settings.system_prompt == "你是一个乐于助人的助手。"
