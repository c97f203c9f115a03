"""Small slips a new user trips over: the export file name, the rename dialog's width, the Edit menu's standard
actions on the focused editor, the Settings shortcut."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog


def test_export_suggests_one_dot_before_md(make_window, monkeypatch):
    window = make_window(load=False)
    store = window.chat.store
    conv = store.create(system_prompt="")
    store.rename(conv.id, "Give me three tips.")
    window.chat.open_conversation(conv.id)
    suggested = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (suggested.append(a[2]) or "", ""))
    window.chat.export()
    assert Path(suggested[0]).name == "Give me three tips.md"


def test_safe_file_names():
    from desktop_gpt.paths import safe_file_name

    assert safe_file_name("Give me three tips...", "chat") == "Give me three tips"
    assert safe_file_name('a/b\\c:d*e?"f<g>h|', "chat") == "abcdefgh"
    assert safe_file_name("  tabs\tand\nlines  ", "chat") == "tabs and lines"
    assert safe_file_name("...", "chat") == "chat" and safe_file_name("", "Untitled") == "Untitled"
    assert safe_file_name("长城 的 历史。", "chat") == "长城 的 历史。"


def test_rename_dialog_is_as_wide_as_the_title(make_window, monkeypatch):
    window = make_window(load=False)
    title = "Planning a three-week trip through Japan and Korea in the spring, with trains and ferries"
    conv = window.chat.store.create(system_prompt="")
    window.chat.store.rename(conv.id, title)
    widths = []

    def fake_exec(dialog):
        widths.append((dialog.width(), dialog.fontMetrics().horizontalAdvance(title), dialog.textValue()))
        return 0  # Cancel

    monkeypatch.setattr(QInputDialog, "exec", fake_exec)
    window.chat.rename(conv.id)
    width, title_width, text = widths[0]
    assert text == title and width > title_width


def test_edit_menu_acts_on_the_focused_editor_and_settings_has_its_shortcut(make_window, qtbot):
    window = make_window(load=False)
    actions = window.edit_actions
    assert list(actions) == ["undo", "redo", "cut", "copy", "paste", "selectAll"]
    assert actions["copy"].shortcut().toString() == "Ctrl+C"
    assert "Ctrl+," in [k.toString() for k in window.settings_action.shortcuts()]  # Linux has no Preferences key

    window.activateWindow()
    editor = window.chat.composer.editor
    editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    editor.setPlainText("hello world")
    actions["selectAll"].trigger()
    assert editor.textCursor().selectedText() == "hello world"
    actions["cut"].trigger()
    assert editor.toPlainText() == "" and QApplication.clipboard().text() == "hello world"
    actions["paste"].trigger()
    actions["paste"].trigger()
    assert editor.toPlainText() == "hello worldhello world"
    actions["undo"].trigger()
    assert editor.toPlainText() == "hello world"
    actions["redo"].trigger()
    assert editor.toPlainText() == "hello worldhello world"

    search = window.chat.conversations.search  # a line edit works the same
    search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search)
    actions["paste"].trigger()
    assert search.text() == "hello world"


def test_branch_arrows_are_big_enough_to_hit_and_the_apps_arrow_is_in_its_text(make_window):
    window = make_window(load=False)
    store = window.chat.store
    conv = store.create(system_prompt="")
    store.add_message(conv.id, None, "user", "First version")
    second = store.add_message(conv.id, None, "user", "Second version")
    window.chat.open_conversation(conv.id)
    widget = window.chat.view.widget_for(second.id)
    assert widget.version_label.text() == "2/2"
    for button in (widget.prev_button, widget.next_button):
        assert button.sizeHint().width() >= 28 and button.minimumSize().height() >= 26
    assert window.chat.apps_button.text() == "Apps ▾"
