"""The Hub part of the settings dialog: address or mirror, access token (kept in its own file), offline mode."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop_gpt.errors import SettingsError
from desktop_gpt.settings import Settings
from desktop_gpt.store.hub import DEFAULT_ENDPOINT, current_endpoint
from desktop_gpt.store.token import clear_token, read_token, save_token
from desktop_gpt.i18n import _

MIRROR_EXAMPLE = "https://hf-mirror.com"


class HubSettingsBox(QGroupBox):
    """Edits ``hub_endpoint``, ``store_repo`` and ``offline``, and saves or forgets the access token.

    The token never goes into settings.json and is never shown again once saved: the field stays empty, and a
    new one typed there replaces it.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(_("Store and Hugging Face Hub"), parent)
        self.settings = settings
        self.endpoint = QLineEdit(settings.hub_endpoint, self)
        self.endpoint.setPlaceholderText(os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT)
        self.endpoint.setToolTip(
            _("Leave empty for huggingface.co (or HF_ENDPOINT). A mirror such as {mirror_example} works too.").format(
                mirror_example=MIRROR_EXAMPLE
            )
        )
        self.token = QLineEdit(self)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setObjectName("hubToken")
        self.forget_button = QPushButton(_("Forget token"), self)
        self._forget = False
        self.offline = QCheckBox(_("Offline: never contact the Hub (installed and built-in apps keep working)"), self)
        self.offline.setChecked(settings.offline)
        self.store_repo = QLineEdit(settings.store_repo, self)
        self.store_repo.setToolTip(_("The Hub repository whose featured.json lists the Store's Featured apps"))
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.forget_button)
        note = QLabel(
            _(
                "The token is only needed for private or gated apps. It is kept in its own file readable only by "
                "you, and never written to a log."
            ),
            self,
        )
        note.setWordWrap(True)
        note.setObjectName("settingsNote")
        form = QFormLayout(self)
        form.addRow(_("Hub address:"), self.endpoint)
        form.addRow(_("Access token:"), token_row)
        form.addRow("", note)
        form.addRow(_("Featured list:"), self.store_repo)
        form.addRow("", self.offline)
        self.forget_button.clicked.connect(self.forget)
        self._show_token_state()

    def _show_token_state(self) -> None:
        saved = read_token() is not None and not self._forget
        self.token.setPlaceholderText(
            _("A token is saved; type a new one to replace it") if saved else _("hf_…  (optional)")
        )
        self.forget_button.setEnabled(saved)

    def forget(self) -> None:
        self._forget = True
        self.token.clear()
        self._show_token_state()

    def save_token(self) -> str | None:
        """Check what was typed and save (or forget) the token now; returns what is wrong, in words, or None."""
        check = Settings()
        try:
            check.set("hub_endpoint", self.endpoint.text())
            token = self.token.text().strip()
            if token:
                save_token(token, endpoint=current_endpoint(check))  # sent to this address only
            elif self._forget:
                clear_token()
        except SettingsError as exc:
            return str(exc)
        self.token.clear()
        self._forget = False
        self._show_token_state()
        return None

    def apply(self) -> None:
        """Write the address, featured list and offline mode into the settings (after ``save_token``)."""
        s = self.settings
        s.set("hub_endpoint", self.endpoint.text())
        s.set("store_repo", self.store_repo.text().strip() or "desktop-gpt/store")
        s.set("offline", self.offline.isChecked())
