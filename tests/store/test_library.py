"""Installing apps from the local Hub with the real client: pinned, atomic, updatable, removable; failures in words."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace

import pytest

from desktop_gpt.errors import (
    AppFormatError,
    AppInstallError,
    AppNotInstalled,
    Cancelled,
    GatedRepo,
    HubOffline,
    HubProtocolError,
    HubServerError,
    HubUnavailable,
    RepoNotFound,
    RevisionNotFound,
)
from desktop_gpt.paths import app_paths
from desktop_gpt.store.library import AppLibrary, builtin_apps, load_app_folder
from desktop_gpt.store.token import save_token
from tests.hub.fixtures import TOKEN
from tests.store.apps import PNG, SVG, app_files, manifest, seed, write_folder


@pytest.fixture
def library():
    return AppLibrary()


def entries(root):
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_install_is_pinned_to_the_commit_even_after_the_repo_moves_on(hub, hub_config, library):
    first = seed(hub)
    steps = []
    app = library.install(hub_config, "alice/poet", progress=steps.append)
    assert app.id == "alice/poet" and app.source == "hub" and app.sha == first
    assert app.name == "Poet" and app.tool == "chat" and app.parameters == {"temperature": 0.9, "max_tokens": 300}
    assert app.starters == ("A poem about rain", "一首关于月亮的诗")
    assert app.icon_path.read_bytes() == SVG and app.readme.startswith("# Poet")
    assert app.folder == app_paths().apps / "alice--poet"
    assert entries(app.folder) == ["README.md", "app.json", "icon.svg", "install.json"]
    record = json.loads((app.folder / "install.json").read_text())
    assert record["sha"] == first and record["repo_id"] == "alice/poet" and record["source"] == "hub"
    assert [s.stage for s in steps] == ["resolving", "downloading", "downloading", "downloading", "validating",
                                        "installing", "done"]
    assert [s.message for s in steps if s.stage == "downloading"] == [
        "Downloading app.json (1 of 3)", "Downloading icon.svg (2 of 3)", "Downloading README.md (3 of 3)"]
    # Only the app's three files were fetched, each at the pinned commit.
    gets = [r.path for r in hub.requests_to(r"/resolve/", "GET")]
    assert sorted(gets) == sorted(f"/alice/poet/resolve/{first}/{f}" for f in ("app.json", "icon.svg", "README.md"))

    hub.commit("alice/poet", {"app.json": json.dumps(manifest("Poet 2")).encode(), "icon.svg": SVG + b" "})
    again = library.install(hub_config, "alice/poet", revision=first)
    assert again.sha == first and again.name == "Poet" and again.icon_path.read_bytes() == SVG
    assert library.installed() == [again]
    assert entries(app_paths().apps) == ["alice--poet"]


def test_install_a_revision_and_reinstall_latest(hub, hub_config, library):
    first = seed(hub)
    second = hub.commit("alice/poet", {"app.json": json.dumps(manifest("Poet 2")).encode()})
    assert library.install(hub_config, "alice/poet", revision=first).name == "Poet"
    latest = library.install(hub_config, "alice/poet")
    assert latest.sha == second and latest.name == "Poet 2"
    assert library.get("ALICE/Poet") == latest and library.require("alice/poet") == latest


def test_update_shows_the_instructions_diff_then_applies_exactly_that_commit(hub, hub_config, library):
    seed(hub)
    app = library.install(hub_config, "alice/poet")
    assert library.check_update(hub_config, app) is None
    changed = manifest(instructions="You are a poet.\nAnswer every message with a haiku.\nNever explain the poem.",
                       parameters={"temperature": 0.5, "max_tokens": 300}, version="2.0")
    new_sha = hub.commit("alice/poet", {"app.json": json.dumps(changed).encode()})
    update = library.check_update(hub_config, app)
    assert update.sha == new_sha and update.app == app and update.files_changed == ("app.json",)
    assert "-Answer every message with a short poem.\n+Answer every message with a haiku." in update.instructions_diff
    assert update.instructions_diff.startswith("--- installed\n+++ update\n")
    fields = {c.field: c for c in update.changes}
    assert set(fields) == {"parameters", "version"}
    assert fields["parameters"].old == "temperature: 0.9, max_tokens: 300"
    assert fields["version"].old == "(none)" and fields["version"].new == "2.0"
    assert library.get("alice/poet").sha == app.sha  # checking changes nothing

    hub.commit("alice/poet", {"app.json": json.dumps(manifest(instructions="Third version")).encode()})
    updated = library.update(hub_config, update)
    assert updated.sha == new_sha and "haiku" in updated.instructions  # what was reviewed, not the newest
    assert entries(app_paths().apps) == ["alice--poet"]
    assert library.check_update(hub_config, updated).sha != new_sha


def test_update_to_a_broken_version_keeps_the_installed_one(hub, hub_config, library):
    seed(hub)
    app = library.install(hub_config, "alice/poet")
    hub.commit("alice/poet", {"icon.svg": b"<html/>"})
    update = library.check_update(hub_config, app)
    assert update.changes == () and update.instructions_diff == "" and update.files_changed == ("icon.svg",)
    with pytest.raises(AppFormatError, match="not an SVG image"):
        library.update(hub_config, update)
    assert library.get("alice/poet").sha == app.sha and library.get("alice/poet").icon_path.read_bytes() == SVG
    assert entries(app_paths().apps) == ["alice--poet"]


def test_a_commit_that_leaves_the_app_files_alone_is_not_an_update(hub, hub_config, library):
    seed(hub)
    app = library.install(hub_config, "alice/poet")
    hub.commit("alice/poet", {"notes.txt": b"the author's notes", ".gitattributes": b"*.bin filter=lfs\n"})
    downloads = len(hub.requests_to(r"/resolve/", "GET"))
    assert library.check_update(hub_config, app) is None
    assert len(hub.requests_to(r"/resolve/", "GET")) == downloads  # decided from the hashes the Hub lists
    hub.commit("alice/poet", {"README.md": b"# Poet\n\nNow with more poems.\n"})
    update = library.check_update(hub_config, app)
    assert update.files_changed == ("README.md",) and update.changes == () and update.instructions_diff == ""
    assert library.update(hub_config, update).readme == "# Poet\n\nNow with more poems.\n"


def test_uninstall(hub, hub_config, library):
    seed(hub)
    library.install(hub_config, "alice/poet")
    removed = library.uninstall("alice/poet")
    assert removed.name == "Poet" and library.installed() == [] and entries(app_paths().apps) == []
    with pytest.raises(AppNotInstalled, match="No installed app is called 'alice/poet'"):
        library.uninstall("alice/poet")


def test_gated_app_needs_a_token_with_access(hub, hub_config, library):
    seed(hub, "carol/secret", gated="manual")
    with pytest.raises(GatedRepo, match="is a gated repository"):
        library.install(hub_config, "carol/secret")
    assert entries(app_paths().apps) == []
    hub.grant("carol/secret", "alice")
    save_token(TOKEN)
    from desktop_gpt.settings import Settings
    from desktop_gpt.store.hub import HubConfig

    assert library.install(HubConfig.resolve(Settings()), "carol/secret").name == "Poet"


def test_dropped_connection_once_is_retried_by_the_client(hub, hub_config, library):
    seed(hub)
    hub.drop_after[hub.file("alice/poet", "icon.svg").sha256] = 20
    app = library.install(hub_config, "alice/poet")
    assert app.icon_path.read_bytes() == SVG
    assert len(hub.requests_to(r"/resolve/.*/icon.svg", "GET")) == 2


class Always(dict):
    """A FakeHub fault table whose entries stay armed: every body of that file is cut, not just the next one."""

    def pop(self, key, default=None):
        return self.get(key, default)


FAILURES = {
    "server down": (lambda hub: setattr(hub, "offline", True), HubUnavailable, "could not be reached"),
    "no such app": (lambda hub: None, RepoNotFound, "There is no repository 'alice/nope'"),
    "no such revision": (lambda hub: None, RevisionNotFound, "has no branch, tag or commit called 'v9'"),
    "server error": (lambda hub: hub.fail_next(r"^/api/models/", 500, times=None), HubServerError,
                     "had a problem on its side (error 500)"),
    "server error on a file": (lambda hub: hub.fail_next(r"/resolve/.*/README.md", 500, times=None),
                               HubServerError, "error 500"),
    "malformed JSON": (lambda hub: hub.malformed(r"^/api/models/"), HubProtocolError,
                       "did not answer like a Hugging Face Hub"),
    "short body": (lambda hub: hub.body_override.__setitem__(hub.file("alice/poet", "icon.svg").sha256,
                                                             SVG[:50]), AppInstallError, "arrived damaged"),
    "connection dropped every time": (lambda hub: setattr(hub, "drop_after", Always(
        {hub.file("alice/poet", "README.md").sha256: 10})), HubUnavailable, "broke off"),
    "damaged body": (lambda hub: hub.body_override.__setitem__(hub.file("alice/poet", "icon.svg").sha256,
                                                               bytes(len(SVG))), AppInstallError,
                     "arrived damaged"),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_each_hub_failure_is_in_words_and_installs_nothing(hub, hub_config, library, case):
    seed(hub)
    arm, error, words = FAILURES[case]
    arm(hub)
    repo = "alice/nope" if case == "no such app" else "alice/poet"
    with pytest.raises(error) as raised:
        library.install(hub_config, repo, revision="v9" if case == "no such revision" else None)
    assert words in str(raised.value)
    assert entries(app_paths().apps) == [] and library.installed() == []


BROKEN_APPS = {
    "invalid app.json": ({"app.json": b'{"format": "desktop-gpt-app/1", "name": '}, "app.json", "not valid JSON"),
    "no app.json": ({"README.md": b"# hi"}, "app.json", "is not a Desktop GPT app: it has no app.json"),
    "newer format": (app_files(format="desktop-gpt-app/2"), "format", "needs a newer Desktop GPT"),
    "temperature out of range": (app_files(parameters={"temperature": 3}), "parameters.temperature",
                                 "from 0 to 2"),
    "icon too large": (app_files(icon_name="icon.png", icon=PNG + b"\x00" * (256 * 1024)), "icon", "too big"),
    "icon not an image": (app_files(icon_name="icon.png", icon=b"MZ\x90\x00 not a png"), "icon",
                          "is not a PNG image"),
    "icon leaves the folder": (app_files(icon_name="../escape.svg", icon=None), "icon", "leaves the app's folder"),
    "icon absolute": (app_files(icon_name="/etc/passwd.svg", icon=None), "icon", "absolute path"),
    "icon missing": (app_files(icon=None), "icon", "is not in the repository"),
    "README not text": ({**app_files(with_readme=False), "README.md": b"\xff\xfe\x00"}, "README.md", "not UTF-8"),
}


@pytest.mark.parametrize("case", BROKEN_APPS, ids=list(BROKEN_APPS))
def test_a_broken_app_is_refused_with_the_field_named_and_installs_nothing(hub, hub_config, library, case):
    files, field, words = BROKEN_APPS[case]
    hub.add_repo("alice/broken", files)
    with pytest.raises(AppFormatError) as raised:
        library.install(hub_config, "alice/broken")
    assert raised.value.field == field and words in str(raised.value)
    assert entries(app_paths().apps) == []


def test_cancel_leaves_nothing(hub, hub_config, library):
    seed(hub)
    cancel = threading.Event()

    def progress(step):
        if step.stage == "validating":
            cancel.set()

    with pytest.raises(Cancelled):
        library.install(hub_config, "alice/poet", progress=progress, cancel=cancel)
    assert entries(app_paths().apps) == []


def test_leftovers_of_an_interrupted_install_are_cleaned_on_the_next_start(hub, hub_config, library):
    seed(hub)
    library.install(hub_config, "alice/poet")
    root = app_paths().apps
    dead = 2 ** 22 + 12345  # above Linux's pid_max default of 4194304: no such process
    (root / f".tmp-{dead}-abc").mkdir()
    (root / f".tmp-{dead}-abc" / "app.json").write_text("{}")
    (root / f".gone-{dead}-ab12--bob--old-app-removed").mkdir()  # an uninstall cut while deleting
    # An update cut between its two renames: the old version is aside and the new one never arrived.
    os.replace(root / "alice--poet", root / f".old-{dead}-0011--alice--poet")
    fresh = AppLibrary()
    assert entries(root) == ["alice--poet"]
    assert fresh.get("alice/poet").name == "Poet"


def test_install_from_a_folder_and_builtin_apps(tmp_path, library):
    folder = write_folder(tmp_path / "my-app", app_files("写作助手", tool="writing",
                                                          tool_options={"kind": "article"}))
    app = library.install_folder(folder)
    assert app.id == "local:my-app" and app.source == "local" and app.name == "写作助手"
    assert app.tool_options == {"kind": "article"} and library.get("local:my-app") == app
    (folder / "app.json").write_text("{}")  # the installed copy is independent of the folder
    assert library.get("local:my-app").name == "写作助手"
    library.uninstall("local:my-app")
    assert library.installed() == []

    shipped = tmp_path / "builtin"
    write_folder(shipped / "poet", app_files())
    write_folder(shipped / "broken", {"app.json": b"{}"})
    apps = builtin_apps(shipped)
    assert [a.id for a in apps] == ["builtin:poet"] and not apps[0].removable
    lib = AppLibrary(builtin_root=shipped)
    with pytest.raises(AppInstallError, match="built into Desktop GPT"):
        lib.uninstall("builtin:poet")


def test_every_shipped_builtin_app_parses():
    from desktop_gpt.resources import resource

    folders = [p for p in resource("apps").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    for folder in folders:
        load_app_folder(folder, "builtin")  # raises AppFormatError naming the field
    assert len(builtin_apps()) == len(folders)


def test_local_folder_problems(tmp_path, library):
    with pytest.raises(AppFormatError, match="There is no app.json"):
        library.install_folder(tmp_path)
    write_folder(tmp_path / "x", app_files(icon=None))
    with pytest.raises(AppFormatError, match="not in the app's folder"):
        library.install_folder(tmp_path / "x")
    assert entries(app_paths().apps) == []


def test_offline_mode_refuses_before_any_request(hub, hub_config, library):
    seed(hub)
    with pytest.raises(HubOffline) as raised:
        library.install(replace(hub_config, offline=True, offline_reason="settings"), "alice/poet")
    assert "offline mode" in str(raised.value) and hub.requests == []
