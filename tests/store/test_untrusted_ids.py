"""A Hub (or mirror) that answers with another repository id, or lists file names that are paths, installs
nothing: ids and names from the server become folder and file names on this computer."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import HubProtocolError
from desktop_gpt.paths import app_paths
from desktop_gpt.store import app_files as remote
from desktop_gpt.store.library import AppLibrary
from tests.store.apps import app_files


@pytest.mark.parametrize("answered", ["..", "..\\..\\Documents", "bob/other", "alice/poet/../../x", "alice/po:et"])
def test_an_install_refuses_a_repo_id_other_than_the_one_asked_for(hub, hub_config, answered):
    hub.add_repo("alice/poet", app_files("Poet"), extra={"id": answered})
    canary = app_paths().ensure().data / "desktop-gpt.sqlite3"
    canary.write_bytes(b"the user's chats")
    with pytest.raises(HubProtocolError, match="does not use it"):
        AppLibrary().install(hub_config, "alice/poet")
    apps = app_paths().apps
    assert not apps.exists() or [p.name for p in apps.iterdir()] == []
    assert canary.read_bytes() == b"the user's chats"


def test_repo_ids_follow_the_hubs_rules_and_may_differ_only_in_case():
    from desktop_gpt.store.hub import check_repo_id

    assert check_repo_id("Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen/qwen2.5-1.5b-instruct-gguf").startswith("Qwen/")
    assert check_repo_id("gpt2") == "gpt2"
    for bad in ("..", ".", "a/..", "../a", "a/b/c", "a--b/c", "a/b.git", "ä/b", "a/b c", "", "a" * 97, None, 5):
        with pytest.raises(HubProtocolError):
            check_repo_id(bad)
    with pytest.raises(HubProtocolError, match="when asked for 'alice/poet'"):
        check_repo_id("bob/poet", "alice/poet")


def test_file_names_that_are_paths_are_not_listed(hub, hub_config):
    hub.add_repo("alice/poet", {**app_files("Poet"), "../../escape.txt": b"x", "a\\b.txt": b"x", "c:d.txt": b"x"})
    listed = remote.resolve(hub_config, "alice/poet").files
    assert "app.json" in listed and not {"../../escape.txt", "a\\b.txt", "c:d.txt"} & set(listed)
