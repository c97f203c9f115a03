"""The conversation list shows two lines per chat (title, then app and time) in any script."""

from __future__ import annotations

from PySide6.QtCore import QRect

from desktop_gpt.storage import ConversationStore
from desktop_gpt.storage.db import Database
from desktop_gpt.ui.chat.conversation_list import ConversationList


def test_a_chinese_title_row_is_tall_enough_for_both_lines(qtbot, tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    store = ConversationStore(db)
    store.create(title="你好！请用一句话介绍你自己。")
    store.create(title="Write a Python function")
    view = ConversationList(store)
    qtbot.addWidget(view)
    view.refresh()
    metrics = view.list.fontMetrics()
    rows = [view.list.item(i) for i in range(view.list.count())]
    assert len(rows) == 2
    for row in rows:
        needed = metrics.boundingRect(QRect(0, 0, 10_000, 10_000), 0, row.text()).height()
        # the style sheet pads an item by 6 px above and below; the rest must hold both lines
        assert row.sizeHint().height() - 12 >= needed + 4, row.text()
    assert rows[0].sizeHint().height() == rows[1].sizeHint().height()  # even rows, whatever the script
    db.close()
