"""The Store's catalogue against the local Hub with the real client: browse, search, sort, pages, cards, featured."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from desktop_gpt.errors import AppFormatError, GatedRepo, HubOffline, HubProtocolError, HubServerError, HubUnavailable
from desktop_gpt.store.catalog import AppSearch, app_details, featured, fetch_card
from tests.store.apps import PNG, SVG, app_files, manifest, seed


@pytest.fixture
def store(hub):
    """Five apps with known counters and categories, plus a model repo that is not an app."""
    seed(hub, "alice/poet", "Poet", likes=5, downloads=100, last_modified="2026-03-01T00:00:00Z")
    seed(hub, "alice/sql-helper", "SQL helper", likes=50, downloads=10, last_modified="2026-01-01T00:00:00Z",
         category="programming")
    seed(hub, "bob/joker", "Joker", likes=1, downloads=1000, last_modified="2026-02-01T00:00:00Z", category="fun")
    seed(hub, "bob/tutor", "Tutor", likes=7, downloads=5, last_modified="2026-05-01T00:00:00Z",
         category="education")
    seed(hub, "carol/haiku-poet", "Haiku", likes=2, downloads=50, last_modified="2026-04-01T00:00:00Z")
    hub.add_repo("carol/model", {"model.gguf": b"x" * 10, "README.md": "# a model"}, downloads=10**6)
    return hub


def ids(listings):
    return [a.repo_id for a in listings]


def test_browse_lists_only_apps_with_their_counters(store, hub_config):
    search = AppSearch(hub_config)
    page = search.next_page()
    assert ids(page) == ["bob/joker", "alice/poet", "carol/haiku-poet", "alice/sql-helper", "bob/tutor"]
    assert search.done and search.next_page() == []
    poet = page[1]
    assert (poet.author, poet.likes, poet.downloads, poet.sha) == ("alice", 5, 100, store.head("alice/poet"))
    assert poet.updated.isoformat().startswith("2026-03-01") and poet.category == "writing"
    assert "desktop-gpt-app" in poet.tags and page[0].category == "fun"
    (request,) = store.requests_to(r"^/api/models$")
    assert request.query["filter"] == ["desktop-gpt-app"] and request.query["sort"] == ["downloads"]


def test_sort_by_likes_and_by_recently_updated(store, hub_config):
    assert ids(AppSearch(hub_config, sort="likes").next_page())[:2] == ["alice/sql-helper", "bob/tutor"]
    assert ids(AppSearch(hub_config, sort="updated").next_page()) == [
        "bob/tutor", "carol/haiku-poet", "alice/poet", "bob/joker", "alice/sql-helper"]


def test_search_and_category(store, hub_config):
    assert ids(AppSearch(hub_config, "POET").next_page()) == ["alice/poet", "carol/haiku-poet"]
    assert ids(AppSearch(hub_config, category="fun").next_page()) == ["bob/joker"]
    assert ids(AppSearch(hub_config, "poet", category="writing").next_page()) == ["alice/poet", "carol/haiku-poet"]
    assert AppSearch(hub_config, "nothing-like-this").next_page() == []
    with pytest.raises(ValueError):
        AppSearch(hub_config, category="games")


def test_pages_are_fetched_one_request_at_a_time(store, hub_config):
    search = AppSearch(hub_config, page_size=2)
    pages = []
    while not search.done:
        pages.append(ids(search.next_page()))
        assert len(store.requests_to(r"^/api/models$")) == len(pages)
    assert pages == [["bob/joker", "alice/poet"], ["carol/haiku-poet", "alice/sql-helper"], ["bob/tutor"]]


def test_card_is_read_at_the_listed_commit_and_cached_on_disk(store, hub_config):
    poet = next(a for a in AppSearch(hub_config).next_page() if a.repo_id == "alice/poet")
    store.commit("alice/poet", {"app.json": json.dumps(manifest("Poet, renamed")).encode()})
    card = fetch_card(hub_config, poet.repo_id, poet.sha)
    assert card.name == "Poet" and card.description.startswith("Poet writes") and card.icon_path.read_bytes() == SVG
    before = len(store.requests)
    assert fetch_card(hub_config, poet.repo_id, poet.sha) == card
    assert len(store.requests) == before  # the second time costs no request
    assert fetch_card(hub_config, "alice/poet", None).name == "Poet, renamed"  # no commit given: main's


def test_a_broken_card_says_why(store, hub_config):
    sha = store.add_repo("dave/broken", app_files(icon=b"<html/>"))
    with pytest.raises(AppFormatError, match="not an SVG image"):
        fetch_card(hub_config, "dave/broken", sha)
    sha = store.add_repo("dave/huge", app_files(icon_name="icon.png", icon=PNG + bytes(300 * 1024)))
    with pytest.raises(AppFormatError, match=r"icon \"icon.png\" is too big \(300 KB\); it may be at most 256 KB"):
        fetch_card(hub_config, "dave/huge", sha)


def test_app_page_has_the_full_instructions_readme_and_link(store, hub_config):
    details = app_details(hub_config, "alice/poet")
    assert details.manifest.instructions.startswith("You are a poet.\nAnswer every message")
    assert details.readme == "# Poet\n\nWrites poems.\n"  # front matter left out
    assert details.icon_path.read_bytes() == SVG and details.sha == store.head("alice/poet")
    assert details.url == f"{store.endpoint}/alice/poet" and details.listing.likes == 5


def test_gated_app_page_needs_access(hub, hub_config):
    seed(hub, "carol/secret", gated="manual")
    with pytest.raises(GatedRepo, match="gated repository"):
        app_details(hub_config, "carol/secret")


def test_featured_shelves_from_the_store_repo(store, hub_config):
    assert featured(hub_config) == []  # no store repo yet: no shelf, no error
    store.add_repo("desktop-gpt/store", {"featured.json": json.dumps({"shelves": [
        {"heading": "Editors' picks", "apps": ["bob/tutor", "alice/poet", "gone/app"]},
        {"heading": "编程", "apps": ["alice/sql-helper"]},
        {"heading": "Empty", "apps": ["gone/too"]},
    ]})}, repo_type="dataset")
    shelves = featured(hub_config)
    assert [(s.heading, ids(s.apps)) for s in shelves] == [("Editors' picks", ["bob/tutor", "alice/poet"]),
                                                            ("编程", ["alice/sql-helper"])]
    assert shelves[0].apps[0].likes == 7


def test_featured_plain_list_and_a_broken_file(store, hub_config):
    store.add_repo("desktop-gpt/store", {"featured.json": json.dumps(["alice/poet"])}, repo_type="dataset")
    assert [(s.heading, ids(s.apps)) for s in featured(hub_config)] == [("Featured", ["alice/poet"])]
    store.commit("desktop-gpt/store", {"featured.json": b"{not json"}, repo_type="dataset")
    with pytest.raises(HubProtocolError, match="featured list .* is not valid"):
        featured(hub_config)


FAILURES = {
    "server down": (lambda hub: setattr(hub, "offline", True), HubUnavailable, "could not be reached"),
    "server error": (lambda hub: hub.fail_next(r"^/api/models$", 500, times=None), HubServerError, "error 500"),
    "malformed JSON": (lambda hub: hub.malformed(r"^/api/models$"), HubProtocolError,
                       "did not answer like a Hugging Face Hub"),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_listing_failures_in_words(store, hub_config, case):
    arm, error, words = FAILURES[case]
    arm(store)
    with pytest.raises(error, match=words):
        AppSearch(hub_config).next_page()
    if case == "server error":  # one retry, not the client's five (~23 s of waiting on the real Hub)
        assert len(store.requests_to(r"^/api/models$")) == 2


def test_a_failed_page_can_be_retried(store, hub_config):
    search = AppSearch(hub_config, page_size=2)
    search.next_page()
    store.fail_next(r"^/api/models$", 500, times=2)
    with pytest.raises(HubServerError):
        search.next_page()
    assert ids(search.next_page()) == ["carol/haiku-poet", "alice/sql-helper"]


def test_offline_mode_lists_nothing_and_sends_nothing(store, hub_config):
    offline = replace(hub_config, offline=True, offline_reason="settings")
    for call in (lambda: AppSearch(offline).next_page(), lambda: featured(offline),
                 lambda: app_details(offline, "alice/poet")):
        with pytest.raises(HubOffline, match="offline mode"):
            call()
    assert store.requests == []
