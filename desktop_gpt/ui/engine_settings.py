"""The Engine part of the settings dialog: this computer or a server (address, API key, model), and serving the
model to other programs on this computer."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from desktop_gpt.errors import DesktopGPTError, SettingsError
from desktop_gpt.i18n import _, ngettext
from desktop_gpt.services.engines import read_api_key, save_api_key
from desktop_gpt.settings import Settings
from desktop_gpt.ui import tasks


def list_server_models(url: str, key: str | None) -> list[str]:
    """The models a server offers (runs off the GUI thread)."""
    from desktop_gpt.engine.remote import RemoteEngine

    engine = RemoteEngine(url, key)
    try:
        return engine.models()
    finally:
        engine.close()


class EngineSettingsBox(QGroupBox):
    """Edits ``engine``, ``server_url``, ``server_model``, ``serve`` and ``serve_port``; the server's API key is
    kept in its own file (like the Hub token), never in settings.json, and never shown again once saved."""

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(_("Engine"), parent)
        self.settings = settings
        self.local = QRadioButton(_("This computer (llama.cpp)"), self)
        self.remote = QRadioButton(_("A server (OpenAI-compatible: llama-server, vLLM, Ollama…)"), self)
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.remote)
        (self.remote if settings.engine == "server" else self.local).setChecked(True)
        self.url = QLineEdit(settings.server_url, self)
        self.url.setPlaceholderText(_("http://192.168.1.20:8080"))
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setObjectName("serverApiKey")
        self.key.setPlaceholderText(_("An API key is saved; type a new one to replace it") if read_api_key()
                                    else _("optional"))
        self.model = QComboBox(self)
        self.model.setEditable(True)
        self.model.setToolTip(_("The model on the server; empty: the first it lists"))
        if settings.server_model:
            self.model.addItem(settings.server_model)
        self.find_button = QPushButton(_("Find models"), self)
        self.find_button.setToolTip(_("Ask the server which models it has (GET /v1/models)"))
        self.find_status = QLabel("", self)
        self.find_status.setWordWrap(True)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.find_button)
        self.serve = QCheckBox(_("Serve the model to other programs on this computer"), self)
        self.serve.setChecked(settings.serve)
        self.serve.setToolTip(_("An OpenAI-compatible API at http://127.0.0.1:PORT/v1; every app is a model too "
                                "(app:poet)"))
        self.port = QSpinBox(self)
        self.port.setRange(1024, 65535)
        self.port.setValue(settings.serve_port)
        form = QFormLayout(self)
        form.addRow(_("The model runs on:"), self.local)
        form.addRow("", self.remote)
        form.addRow(_("Server address:"), self.url)
        form.addRow(_("API key:"), self.key)
        form.addRow(_("Model:"), model_row)
        form.addRow("", self.find_status)
        form.addRow("", self.serve)
        form.addRow(_("Port:"), self.port)
        self.find_button.clicked.connect(self.find_models)
        self.local.toggled.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        remote = self.remote.isChecked()
        for widget in (self.url, self.key, self.model, self.find_button):
            widget.setEnabled(remote)

    def find_models(self) -> None:
        url = self.url.text().strip()
        key = self.key.text().strip() or read_api_key()
        self.find_button.setEnabled(False)
        self.find_status.setText(_("Asking the server…"))

        def done(ids: list[str]) -> None:
            self.find_button.setEnabled(True)
            current = self.model.currentText()
            self.model.clear()
            self.model.addItems(ids)
            if current in ids:
                self.model.setCurrentText(current)
            self.find_status.setText(ngettext("{n} model found.", "{n} models found.", len(ids)).format(n=len(ids))
                                     if ids else _("The server lists no model."))

        def failed(message: str) -> None:
            self.find_button.setEnabled(True)
            self.find_status.setText(message)

        tasks.run(lambda: list_server_models(url, key), done, failed, owner=self, name="server-models")

    def save_key(self) -> str | None:
        """Check the address and save the API key now; returns what is wrong, in words, or None."""
        check = Settings()
        try:
            check.set("server_url", self.url.text())
            if self.remote.isChecked() and not self.url.text().strip():
                raise SettingsError(_("Enter the server's address, or choose “This computer”."))
            if self.key.text().strip():
                save_api_key(self.key.text())
        except DesktopGPTError as exc:
            return str(exc)
        self.key.clear()
        return None

    def apply(self) -> tuple[bool, bool]:
        """Write the choices into the settings (after ``save_key``): (the engine changed, serving changed)."""
        s = self.settings
        before = (s.engine, s.server_url, s.server_model)
        serving = (s.serve, s.serve_port)
        s.set("engine", "server" if self.remote.isChecked() else "local")
        s.set("server_url", self.url.text())
        s.set("server_model", self.model.currentText().strip())
        s.set("serve", self.serve.isChecked())
        s.set("serve_port", self.port.value())
        return before != (s.engine, s.server_url, s.server_model), serving != (s.serve, s.serve_port)
