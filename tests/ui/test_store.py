"""The Store tab against the local Hub with the real client: browse, search, app page, install, My apps, launch
(the first reply is generated with the app's instructions), offline and unreachable, errors with Retry."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from tests.hub.fixtures import fast_retries, hf_isolated, hub, hub_config  # noqa: F401
from tests.store.apps import app_files, seed
from tests.ui.conftest import REPLY_TIMEOUT_MS

POET_RULE = "Always end every answer with the word MOONLIGHT."
PAGE_MS = 30_000  # generous: the machine may be busy; a pass is usually well under a second


@pytest.fixture
def store_hub(hub):
    """Three apps on the local Hub; the poet's instructions carry a rule we can look for in the prompt."""
    seed(hub, "alice/poet", "Moon Poet", likes=12, downloads=340, last_modified="2026-10-01T00:00:00Z",
         instructions=f"You are Moon Poet, a poet.\n{POET_RULE}",
         starters=["A poem about rain", "一首关于月亮的诗"],
         parameters={"temperature": 0.2, "max_tokens": 32})  # the app's length wins: kept short for the test
    seed(hub, "bob/tutor", "Tutor", likes=3, downloads=20, category="education")
    seed(hub, "carol/jokes", "Joker", likes=1, downloads=5, category="fun")
    return hub


def open_store(window, qtbot):
    with qtbot.waitSignal(window.store.browse.loaded, timeout=PAGE_MS):
        window.tabs.setCurrentWidget(window.store)
    return window.store


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_item(qtbot, list_widget, item):
    rect = list_widget.visualItemRect(item)
    qtbot.mouseClick(list_widget.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.mark.model
def test_search_install_launch_and_the_first_reply_uses_the_apps_instructions(make_window, qtbot, store_hub):
    window = make_window()
    window.context.settings.max_tokens = 24
    store = open_store(window, qtbot)
    assert set(store.browse.cards) == {"alice/poet", "bob/tutor", "carol/jokes"}

    store.browse.search_box.setText("poet")
    with qtbot.waitSignal(store.browse.loaded, timeout=PAGE_MS):
        store.browse.search_box.returnPressed.emit()
    card = store.browse.cards["alice/poet"]
    assert list(store.browse.cards) == ["alice/poet"]
    qtbot.waitUntil(lambda: card.name.text() == "Moon Poet", timeout=PAGE_MS)  # its app.json arrived
    assert "♥ 12" in card.stats.text() and "⤓ 340" in card.stats.text()

    with qtbot.waitSignal(store.page.details_loaded, timeout=PAGE_MS):
        click(qtbot, card)
    page = store.page
    assert store.stack.currentWidget() is page
    assert POET_RULE in page.instructions.toPlainText()  # the user reads the instructions before installing
    assert "一首关于月亮的诗" in page.starters.text()
    assert not page.install_button.isHidden() and page.open_button.isHidden()

    with qtbot.waitSignal(page.installed, timeout=PAGE_MS) as installed:
        click(qtbot, page.install_button)
    app = installed.args[0]
    assert (app.id, app.sha) == ("alice/poet", store_hub.head("alice/poet"))
    assert "alice/poet" in store.my_apps.app_ids()
    assert page.install_button.isHidden() and not page.open_button.isHidden()

    click_item(qtbot, store.my_apps.list, store.my_apps.item_for("alice/poet"))
    chat = window.chat
    assert window.tabs.currentWidget() is chat
    assert chat.app_badge.isVisible() and chat.starters.isVisible()
    assert [b.toolTip() for b in chat.starters.buttons] == ["A poem about rain", "一首关于月亮的诗"]

    with qtbot.waitSignal(window.controller.reply_finished, timeout=REPLY_TIMEOUT_MS):
        click(qtbot, chat.starters.buttons[0])
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    prompt = window.controller.engine.last_prompt()
    assert POET_RULE in prompt and "A poem about rain" in prompt
    assert prompt.index(POET_RULE) < prompt.index("A poem about rain")  # the instructions are the system prompt

    conv = chat.store.get(chat.conversation_id)
    assert (conv.app_id, conv.app_name, conv.system_prompt) == ("alice/poet", "Moon Poet", app.instructions)
    assert conv.params == {"temperature": 0.2, "max_tokens": 32}
    assert chat.starters.isHidden()
    item = chat.conversations.list.item(0)
    assert "Moon Poet" in item.text() and not item.icon().isNull()
    labels = [w.text() for w in chat.view.widgets()[-1].findChildren(type(chat.title_label))]
    assert "Moon Poet" in labels  # the reply is signed with the app's name

    chat.new_chat()  # a plain chat has no app
    assert chat.app_badge.isHidden()
    chat.open_conversation(conv.id)  # reopening shows the app again
    assert chat.app_badge.isVisible() and "Moon Poet" in chat.app_badge.toolTip()


def test_offline_mode_shows_a_banner_and_the_built_in_apps(make_window, qtbot, hub):
    window = make_window(load=False)
    window.context.settings.offline = True
    with qtbot.waitSignal(window.store.browse.load_failed, timeout=PAGE_MS):
        window.tabs.setCurrentWidget(window.store)
    store = window.store
    assert store.browse.banner.isVisible() and "Offline mode is on" in store.browse.banner.text()
    assert not store.browse.cards
    assert hub.requests == []  # offline means not one request
    assert store.browse.retry_button.isHidden()  # nothing to retry while offline
    builtins = [a for a in store.my_apps.app_ids() if a.startswith("builtin:")]
    assert len(builtins) >= 14

    window.context.settings.offline = False  # turned off in Settings: the Store loads at once, no Retry needed
    with qtbot.waitSignal(store.browse.loaded, timeout=PAGE_MS):
        window.settings_changed.emit()
    assert store.browse.banner.isHidden()

    chat = window.chat  # a plain new chat suggests a few apps
    chat.new_chat()
    assert not chat.starters.isHidden() and len(chat.starters.buttons) == 4
    assert chat.starters.buttons[0].text() == "Step-by-step Tutor"
    click(qtbot, chat.starters.buttons[0])
    assert chat.starters.name.text() == "Step-by-step Tutor" and not chat.app_badge.isHidden()

    menu = window.chat.apps_button.menu()  # My apps from the Chat tab too
    menu.aboutToShow.emit()
    poet = next(a for a in menu.actions() if a.text() == "Poet")
    poet.trigger()
    assert window.tabs.currentWidget() is window.chat and window.chat.starters.name.text() == "Poet"


def test_offline_mode_is_reflected_live_both_ways_in_every_hub_view(make_window, qtbot, store_hub):
    window = make_window(load=False)
    store = open_store(window, qtbot)
    browse = store.browse
    assert len(browse.cards) == 3 and browse.banner.isHidden()
    with qtbot.waitSignal(store.page.details_loaded, timeout=PAGE_MS):
        store.show_repo_page("alice/poet")
    assert store.page.install_button.isEnabled()
    manager = window.models.open()
    manager.search.query.setText("tiny")
    assert manager.search.search_button.isEnabled()

    window.context.settings.offline = True  # Settings saved with Offline ticked
    with qtbot.waitSignal(browse.load_failed, timeout=PAGE_MS):
        window.settings_changed.emit()
    assert not browse.banner.isHidden() and "Offline mode is on" in browse.banner.text()
    assert not browse.cards and browse.retry_button.isHidden()
    assert not store.page.install_button.isEnabled() and "Offline" in store.page.install_button.toolTip()
    assert not manager.search.search_button.isEnabled() and "Offline mode is on" in manager.search.status.text()
    assert not any(b.isEnabled() for b in manager.recommended.buttons)
    requests = len(store_hub.requests)
    manager.search.search()
    assert len(store_hub.requests) == requests  # not one request while offline

    window.context.settings.offline = False  # and back: everything comes back without a Retry
    with qtbot.waitSignal(browse.loaded, timeout=PAGE_MS):
        window.settings_changed.emit()
    assert browse.banner.isHidden() and len(browse.cards) == 3
    assert store.page.install_button.isEnabled()
    assert manager.search.search_button.isEnabled() and "Offline" not in manager.search.status.text()
    assert all(b.isEnabled() for b in manager.recommended.buttons)
    manager.close()


def test_unreachable_hub_says_so_and_retry_recovers(make_window, qtbot, store_hub):
    window = make_window(load=False)
    store_hub.offline = True  # the server is down
    with qtbot.waitSignal(window.store.browse.load_failed, timeout=PAGE_MS):
        window.tabs.setCurrentWidget(window.store)
    browse = window.store.browse
    assert browse.banner.isVisible() and "cannot reach the Hub" in browse.banner.text()
    assert "installed and built-in apps" in browse.banner.text()
    assert browse.retry_button.isVisible()
    assert len(window.store.my_apps.app_ids()) >= 14  # the built-ins are still there

    store_hub.offline = False
    with qtbot.waitSignal(browse.loaded, timeout=PAGE_MS):
        click(qtbot, browse.retry_button)
    assert browse.banner.isHidden() and browse.retry_button.isHidden()
    assert len(browse.cards) == 3


def test_a_hub_error_shows_inline_with_retry(make_window, qtbot, store_hub):
    window = make_window(load=False)
    store_hub.fail_next(r"^/api/models$", 500, times=None)
    with qtbot.waitSignal(window.store.browse.load_failed, timeout=PAGE_MS) as failed:
        window.tabs.setCurrentWidget(window.store)
    browse = window.store.browse
    assert "500" in failed.args[0] and browse.status.text() == failed.args[0]
    assert browse.retry_button.isVisible() and browse.banner.isHidden()

    store_hub.clear_faults()
    with qtbot.waitSignal(browse.loaded, timeout=PAGE_MS):
        click(qtbot, browse.retry_button)
    assert len(browse.cards) == 3 and browse.status.text() == "3 apps"


def test_featured_shelf_paging_and_category(make_window, qtbot, store_hub):
    store_hub.page_size = 2
    store_hub.add_repo("desktop-gpt/store", {"featured.json": json.dumps(
        {"shelves": [{"heading": "编辑推荐", "apps": ["bob/tutor"]}]})}, repo_type="dataset")
    window = make_window(load=False)
    store = open_store(window, qtbot)
    qtbot.waitUntil(lambda: store.browse.featured_box.isVisible(), timeout=PAGE_MS)
    browse = store.browse
    assert len(browse.cards) == 2 and browse.more_button.isVisible()
    browse.scroll.setFixedHeight(220)  # a short window: the list scrolls, and reaching its bottom loads more
    bar = browse.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    with qtbot.waitSignal(browse.loaded, timeout=PAGE_MS):
        bar.setValue(bar.maximum())
    assert len(browse.cards) == 3
    while browse.more_button.isVisible():
        with qtbot.waitSignal(browse.loaded, timeout=PAGE_MS):
            click(qtbot, browse.more_button)
    assert set(browse.cards) == {"alice/poet", "bob/tutor", "carol/jokes"}

    with qtbot.waitSignal(browse.loaded, timeout=PAGE_MS):
        browse.category.setCurrentIndex(browse.category.findData("fun"))
    assert list(browse.cards) == ["carol/jokes"]

    with qtbot.waitSignal(store.page.details_loaded, timeout=PAGE_MS):  # a card opens from the keyboard too
        qtbot.keyClick(browse.cards["carol/jokes"], Qt.Key.Key_Return)
    assert store.page.name.text() == "Joker"


def test_update_shows_the_instructions_diff_before_applying(make_window, qtbot, store_hub):
    window = make_window(load=False)
    store = window.store
    app = store.directory.library.install(window.store.page.config(), "alice/poet")
    store.directory.refresh()
    new_files = app_files("Moon Poet", instructions="You are Moon Poet, a poet.\nAlways answer in haiku.")
    new_sha = store_hub.commit("alice/poet", {"app.json": new_files["app.json"]})

    window.tabs.setCurrentWidget(store)
    with qtbot.waitSignal(store.page.update_checked, timeout=PAGE_MS) as checked:
        store.my_apps.menu_for(store.directory.find(app.id)).actions()[2].trigger()  # "Check for update"
    update = checked.args[0]
    assert update is not None and update.sha == new_sha
    page = store.page
    assert page.update_box.isVisible()
    diff = page.update_diff.toPlainText()
    assert "-" + POET_RULE in diff
    assert "+Always answer in haiku." in diff
    assert store.directory.find("alice/poet").sha == app.sha  # nothing changed yet

    with qtbot.waitSignal(page.installed, timeout=PAGE_MS):
        click(qtbot, page.apply_update_button)
    updated = store.directory.find("alice/poet")
    assert updated.sha == new_sha and "haiku" in updated.instructions
    assert page.update_box.isHidden()


def test_uninstall_removes_the_app_from_my_apps(make_window, qtbot, store_hub, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window = make_window(load=False)
    store = window.store
    store.directory.library.install(store.page.config(), "bob/tutor")
    store.directory.refresh()
    assert "bob/tutor" in store.my_apps.app_ids()

    store.show_app_page(store.directory.find("builtin:poet"))
    assert store.page.uninstall_button.isHidden()  # built-in apps stay

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.tabs.setCurrentWidget(store)
    with qtbot.waitSignal(store.page.uninstalled, timeout=PAGE_MS):
        store.my_apps.menu_for(store.directory.find("bob/tutor")).actions()[-1].trigger()  # "Uninstall…"
    assert "bob/tutor" not in store.my_apps.app_ids()
    assert store.directory.find("bob/tutor") is None
    assert not any(p.name.startswith("bob") for p in store.directory.library.root.iterdir())


def test_after_uninstall_the_page_offers_install_again_and_says_not_installed(make_window, qtbot, store_hub,
                                                                              monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window = make_window(load=False)
    store = window.store
    installed = store.directory.library.install(store.page.config(), "bob/tutor")
    store.directory.refresh()
    window.tabs.setCurrentWidget(store)
    store.show_app_page(store.directory.find("bob/tutor"))  # opened from My apps: no Hub details read
    page = store.page
    assert page.meta.text().startswith("Installed from the Hub") and "installed " in page.meta.text()

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(page.uninstalled, timeout=PAGE_MS):
        click(qtbot, page.uninstall_button)
    assert "Install it again from here" in page.status.text()
    assert page.meta.text().startswith("Not installed") and "installed 20" not in page.meta.text()
    assert page.install_button.isVisible() and page.install_button.isEnabled()
    assert page.open_button.isHidden() and page.uninstall_button.isHidden() and page.update_button.isHidden()

    with qtbot.waitSignal(page.installed, timeout=PAGE_MS) as again:  # and it does install again
        click(qtbot, page.install_button)
    assert again.args[0].sha == installed.sha and "bob/tutor" in store.my_apps.app_ids()
    assert page.meta.text().startswith("Installed from the Hub") and page.install_button.isHidden()


def test_app_page_shows_the_apps_version_with_the_commit_in_the_details(make_window, qtbot, store_hub):
    seed(store_hub, "dave/versioned", "Versioned", version="1.0.0")
    window = make_window(load=False)
    store = window.store
    with qtbot.waitSignal(store.page.details_loaded, timeout=PAGE_MS):
        store.show_repo_page("dave/versioned")
    page = store.page
    sha = store_hub.head("dave/versioned")
    assert "version 1.0.0" in page.meta.text() and sha[:7] not in page.meta.text()
    assert sha[:10] in page.link.text() and sha in page.link.toolTip()
    assert page.button_row.spacing() >= 8  # the buttons do not touch


@pytest.mark.model
def test_a_translation_app_opens_its_tab_with_its_options_and_instructions(make_window, qtbot, hub):
    window = make_window()  # ``hub``: opening the Store lists apps from the local Hub, never the real one
    window.context.settings.max_tokens = 24
    store = window.store
    window.tabs.setCurrentWidget(store)
    click_item(qtbot, store.my_apps.list, store.my_apps.item_for("builtin:en-zh-translator"))
    pane = window.translation
    assert window.tabs.currentWidget() is pane
    assert pane.app_banner.isVisible() and pane.target_lang.currentData() == "zh-Hans"

    click(qtbot, pane.app_banner.buttons[0])  # a starter fills the text to translate
    assert pane.source.toPlainText() == "The meeting has been moved to Thursday afternoon."
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS):
        click(qtbot, pane.translate_button)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    app = store.directory.find("builtin:en-zh-translator")
    assert app.instructions.splitlines()[0] in window.controller.engine.last_prompt()
    run = window.chat.store.get(pane.tracker.conversation_id)
    assert (run.tool, run.app_id) == ("translation", "builtin:en-zh-translator")

    click(qtbot, pane.app_banner.close_button)  # stop using the app: its instructions are no longer sent
    assert pane.app_banner.isHidden() and pane.tracker.app is None
    with qtbot.waitSignal(pane.tracker.finished, timeout=REPLY_TIMEOUT_MS):
        click(qtbot, pane.translate_button)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=REPLY_TIMEOUT_MS)
    assert app.instructions.splitlines()[0] not in window.controller.engine.last_prompt()


def test_opening_the_store_finds_updates_for_installed_apps(make_window, qtbot, store_hub):
    window = make_window(load=False)
    store = window.store
    store.directory.library.install(store.page.config(), "alice/poet")
    store.directory.library.install(store.page.config(), "bob/tutor")
    store.directory.refresh()
    new_sha = store_hub.commit("alice/poet", {"app.json": app_files("Moon Poet", description="Now in haiku.")[
        "app.json"]})

    with qtbot.waitSignal(store.updates_checked, timeout=PAGE_MS) as checked:
        window.tabs.setCurrentWidget(store)
    assert set(checked.args[0]) == {"alice/poet"} and checked.args[0]["alice/poet"].sha == new_sha
    assert store.my_apps.item_for("alice/poet").text().endswith("⬆")
    assert not store.my_apps.item_for("bob/tutor").text().endswith("⬆")

    store.show_app_page(store.directory.find("alice/poet"))  # the page shows what changes at once
    assert store.page.update_box.isVisible() and "Now in haiku." in store.page.update_changes.text()
    with qtbot.waitSignal(store.page.installed, timeout=PAGE_MS):
        click(qtbot, store.page.apply_update_button)
    assert not store.my_apps.item_for("alice/poet").text().endswith("⬆")
