"""Settings → Appearance: the interface language and the colour theme."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QWidget

from desktop_gpt import i18n
from desktop_gpt.i18n import N_, _
from desktop_gpt.settings import Settings

THEMES = [("system", N_("Same as the system")), ("light", N_("Light")), ("dark", N_("Dark"))]


class AppearanceBox(QGroupBox):
    """The language and theme choices of the Settings dialog; ``apply()`` copies them into the settings."""

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(_("Appearance"), parent)
        self.settings = settings
        self.language = QComboBox(self)
        self.language.setObjectName("languageChoice")
        self.language.addItem(_("Same as the system"), i18n.SYSTEM)
        for code in i18n.available():
            self.language.addItem(i18n.LANGUAGE_NAMES[code], code)  # each language named in its own words
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.theme = QComboBox(self)
        self.theme.setObjectName("themeChoice")
        for value, label in THEMES:
            self.theme.addItem(_(label), value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form = QFormLayout(self)
        form.addRow(_("Language:"), self.language)
        form.addRow(_("Theme:"), self.theme)

    def apply(self) -> tuple[bool, bool]:
        """Copy the choices into the settings; returns (language changed, theme changed)."""
        s = self.settings
        before = (s.language, s.theme)
        s.set("language", self.language.currentData())
        s.set("theme", self.theme.currentData())
        return before[0] != s.language, before[1] != s.theme
