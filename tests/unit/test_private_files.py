"""Chats, settings, tokens and logs are nobody else's: the app's folders are 0700 and the database 0600."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from desktop_gpt import log
from desktop_gpt.paths import app_paths
from desktop_gpt.storage.db import Database

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_folders_are_created_for_this_user_only():
    paths = app_paths().ensure()
    for folder in (paths.config, paths.data, paths.cache, paths.logs):
        assert mode(folder) == 0o700, folder


def test_existing_folders_are_narrowed(app_home):
    paths = app_paths()
    paths.data.mkdir(parents=True, mode=0o755)
    os.chmod(paths.data, 0o755)
    paths.ensure()
    assert mode(paths.data) == 0o700


def test_the_database_and_its_journal_are_0600():
    paths = app_paths().ensure()
    db = Database(paths.database)
    try:
        with db.transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
            conn.execute("INSERT INTO t VALUES (1)")
        for path in (paths.database, paths.database.with_name(paths.database.name + "-wal")):
            assert mode(path) == 0o600, path
    finally:
        db.close()


def test_an_existing_database_file_is_narrowed():
    paths = app_paths().ensure()
    paths.database.touch(mode=0o644)
    os.chmod(paths.database, 0o644)
    Database(paths.database).close()
    assert mode(paths.database) == 0o600


def test_the_log_folder_is_private(tmp_path):
    folder = tmp_path / "state" / "log"
    path = log.setup_logging(folder, "private-test.log")
    try:
        assert mode(folder) == 0o700 and path.parent == folder
    finally:
        root = logging.getLogger("desktop_gpt")
        for handler in [h for h in root.handlers if getattr(h, "baseFilename", "") == str(path)]:
            root.removeHandler(handler)
            handler.close()
