"""The Store's listing as people read it: search over what the cards say (any language, Chinese included) from a
local index merged with the Hub's results; apps that cannot be installed hidden behind a switch with the reason in
words; an Installed badge; no Featured shelf (and no warning) when there is no featured list; plurals."""

from __future__ import annotations

import logging

import pytest

from tests.hub.fixtures import fast_retries, hf_isolated, hub, hub_config  # noqa: F401
from tests.store.apps import seed

PAGE_MS = 30_000  # generous: the machine may be busy


@pytest.fixture
def zh_hub(hub):
    seed(hub, "alice/zh-en", "中英互译", description="中文和英文互相翻译，保留原文的语气。", category="translation",
         downloads=50)
    seed(hub, "bob/tutor", "Tutor", description="Explains maths step by step.", category="education", downloads=9)
    return hub


def open_store(window, qtbot):
    with qtbot.waitSignal(window.store.browse.loaded, timeout=PAGE_MS):
        window.tabs.setCurrentWidget(window.store)
    return window.store.browse


def search(qtbot, browse, text):
    browse.search_box.setText(text)
    with qtbot.waitSignal(browse.loaded, timeout=PAGE_MS):
        browse.search_box.returnPressed.emit()
    return list(browse.cards)


def test_search_in_chinese_finds_what_the_cards_say_from_the_local_index(make_window, qtbot, zh_hub):
    from desktop_gpt.store.app_files import store_cache_dir
    from desktop_gpt.store.search_index import StoreIndex

    window = make_window(load=False)
    browse = open_store(window, qtbot)
    card = browse.cards["alice/zh-en"]
    qtbot.waitUntil(lambda: card.name.text() == "中英互译", timeout=PAGE_MS)  # its app.json arrived: indexed
    qtbot.waitUntil(lambda: browse.cards["bob/tutor"].name.text() == "Tutor", timeout=PAGE_MS)

    assert search(qtbot, browse, "中英") == ["alice/zh-en"]  # the Hub alone finds nothing: it searches repo ids
    assert browse.cards["alice/zh-en"].name.text() == "中英互译"  # shown from the index at once
    assert search(qtbot, browse, "翻译") == ["alice/zh-en"]  # a word of the description
    assert search(qtbot, browse, "step by STEP") == ["bob/tutor"]  # every word, any case
    assert search(qtbot, browse, "tutor") == ["bob/tutor"]  # merged with the Hub's match: listed once
    assert browse.status.text() == "1 app"  # one app, not "1 apps"
    assert search(qtbot, browse, "俳句") == [] and "No apps match" in browse.status.text()

    browse.save_index()  # kept on disk for the next run
    index = StoreIndex(store_cache_dir() / "index.json", browse.config().endpoint)
    assert [e.repo_id for e in index.search("互译")] == ["alice/zh-en"]

    window.context.settings.offline = True  # offline, the index still answers, without a request
    requests = len(zh_hub.requests)
    browse.search_box.setText("翻译")
    browse.search()
    assert list(browse.cards) == ["alice/zh-en"] and not browse.banner.isHidden()
    assert browse.cards["alice/zh-en"].name.text() == "中英互译" and "seen in the Store before" in browse.status.text()
    assert len(zh_hub.requests) == requests


def test_apps_that_cannot_be_installed_are_hidden_behind_a_switch_with_the_reason_in_words(make_window, qtbot,
                                                                                            zh_hub):
    seed(zh_hub, "carol/broken", "Broken", tool="spaceship", downloads=100)
    window = make_window(load=False)
    browse = open_store(window, qtbot)
    broken = browse.cards["carol/broken"]
    qtbot.waitUntil(lambda: not broken.installable, timeout=PAGE_MS)
    qtbot.waitUntil(lambda: browse.cards["alice/zh-en"].name.text() == "中英互译", timeout=PAGE_MS)
    assert broken.isHidden()
    assert [c.repo_id for c in browse.grid_widget.shown()] == ["alice/zh-en", "bob/tutor"]
    assert browse.status.text() == "2 apps (1 that can't be installed is hidden)"
    assert not browse.show_uninstallable.isHidden()

    browse.show_uninstallable.setChecked(True)
    assert not broken.isHidden() and browse.status.text() == "3 apps"
    text = broken.description.text()
    assert "can't be installed" in text and "spaceship" not in text and "tool" not in text  # for people
    browse.show_uninstallable.setChecked(False)
    assert broken.isHidden()


def test_installed_apps_carry_a_badge(make_window, qtbot, zh_hub):
    window = make_window(load=False)
    store = window.store
    browse = open_store(window, qtbot)
    assert not any(c.badge.isVisibleTo(c) for c in browse.cards.values())
    store.directory.library.install(store.page.config(), "bob/tutor")
    store.directory.refresh()  # an install or uninstall anywhere updates the cards
    assert browse.cards["bob/tutor"].badge.isVisibleTo(browse.cards["bob/tutor"])
    assert not browse.cards["alice/zh-en"].badge.isVisibleTo(browse.cards["alice/zh-en"])


def test_no_featured_shelf_and_no_warning_when_there_is_no_featured_list(make_window, qtbot, zh_hub, caplog):
    window = make_window(load=False)
    with caplog.at_level(logging.INFO, logger="desktop_gpt"):
        browse = open_store(window, qtbot)
        qtbot.waitUntil(lambda: any("no featured list" in r.getMessage() for r in caplog.records),
                        timeout=PAGE_MS)
    assert browse.featured_box.isHidden()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
