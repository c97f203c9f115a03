"""Help → About: version, llama.cpp build, Qt and Python, data folders; Licences from the installed metadata."""

from __future__ import annotations

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from desktop_gpt import __version__
from desktop_gpt.engine.devices import SystemInfo
from desktop_gpt.paths import app_paths
from desktop_gpt.ui.about import AboutDialog, LicencesDialog, build_facts, facts_text

LICENCES_TIMEOUT_MS = 60_000  # a hang limit on a loaded machine, not a speed target


def test_about_names_the_version_llama_cpp_qt_python_and_the_folders(qtbot):
    paths = app_paths()
    facts = dict(build_facts(paths, SystemInfo(llama_cpp_version="0.3.36", backends=["CPU"]), "Running on CPU"))
    assert facts["Version"] == __version__
    assert "llama-cpp-python" in facts["llama.cpp"] and "backends in this build: CPU" in facts["llama.cpp"]
    assert facts["Qt"].startswith(qVersion()) and "PySide6" in facts["Qt"]
    assert facts["Python"].split()[0].count(".") == 2
    assert facts["Chats and models"] == str(paths.data) and facts["Logs"] == str(paths.logs)
    assert facts["Model runs on"] == "Running on CPU"
    assert "a Python package in" in facts["Installed as"]

    dialog = AboutDialog(build_facts(paths), None)
    qtbot.addWidget(dialog)
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    assert str(paths.data) in shown and "checking…" in " ".join(shown)  # no probe answer yet: said so
    dialog.copy_details()
    assert QApplication.clipboard().text().startswith(f"Desktop GPT: {__version__}\n")


def test_licences_show_qt_lgpl_llama_cpp_mit_and_the_model_apache_as_plain_text(qtbot):
    dialog = LicencesDialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=LICENCES_TIMEOUT_MS)
    rows = {dialog.list.item(i).text(): i for i in range(dialog.list.count())}

    def text_of(prefix: str) -> str:
        row = next(i for label, i in rows.items() if label.lower().startswith(prefix))
        dialog.list.setCurrentRow(row)
        return dialog.text.toPlainText()

    assert isinstance(dialog.text, QPlainTextEdit) and dialog.text.isReadOnly()
    qt = text_of("pyside6")
    assert "Licence: LGPL-3.0-only" in qt and "GNU Lesser General Public License" in qt
    assert "Licence: MIT" in text_of("llama.cpp")
    model = text_of("smollm2")
    assert "Licence: Apache-2.0" in model and "HuggingFaceTB" in model
    assert any(label.startswith("Jinja2") for label in rows)


def test_the_help_menu_opens_about_and_its_licences(qtbot, make_window):
    window = make_window(load=False)
    dialog = window.about()
    assert dialog.isVisible() and isinstance(dialog, AboutDialog)
    assert facts_text(dialog.facts) == window.about_text()
    licences = dialog.show_licences()
    qtbot.waitUntil(lambda: licences.list.count() > 0, timeout=LICENCES_TIMEOUT_MS)
    assert licences.isVisible()
    licences.close()
    dialog.close()
