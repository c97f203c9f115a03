"""The Store's listing: search, sort, category, a Featured shelf and a paged grid of cards, all loaded off the GUI
thread, with progress, errors in words, Retry, and a banner when the Hub cannot be used."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_gpt import log
from desktop_gpt.errors import HubOffline, HubUnavailable
from desktop_gpt.settings import Settings
from desktop_gpt.store import catalog
from desktop_gpt.store.app_format import CATEGORIES
from desktop_gpt.store.app_files import store_cache_dir
from desktop_gpt.store.hub import HubConfig
from desktop_gpt.store.search_index import IndexEntry, StoreIndex
from desktop_gpt.ui.store.app_meta import category_name
from desktop_gpt.ui.store.card_grid import COLUMNS, CardGrid
from desktop_gpt.ui.store.cards import AppCard
from desktop_gpt.ui.tasks import TaskRunner
from desktop_gpt.i18n import N_, _, ngettext
from desktop_gpt.ui.widgets.safe_text import PlainLabel

_log = log.get("ui.store")

SORT_LABELS = {"downloads": N_("Most downloaded"), "likes": N_("Most liked"), "updated": N_("Recently updated")}
OFFLINE_TEXT = (N_("Offline mode is on, so the Store does not contact the Hub. Your installed and built-in apps "
                "(on the left) work as always. Turn it off in File → Settings."))


def apps_text(n: int) -> str:
    return ngettext("{n:,} app", "{n:,} apps", n).format(n=n)


class Banner(QLabel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("storeBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()


class BrowsePage(QWidget):
    """The listing. Call ``start()`` the first time the Store is shown (nothing is fetched before).

    Signals:
        app_clicked(str): a card was clicked (the app's repo id).
        loaded(int): a page of results was added (how many cards are listed now).
        load_failed(str): a page could not be loaded (the message shown).
    """

    app_clicked = Signal(str)
    loaded = Signal(int)
    load_failed = Signal(str)

    def __init__(self, settings: Settings, runner: TaskRunner, parent: QWidget | None = None,
                 is_installed=lambda _repo_id: False):
        super().__init__(parent)
        self.settings = settings
        self.runner = runner
        self.is_installed = is_installed
        self.started = False
        self._index: StoreIndex | None = None
        self._search: catalog.AppSearch | None = None
        self._generation = 0
        self._loading = False
        self._offline = False  # the offline banner is shown

        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(_("Search apps by name, description or category, in any language…"))
        self.search_box.setClearButtonEnabled(True)
        self.category = QComboBox(self)
        self.category.addItem(_("All categories"), None)
        for name in CATEGORIES:
            self.category.addItem(category_name(name), name)
        self.sort = QComboBox(self)
        for key in catalog.SORTS:
            self.sort.addItem(_(SORT_LABELS.get(key, key)), key)
        bar = QHBoxLayout()
        bar.addWidget(self.search_box, 1)
        bar.addWidget(self.category)
        bar.addWidget(self.sort)

        self.banner = Banner(self)
        self.featured_box = QWidget(self)
        self.featured_col = QVBoxLayout(self.featured_box)
        self.featured_col.setContentsMargins(0, 0, 0, 0)
        self.featured_box.hide()
        self.results_title = PlainLabel(_("All apps"), self)
        self.results_title.setObjectName("storeSection")
        self.grid_widget = CardGrid(self)
        self.cards = self.grid_widget.cards
        self.show_uninstallable = QCheckBox(_("Show apps that can't be installed"), self)
        self.show_uninstallable.setToolTip(
            _("Apps whose files break the app format, or that need a newer Desktop GPT, are hidden from the list")
        )
        self.show_uninstallable.hide()
        self.status = QLabel("", self)
        self.status.setObjectName("storeStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setFixedHeight(4)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.retry_button = QPushButton(_("Retry"), self)
        self.retry_button.hide()
        self.more_button = QPushButton(_("Load more"), self)
        self.more_button.hide()
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.show_uninstallable)
        status_row.addWidget(self.retry_button)
        status_row.addWidget(self.more_button)

        inner = QWidget(self)
        inner.setObjectName("storeInner")
        inner_col = QVBoxLayout(inner)
        inner_col.setContentsMargins(12, 4, 12, 12)
        inner_col.addWidget(self.featured_box)
        inner_col.addWidget(self.results_title)
        inner_col.addWidget(self.grid_widget)
        inner_col.addWidget(self.progress)
        inner_col.addLayout(status_row)
        inner_col.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(inner)
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 0)
        col.addLayout(bar)
        col.addWidget(self.banner)
        col.addWidget(self.scroll, 1)

        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(350)
        self._typing.timeout.connect(self.search)
        self.search_box.textChanged.connect(lambda _t: self._typing.start())
        self.search_box.returnPressed.connect(self.search)
        self.category.currentIndexChanged.connect(lambda _i: self.search())
        self.sort.currentIndexChanged.connect(lambda _i: self.search())
        self.retry_button.clicked.connect(self.retry)
        self.show_uninstallable.toggled.connect(self._show_uninstallable)
        self._save_index = QTimer(self)  # cards arrive one by one: write the index once they have settled
        self._save_index.setSingleShot(True)
        self._save_index.setInterval(1000)
        self._save_index.timeout.connect(lambda: self._index.save() if self._index is not None else None)
        self.more_button.clicked.connect(self.load_more)
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)

    # -- loading --------------------------------------------------------------------------------------------
    def config(self) -> HubConfig:
        return HubConfig.resolve(self.settings)

    def index(self) -> StoreIndex:
        """The local index of the listing for the current Hub address."""
        endpoint = self.config().endpoint
        if self._index is None or self._index.endpoint != endpoint:
            if self._index is not None:
                self._index.save()
            self._index = StoreIndex(store_cache_dir() / "index.json", endpoint)
        return self._index

    def start(self) -> None:
        """Load the Featured shelf and the first page (once; later visits keep what is shown, unless offline mode
        was turned off meanwhile)."""
        if self.started:
            if self._offline and not self.config().offline:
                self.refresh()
            return
        self.started = True
        self.refresh()

    def settings_changed(self) -> None:
        """Offline mode (or the Hub address) changed: show it at once, not on the next visit."""
        if not self.started:
            return
        offline = self.config().offline
        if offline and not self._offline:
            self._generation += 1  # answers still on their way are dropped
            self._loading = False
            self._clear_grid()
            self._search = None
            self._show_offline()
        elif not offline and self._offline:
            self.refresh()

    def save_index(self) -> None:
        self._save_index.stop()
        if self._index is not None:
            self._index.save()

    def refresh(self) -> None:
        self.search()
        self.load_featured()

    def search(self) -> None:
        """Start the listing again for the current text, category and sort."""
        self._typing.stop()
        self._generation += 1
        self._loading = False
        self._clear_grid()
        text = self.search_box.text().strip()
        if self._filtered():  # the shelf is for browsing: a search or a category shows only what matches
            self.featured_box.hide()
        elif self.featured_col.count():
            self.featured_box.show()
        self.results_title.setText(_("Results for “{text}”").format(text=text) if text else _("All apps"))
        config = self.config()
        if config.offline:
            self._search = None
            self._show_offline()
            if text:
                self._offline_matches(text)
            return
        self._offline = False
        self.banner.hide()
        category = self.category.currentData()
        if text:  # what the cards say, in any language, from the local index; then the Hub's own matches
            for entry in self.index().search(text, category):
                self._add_card(_listing_of(entry)).set_entry(entry)
        self._search = catalog.AppSearch(config, text, category=category, sort=self.sort.currentData())
        self.load_more()

    def load_more(self) -> None:
        """Fetch the next page of the listing."""
        search = self._search
        if search is None or self._loading or search.done:
            return
        self._loading = True
        generation = self._generation
        self.status.setText(_("Loading apps from the Hub…"))
        self.progress.show()
        self.retry_button.hide()
        self.more_button.hide()
        task = self.runner.start(search.next_page)
        task.done.connect(lambda page: self._page(generation, page))
        task.failed.connect(lambda exc: self._failed(generation, exc))

    def _scrolled(self, value: int) -> None:
        """Reaching the bottom of the list loads the next page, as "Load more" does."""
        bar = self.scroll.verticalScrollBar()
        if value > 0 and value >= bar.maximum() - 40 and self.more_button.isVisible():
            self.load_more()

    def retry(self) -> None:
        if self._search is None or not self.cards:
            self.refresh()
        else:
            self.load_more()

    def _page(self, generation: int, page: list) -> None:
        if generation != self._generation:
            return  # a newer search replaced this one
        self._loading = False
        self.progress.hide()
        self.banner.hide()
        for listing in page:
            if listing.repo_id not in self.cards:
                self._add_card(listing)
        self.more_button.setVisible(not self.done)
        self._show_count()
        self.loaded.emit(len(self.cards))

    @property
    def done(self) -> bool:
        return self._search is None or self._search.done

    def _show_count(self) -> None:
        if self._offline or self._loading:
            return
        shown, hidden = len(self.grid_widget.shown()), self.grid_widget.hidden_count()
        if not self.cards:
            text = (
                _("No apps match. Try other words or another category.")
                if self._filtered()
                else _("No apps are published on this Hub yet.")
            )
        else:
            text = apps_text(shown) if self.done else _("{apps} so far").format(apps=apps_text(shown))
            if hidden and not self.show_uninstallable.isChecked():
                text += " " + ngettext("({n:,} that can't be installed is hidden)",
                                       "({n:,} that can't be installed are hidden)", hidden).format(n=hidden)
        self.status.setText(text)
        self.show_uninstallable.setVisible(bool(hidden) or self.show_uninstallable.isChecked())

    def _show_uninstallable(self, show: bool) -> None:
        self.grid_widget.set_show_uninstallable(show)
        self._show_count()

    def mark_installed(self) -> None:
        """Badge the cards of the apps on this computer (after an install or uninstall)."""
        self.grid_widget.mark_installed(self.is_installed)

    def _filtered(self) -> bool:
        return bool(self.search_box.text().strip()) or self.category.currentData() is not None

    def _failed(self, generation: int, exc: Exception) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self.progress.hide()
        text = str(exc)
        if isinstance(exc, HubOffline):
            self._show_offline()
        elif isinstance(exc, HubUnavailable):
            self.banner.setText(
                _(
                    "The Store cannot reach the Hub right now: {text} Your installed and built-in apps (on the "
                    "left) still work."
                ).format(text=text)
            )
            self.banner.show()
        if self.cards:
            self._show_count()
            text = self.status.text() + ". " + text
        self.status.setText(text)
        self.retry_button.show()
        self.more_button.hide()
        self.load_failed.emit(text)

    def _show_offline(self) -> None:
        self._offline = True
        self.banner.setText(_(OFFLINE_TEXT))
        self.banner.show()
        self.progress.hide()
        self.featured_box.hide()
        self.status.setText("")
        self.retry_button.hide()  # nothing to retry: turning offline mode off loads the Store at once
        self.more_button.hide()
        self.show_uninstallable.hide()
        self.load_failed.emit(_(OFFLINE_TEXT))

    def _clear_grid(self) -> None:
        self.grid_widget.clear()
        self.more_button.hide()
        self.retry_button.hide()

    def _offline_matches(self, text: str) -> None:
        """Offline, a search still finds the apps seen in the Store before (from the index on disk), without
        contacting the Hub; their pages need the Hub, or the app installed."""
        for entry in self.index().search(text, self.category.currentData()):
            card = AppCard(_listing_of(entry), self)
            card.clicked.connect(self.app_clicked)
            card.set_entry(entry)
            card.set_installed(self.is_installed(entry.repo_id))
            self.grid_widget.add(card)
        n = len(self.cards)
        self.status.setText(
            _("{apps_text} seen in the Store before match “{text}”.").format(apps_text=apps_text(n), text=text)
            if n
            else _("No app seen in the Store before matches “{text}”.").format(text=text)
        )

    # -- cards ----------------------------------------------------------------------------------------------
    def _add_card(self, listing) -> AppCard:
        card = self._card(listing)
        self.grid_widget.add(card)
        return card

    def _card(self, listing) -> AppCard:
        card = AppCard(listing, self)
        card.clicked.connect(self.app_clicked)
        card.set_installed(self.is_installed(listing.repo_id))
        config = self.config()
        index = self.index()
        task = self.runner.start(lambda: catalog.fetch_card(config, listing.repo_id, listing.sha))
        task.done.connect(lambda details: self._card_details(card, listing, details, index))
        task.failed.connect(lambda exc: self._card_failed(card, exc))
        return card

    def _card_details(self, card: AppCard, listing, details, index: StoreIndex) -> None:
        m = details.manifest
        index.add(
            IndexEntry(
                listing.repo_id,
                details.sha,
                m.name,
                m.description,
                m.category,
                listing.author,
                listing.likes,
                listing.downloads,
            )
        )
        self._save_index.start()
        if shiboken6.isValid(card):  # a new search may have replaced it meanwhile
            card.set_details(details)

    def _card_failed(self, card: AppCard, exc: Exception) -> None:
        if not shiboken6.isValid(card):
            return
        card.set_failed(exc)
        if not card.installable and card.repo_id in self.cards:
            self.grid_widget.relayout()
            self._show_count()

    def load_featured(self) -> None:
        config = self.config()
        if config.offline:
            return
        generation = self._generation
        task = self.runner.start(lambda: catalog.featured(config))
        task.done.connect(lambda shelves: self._featured(generation, shelves))
        task.failed.connect(lambda exc: _log.info("featured shelf not shown: %s", exc))

    def _featured(self, generation: int, shelves: list) -> None:
        if generation != self._generation or self._offline:
            return
        while self.featured_col.count():
            item = self.featured_col.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
            elif item.layout() is not None:
                _drop_layout(item.layout())
        shown = 0
        for shelf in shelves:
            if not shelf.apps:
                continue
            title = PlainLabel(shelf.heading or "Featured", self.featured_box)
            title.setObjectName("storeSection")
            self.featured_col.addWidget(title)
            row = QHBoxLayout()
            row.setSpacing(10)
            for listing in list(shelf.apps)[:COLUMNS]:
                row.addWidget(self._card(listing), 1)
                shown += 1
            for _gap in range(COLUMNS - min(len(shelf.apps), COLUMNS)):
                row.addStretch(1)
            self.featured_col.addLayout(row)
        self.featured_box.setVisible(shown > 0 and not self._filtered())


def _listing_of(entry: IndexEntry) -> catalog.AppListing:
    """A listing for an app found in the local index (the Hub's own listing replaces nothing: same repo id)."""
    return catalog.AppListing(
        repo_id=entry.repo_id,
        author=entry.author,
        sha=entry.sha,
        likes=entry.likes,
        downloads=entry.downloads,
        updated=None,
        tags=(),
        category=entry.category,
        gated=False,
        private=False,
    )


def _drop_layout(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
