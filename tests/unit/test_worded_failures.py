"""Faults a person can meet end in a message in words, never a traceback: a damaged text file, settings or a
token on a disk that refuses the write, a damaged or locked chat database at start. Real files, real SQLite."""

from __future__ import annotations

import sqlite3

import pytest

from desktop_gpt.errors import FileAccessError, SettingsError, StorageError
from desktop_gpt.paths import app_paths
from desktop_gpt.services.tool_runs import read_text_file
from desktop_gpt.settings import Settings, save_settings
from desktop_gpt.storage import Database
from desktop_gpt.store.token import save_token, token_path


def test_a_damaged_utf16_file_is_explained(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8")  # a BOM, then half a surrogate pair
    with pytest.raises(FileAccessError, match="notes.txt says it is UTF-16 text but is damaged"):
        read_text_file(bad)


def test_settings_that_cannot_be_written_are_explained():
    paths = app_paths().ensure()
    paths.settings_file.with_suffix(".json.tmp").mkdir()  # the write fails as on a read-only disk
    with pytest.raises(SettingsError, match="The settings could not be saved to .*settings.json"):
        save_settings(Settings(), paths)


def test_a_token_that_cannot_be_written_is_explained():
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_name(path.name + ".tmp").mkdir()
    with pytest.raises(SettingsError, match="The access token could not be saved"):
        save_token("hf_abcdefghijklmnop")
    assert not path.exists()


def test_a_damaged_database_is_explained():
    path = app_paths().ensure().database
    path.write_bytes(b"these are not the chats you are looking for\n" * 200)
    with pytest.raises(StorageError, match="could not be opened: .*move the file away"):
        Database(path)
    assert path.read_bytes().startswith(b"these are not")  # left as it was


def test_a_locked_database_is_explained():
    path = app_paths().ensure().database
    Database(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock (the app waits its busy timeout)
    try:
        with pytest.raises(StorageError, match="is in use by another program"):
            Database(path)
    finally:
        other.execute("ROLLBACK")
        other.close()
