"""A Store card: one app of the listing (icon, name, author, description, likes, downloads, updated)."""

from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop_gpt.errors import AppFormatError, GatedRepo, HubAuthError, HubError, RepoNotFound
from desktop_gpt.ui.store.icons import app_pixmap
from desktop_gpt.ui.widgets.safe_text import tip
from desktop_gpt.i18n import _, ngettext

ICON_SIZE = 44
DESCRIPTION_CHARS = 120


def count(n: int | None) -> str:
    """1234 → "1.2k", 2500000 → "2.5M"."""
    if n is None:
        return "–"
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 1_000:
        return f"{n / 1_000:.1f}k".replace(".0k", "k")
    return str(n)


def updated_text(when: _dt.datetime | None) -> str:
    if when is None:
        return ""
    now = _dt.datetime.now(when.tzinfo) if when.tzinfo else _dt.datetime.now()
    days = (now - when).days
    if days < 1:
        return _("updated today")
    if days < 2:
        return _("updated yesterday")
    if days < 31:
        return ngettext("updated {n} day ago", "updated {n} days ago", days).format(n=days)
    return _("updated {date}").format(date=when.strftime("%Y-%m-%d"))


def cannot_install_reason(exc: Exception) -> str | None:
    """Why an app can never be installed as it is, in people's words; None when the failure may pass (the Hub
    being down, a slow connection) and the card should stay."""
    if isinstance(exc, AppFormatError):
        text = str(exc)
        if "newer Desktop GPT" in text:
            return _("Needs a newer version of Desktop GPT.")
        if "no app.json" in text:
            return _("This repository has no app in it.")
        return _("Its author published it with a mistake, so it can't be installed. Its page says what is wrong.")
    if isinstance(exc, RepoNotFound):
        return _("It was removed from the Hub.")
    return None


def failure_text(exc: Exception) -> str:
    """What a card says when its details could not be read."""
    if isinstance(exc, GatedRepo):
        return _("Its author asks you to accept their conditions on the Hub before using it.")
    if isinstance(exc, HubAuthError):
        return _("Private: it needs an access token that has access (File → Settings).")
    if isinstance(exc, HubError):
        return "Could not be read from the Hub just now. " + str(exc)
    return cannot_install_reason(exc) or str(exc)


def short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class AppCard(QFrame):
    """Shows a listing at once, then the app's own name, description and icon when its app.json has arrived.

    Signals:
        clicked(str): the app's repo id.
    """

    clicked = Signal(str)

    def __init__(self, listing, parent: QWidget | None = None):
        super().__init__(parent)
        self.listing = listing
        self.repo_id: str = listing.repo_id
        self.broken: str | None = None
        self.installable = True  # False when the app can never be installed as it is (hidden by default)
        self.setObjectName("appCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches the cards; Enter or Space opens one
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(132)
        self.icon = QLabel(self)
        self.icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.icon.setPixmap(app_pixmap(listing.repo_name, None, ICON_SIZE))
        self.name = QLabel(listing.repo_name, self)
        self.name.setObjectName("cardName")
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.author = QLabel(_("by {author}").format(author=listing.author), self)
        self.author.setObjectName("cardAuthor")
        self.author.setTextFormat(Qt.TextFormat.PlainText)
        self.description = QLabel(_("Loading…"), self)
        self.description.setObjectName("cardDescription")
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.stats = QLabel(self._stats_text(), self)
        self.stats.setObjectName("cardStats")
        self.badge = QLabel(_("✓ Installed"), self)
        self.badge.setObjectName("cardBadge")
        self.badge.hide()
        self.setToolTip(tip(listing.repo_id))

        head = QGridLayout()
        head.setHorizontalSpacing(10)
        head.setVerticalSpacing(0)
        head.addWidget(self.icon, 0, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.name, 0, 1)
        head.addWidget(self.author, 1, 1)
        head.setColumnStretch(1, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.stats)
        foot.addStretch(1)
        foot.addWidget(self.badge)
        col = QVBoxLayout(self)
        col.setContentsMargins(12, 10, 12, 8)
        col.setSpacing(4)
        col.addLayout(head)
        col.addWidget(self.description, 1)
        col.addLayout(foot)

    def _stats_text(self) -> str:
        listing = self.listing
        parts = [f"♥ {count(listing.likes)}", f"⤓ {count(listing.downloads)}"]
        when = updated_text(listing.updated)
        if when:
            parts.append(when)
        return "   ".join(parts)

    def set_details(self, card) -> None:
        """The app's own name, description and icon (a catalog AppCard)."""
        manifest = card.manifest
        self.name.setText(manifest.name)
        self.description.setText(short(manifest.description))
        self.icon.setPixmap(app_pixmap(manifest.name, card.icon_path, ICON_SIZE))
        self.setToolTip(tip(f"{manifest.name} — {self.repo_id}\n{manifest.description}"))

    def set_entry(self, entry) -> None:
        """Name and description from the Store's local index, shown until the card's own files arrive."""
        self.name.setText(entry.name)
        self.description.setText(short(entry.description))

    def set_installed(self, installed: bool) -> None:
        self.badge.setVisible(installed)

    def set_failed(self, exc: Exception) -> None:
        self.installable = cannot_install_reason(exc) is None
        self.set_broken(failure_text(exc))

    def set_broken(self, message: str) -> None:
        """The app could not be read: say why, greyed out (its page still shows the details)."""
        self.broken = message
        self.setProperty("broken", True)
        self.description.setText(short(message))
        self.setToolTip(tip(message))
        self.style().unpolish(self)
        self.style().polish(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit(self.repo_id)
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.repo_id)
        super().mouseReleaseEvent(event)
