"""The Store's grid of cards: kept in order, with the apps that cannot be installed hidden unless asked for."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QGridLayout, QWidget

from desktop_gpt.ui.store.cards import AppCard

COLUMNS = 3


class CardGrid(QWidget):
    """Cards in the order they were added (repo id → card), laid out ``COLUMNS`` to a row with no gaps where a
    hidden card would be."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.cards: dict[str, AppCard] = {}
        self.show_uninstallable = False
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(10)
        for c in range(COLUMNS):
            self.grid.setColumnStretch(c, 1)

    def __contains__(self, repo_id: str) -> bool:
        return repo_id in self.cards

    def __len__(self) -> int:
        return len(self.cards)

    def add(self, card: AppCard) -> None:
        self.cards[card.repo_id] = card
        n = len(self.shown()) - 1  # a new card is installable until its files say otherwise
        self.grid.addWidget(card, n // COLUMNS, n % COLUMNS)

    def clear(self) -> None:
        for card in self.cards.values():
            self.grid.removeWidget(card)
            card.deleteLater()
        self.cards.clear()

    def shown(self) -> list[AppCard]:
        return [c for c in self.cards.values() if c.installable or self.show_uninstallable]

    def hidden_count(self) -> int:
        return len(self.cards) - len(self.shown())

    def set_show_uninstallable(self, show: bool) -> None:
        self.show_uninstallable = show
        self.relayout()

    def mark_installed(self, is_installed: Callable[[str], bool]) -> None:
        for repo_id, card in self.cards.items():
            card.set_installed(is_installed(repo_id))

    def relayout(self) -> None:
        """Place the shown cards in order again (after one turned out to be uninstallable, or the switch)."""
        for card in self.cards.values():
            self.grid.removeWidget(card)
        shown = self.shown()
        for n, card in enumerate(shown):
            self.grid.addWidget(card, n // COLUMNS, n % COLUMNS)
            card.show()
        for card in self.cards.values():
            if card not in shown:
                card.hide()
