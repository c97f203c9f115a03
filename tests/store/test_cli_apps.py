"""``desktop-gpt apps …`` against the local Hub: JSON output, plain output, and one-line failures."""

from __future__ import annotations

import json

import pytest

from desktop_gpt.cli import main
from desktop_gpt.paths import app_paths
from desktop_gpt.store.token import save_token
from tests.hub.fixtures import TOKEN
from tests.store.apps import app_files, manifest, seed, write_folder


def run(capsys, *argv):
    code = main(["apps", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def store(hub):
    seed(hub, "alice/poet", "Poet", likes=3, downloads=30)
    seed(hub, "bob/joker", "讲笑话", likes=9, downloads=10, category="fun")
    hub.add_repo("bob/broken", app_files(format="desktop-gpt-app/9"), downloads=1)
    return hub


def test_search_json_and_table(store, capsys):
    found = run_json(capsys, "search")
    assert [(a["repo_id"], a["name"]) for a in found] == [("alice/poet", "Poet"), ("bob/joker", "讲笑话"),
                                                          ("bob/broken", None)]
    assert found[2]["problem"] == "This app needs a newer Desktop GPT (format desktop-gpt-app/9)."
    assert found[0]["likes"] == 3 and found[0]["sha"] == store.head("alice/poet")
    assert [a["repo_id"] for a in run_json(capsys, "search", "--sort", "likes", "--category", "fun")] == ["bob/joker"]
    code, out, _ = run(capsys, "search", "joker")
    assert code == 0 and out.splitlines()[1].split() == ["bob/joker", "讲笑话", "fun", "10", "9",
                                                         out.splitlines()[1].split()[-1]]


def test_install_info_list_update_remove(store, capsys):
    first = store.head("alice/poet")
    code, out, err = run(capsys, "install", "alice/poet")
    assert code == 0 and out == f"Installed Poet (alice/poet at commit {first[:12]}).\n"
    assert err == ""  # progress lines only go to a terminal
    info = run_json(capsys, "info", "alice/poet")
    assert info["installed"]["sha"] == first and info["manifest"]["instructions"].startswith("You are a poet.")
    assert info["url"].endswith("/alice/poet") and info["readme"].startswith("# Poet")
    code, out, _ = run(capsys, "info", "alice/poet")
    assert "Instructions (what the app tells the model):\n  You are a poet." in out

    listed = run_json(capsys, "list")
    assert [a["id"] for a in listed if a["source"] == "hub"] == ["alice/poet"]

    assert run_json(capsys, "update")[0] == {"id": "alice/poet", "sha": first, "updated": False}
    changed = manifest(instructions="You are a poet.\nWrite only haiku.")
    second = store.commit("alice/poet", {"app.json": json.dumps(changed).encode()})
    checked = run_json(capsys, "update", "alice/poet", "--check")
    assert checked[0]["to"] == second and checked[0]["updated"] is False
    assert "+Write only haiku." in checked[0]["instructions_diff"]
    code, out, _ = run(capsys, "update")
    assert code == 0 and f"Updated Poet (alice/poet): {first[:12]} → {second[:12]}" in out
    assert "    +Write only haiku." in out
    assert run_json(capsys, "list")[0]["sha"] == second

    assert run_json(capsys, "remove", "alice/poet") == {"removed": "alice/poet", "name": "Poet"}
    assert not (app_paths().apps / "alice--poet").exists()


def test_install_a_pinned_revision_and_from_a_folder(store, capsys, tmp_path):
    first = store.head("alice/poet")
    store.commit("alice/poet", {"app.json": json.dumps(manifest("Poet 2")).encode()})
    assert run_json(capsys, "install", "alice/poet", "--revision", first)["sha"] == first
    folder = write_folder(tmp_path / "mine", app_files("Mine"))
    installed = run_json(capsys, "install", str(folder))
    assert installed["id"] == "local:mine" and installed["source"] == "local"


def test_validate_and_publish(hub, capsys, tmp_path):
    good = write_folder(tmp_path / "good", app_files("Good"))
    assert run_json(capsys, "validate", str(good)) == {"folder": str(good), "ok": True, "problems": []}
    bad = write_folder(tmp_path / "bad", app_files(name="x" * 61))
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 1 and out == "- The app's name is too long: 61 characters, at most 60.\n"
    assert err == f"desktop-gpt: 1 problem in {bad}\n"

    save_token(TOKEN)
    published = run_json(capsys, "publish", str(good), "--repo", "alice/good")
    assert published["sha"] == hub.head("alice/good") and published["url"].endswith("/alice/good")
    assert run_json(capsys, "install", "alice/good")["name"] == "Good"


@pytest.mark.parametrize("argv,words", [
    (["install", "alice/nope"], "There is no repository 'alice/nope'"),
    (["info", "alice/nope"], "There is no repository 'alice/nope'"),
    (["remove", "alice/poet"], "No installed app is called 'alice/poet'"),
    (["install", "bob/broken"], "This app needs a newer Desktop GPT (format desktop-gpt-app/9)."),
    (["publish", "nowhere", "--repo", "alice/x"], "The app is not ready to publish: nowhere is not a folder."),
])
def test_failures_are_one_line_on_stderr(store, capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.startswith("desktop-gpt: ") and words in err and err.count("\n") == 1 and "Traceback" not in err


def test_hub_down_is_one_line(store, capsys):
    store.offline = True
    code, _, err = run(capsys, "search")
    assert code == 1 and err == f"desktop-gpt: The Hugging Face Hub could not be reached at {store.endpoint}. " \
                                "Check your connection, or set a mirror in Settings.\n"


def test_hub_down_in_a_real_process_is_exactly_one_line_on_stderr(hub, tmp_path):
    """The client's own retry notices go to the log file, not stderr (capsys cannot see its handler: a process)."""
    import os
    import subprocess
    import sys

    hub.offline = True
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint}
    done = subprocess.run([sys.executable, "-m", "desktop_gpt", "apps", "search", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == f"desktop-gpt: The Hugging Face Hub could not be reached at {hub.endpoint}. Check your " \
                          "connection, or set a mirror in Settings.\n"
    assert "Retrying in" in (app_paths().logs / "cli.log").read_text()
