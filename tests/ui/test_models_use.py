"""The model manager in the real window: Use now loads a model for now only, Set as default is its own action,
and the model in use is marked in Installed."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.ui.conftest import LOAD_TIMEOUT_MS

pytestmark = pytest.mark.model


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def test_use_now_loads_without_making_it_the_default_and_set_as_default_does(qtbot, make_window, bundled_model,
                                                                            tmp_path):
    from desktop_gpt.settings import load_settings

    window = make_window()
    folder = tmp_path / "more-models"
    folder.mkdir()
    other = folder / "other-smollm.gguf"
    _link_or_copy(bundled_model, other)
    manager = window.models.open()
    installed = manager.installed
    with qtbot.waitSignal(installed.scanned, timeout=LOAD_TIMEOUT_MS):
        installed.add_folder(str(folder))

    def row_of(name):
        return next(i for i, m in enumerate(installed.models) if m.name == name)

    def name_cell(name):
        return installed.table.item(row_of(name), 0)

    assert name_cell(bundled_model.name).text() == f"{bundled_model.name}  (in use, default)"
    assert name_cell(bundled_model.name).font().bold()
    installed.table.selectRow(row_of("other-smollm.gguf"))
    assert installed.use_button.text() == "Use now" and installed.use_button.isEnabled()
    with qtbot.waitSignal(window.controller.loaded, timeout=LOAD_TIMEOUT_MS):
        installed.use_button.click()
    assert window.controller.info.path == str(other.resolve())  # the engine keeps the resolved path
    assert window.context.settings.model_path is None  # Use now is for now: the default did not change
    assert load_settings(window.context.paths).settings.model_path is None
    assert name_cell("other-smollm.gguf").text() == "other-smollm.gguf  (in use)"
    assert name_cell(bundled_model.name).text() == f"{bundled_model.name}  (default)"
    assert not name_cell(bundled_model.name).font().bold()

    installed.table.selectRow(row_of("other-smollm.gguf"))
    assert not installed.use_button.isEnabled()  # it is in use already
    with qtbot.waitSignal(installed.scanned, timeout=LOAD_TIMEOUT_MS):
        installed.default_button.click()
    assert load_settings(window.context.paths).settings.model_path == str(other)
    assert name_cell("other-smollm.gguf").text() == "other-smollm.gguf  (in use, default)"
    manager.close()
