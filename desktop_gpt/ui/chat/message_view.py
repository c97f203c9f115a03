"""The scrolling column of messages of one conversation, with widgets only for the messages on or near the screen."""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractSlider, QApplication, QFrame, QScrollArea, QVBoxLayout, QWidget

from desktop_gpt.i18n import _
from desktop_gpt.storage import Message
from desktop_gpt.ui.chat.message_widget import MessageWidget
from desktop_gpt.ui.widgets.markdown_view import MarkdownView
from desktop_gpt.ui.widgets.render_cache import RenderCache
from desktop_gpt.ui.widgets.tab_order import tab_in_order
from desktop_gpt.ui.widgets.safe_text import PlainLabel

FIRST_SCREEN = 6  # messages built at once when a chat opens (the rest come as the view asks for them)
LOAD_PAGES = 1.5  # build messages until this many screens above and below what is shown are covered
DROP_PAGES = 4.0  # drop the widgets of messages further than this many screens away
KEEP_AT_LEAST = 8  # never drop below this many widgets
TICK_BUDGET_S = 0.012  # time spent building widgets per turn of the event loop (Qt lays them out after)
FOLLOW_SLACK = 24  # px from the bottom that still counts as "at the bottom"

BodyFactory = Callable[[Message, QWidget], MarkdownView]


class MessageView(QScrollArea):
    """Shows the branch of a conversation; follows the bottom while a reply streams unless the user scrolled up.

    The whole branch is kept as data (``messages()``); a MessageWidget exists only for a window of consecutive
    messages around what is on screen. Scrolling towards either end of the window builds the next messages a few
    at a time (older ones above keep what is on screen still); widgets far off screen are dropped, their rendered
    documents kept in a cache so coming back costs no new render.

    Attributes:
        cache: the RenderCache of rendered messages (cleared when the way messages look changes).
        body_factory: None, or ``factory(message, parent)`` making the view of a message's text (a MarkdownView
            subclass, e.g. one shading tokens); set it with ``set_body_factory``.

    Signals:
        edit_submitted(int, str), regenerate_requested(int), branch_requested(int), copied(str):
            forwarded from the message widgets.
        built_range_changed(int, int): the messages with widgets are now those at positions [first, end) of the branch.
    """

    edit_submitted = Signal(int, str)
    regenerate_requested = Signal(int)
    branch_requested = Signal(int)
    copied = Signal(str)
    built_range_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # PageUp/PageDown, Home/End read the chat
        self._inner = QWidget(self)
        self._inner.setObjectName("messageColumn")
        self._column = QVBoxLayout(self._inner)
        self._column.setContentsMargins(12, 12, 12, 12)
        self._column.setSpacing(10)
        self._column.addStretch(1)
        self.setWidget(self._inner)
        self.empty_label = PlainLabel("", self._inner)
        self.empty_label.setObjectName("emptyChat")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self._column.insertWidget(0, self.empty_label)
        self.assistant_name = _("Assistant")
        self.cache = RenderCache()
        self.body_factory: BodyFactory | None = None  # another way to render a message (e.g. token shading)

        self._messages: list[Message] = []
        self._pos: dict[int, int] = {}  # message id -> position in the branch
        self._versions: dict[int, list[int]] = {}
        self._first = 0  # widgets exist for the messages at [_first, _end)
        self._end = 0
        self._widgets: dict[int, MessageWidget] = {}
        self._follow = True
        self._anchor: tuple[MessageWidget, int] | None = None  # keeps what is on screen still as widgets come/go
        self._mutating = False
        self._highlight: tuple[int, str] | None = None
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)
        bar.actionTriggered.connect(self._user_scrolled)

    # -- what is shown ----------------------------------------------------------------------------------------
    def messages(self) -> list[Message]:
        """The whole branch shown, root first (widgets or not)."""
        return list(self._messages)

    def widgets(self) -> list[MessageWidget]:
        """The message widgets that exist now, top to bottom."""
        return [self._widgets[m.id] for m in self._messages[self._first : self._end]]

    def widget_for(self, message_id: int) -> MessageWidget | None:
        return self._widgets.get(message_id)

    def built_range(self) -> tuple[int, int]:
        """Positions [first, end) of the branch's messages that have widgets now."""
        return self._first, self._end

    @property
    def busy(self) -> bool:
        """Widgets for what the user is about to see are still being built (a few per turn of the event loop)."""
        return self._fill_timer.isActive()

    def set_empty_text(self, text: str) -> None:
        self.empty_label.setText(text)

    def set_body_factory(self, factory: BodyFactory | None) -> None:
        """Render messages with ``factory(message, parent)`` (a MarkdownView subclass); rebuilds the widgets."""
        self.body_factory = factory
        self.cache.clear()
        if self._messages:
            self._rebuild_around(self._first, align_top=False)

    def clear(self) -> None:
        self._drop_all()
        self._messages, self._pos, self._versions = [], {}, {}
        self._first = self._end = 0
        self._highlight = None
        self.empty_label.show()

    def show_messages(self, messages: list[Message], versions: dict[int, list[int]],
                      live_text: dict[int, str] | None = None) -> None:
        """Replace the view with ``messages`` (a branch, root first); ``versions`` maps a message to its siblings.

        Only the newest screenful gets widgets now; older ones are built as the user scrolls up.
        """
        self.setUpdatesEnabled(False)
        try:
            self.clear()
            self._messages = list(messages)
            for m in self._messages:
                if live_text and m.id in live_text:
                    m.content = live_text[m.id]
            self._pos = {m.id: i for i, m in enumerate(self._messages)}
            self._versions = dict(versions)
            self._first = self._end = len(self._messages)
            self._follow = True
            self._anchor = None
            for _step in range(min(FIRST_SCREEN, len(self._messages))):
                self._build_before()
            self.empty_label.setVisible(not self._messages)
            tab_in_order(self.widgets())
        finally:
            self.setUpdatesEnabled(True)
        self._changed()
        self.scroll_to_bottom()

    def add_message(self, message: Message, versions: list[int] | None = None) -> MessageWidget:
        """Append a message at the bottom (the user's new message, a reply starting) and give it a widget."""
        if self._end != len(self._messages):
            self._rebuild_around(len(self._messages) - 1, align_top=False)
            self._follow = True
        self._messages.append(message)
        self._pos[message.id] = len(self._messages) - 1
        if versions:
            self._versions[message.id] = versions
        widget = self._build_after()
        self.empty_label.hide()
        self._changed()
        return widget

    def remove_after(self, message_id: int) -> None:
        """Drop the messages after ``message_id`` (a new version replaces what followed it)."""
        pos = self._pos.get(message_id)
        if pos is None:
            return
        while self._end > max(self._first, pos + 1):
            self._drop(self._messages[self._end - 1])
            self._end -= 1
        for m in self._messages[pos + 1 :]:
            self._pos.pop(m.id, None)
        del self._messages[pos + 1 :]
        if self._first > pos:
            self._first = self._end = len(self._messages)
            self._rebuild_around(pos, align_top=False)
        self._changed()

    def append_text(self, message_id: int, text: str) -> None:
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.append(text)
        elif message_id in self._pos:  # streaming while scrolled far away: the widget is built from this later
            self._messages[self._pos[message_id]].content += text

    def finish_message(self, message: Message) -> bool:
        """A reply ended (``message`` as stored); False when it is not part of the branch shown."""
        pos = self._pos.get(message.id)
        if pos is None:
            return False
        widget = self._widgets.get(message.id)
        if widget is not None:
            widget.finish(message.status, message.finish_reason, message.error)
        else:
            self._messages[pos] = message
        return True

    # -- moving around ----------------------------------------------------------------------------------------
    def scroll_to_bottom(self) -> None:
        if self._end != len(self._messages):
            self._rebuild_around(len(self._messages) - 1, align_top=False)
        self._follow = True
        self._anchor = None
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
        self._schedule_fill()

    def scroll_to_top(self) -> None:
        if not self._messages:
            return
        if self._first != 0:
            self._rebuild_around(0, align_top=True)
        self._follow = False
        self.verticalScrollBar().setValue(0)
        self._anchor = self._anchor_at(0)
        self._schedule_fill()

    def scroll_to_message(self, message_id: int, highlight: str | None = None) -> bool:
        """Bring a message of the shown branch on screen (its first match of ``highlight`` marked and in view).
        False if the message is not in this branch."""
        pos = self._pos.get(message_id)
        if pos is None:
            return False
        self._highlight = (message_id, highlight) if highlight else None
        if not self._first <= pos < self._end:
            self._rebuild_around(pos, align_top=True)
        widget = self._widgets[message_id]
        y = widget.y()
        if highlight:
            at = widget.highlight(highlight)
            if at is not None:
                y = widget.mapTo(self._inner, at).y() - self.viewport().height() // 3
        self._follow = False
        self._settle()
        self.verticalScrollBar().setValue(max(0, y))
        self._anchor = self._anchor_at(self.verticalScrollBar().value())
        self._follow = self._end == len(self._messages) and self._at_bottom()
        self._schedule_fill()
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Home:
            self.scroll_to_top()
        elif event.key() == Qt.Key.Key_End:
            self.scroll_to_bottom()
        else:
            super().keyPressEvent(event)

    # -- the window of widgets --------------------------------------------------------------------------------
    def _make(self, message: Message) -> MessageWidget:
        body = self.body_factory(message, None) if self.body_factory is not None else None
        widget = MessageWidget(message, self._versions.get(message.id), self.assistant_name, self._inner,
                               body=body, cache=self.cache)
        widget.edit_submitted.connect(self.edit_submitted)
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.branch_requested.connect(self.branch_requested)
        widget.copied.connect(self.copied)
        if self._highlight and self._highlight[0] == message.id:
            widget.highlight(self._highlight[1])
        self._widgets[message.id] = widget
        return widget

    def _build_before(self) -> MessageWidget:
        widget = self._make(self._messages[self._first - 1])
        self._first -= 1  # only now: the window never names a message without a widget
        self._column.insertWidget(1, widget)
        widget.show()
        return widget

    def _build_after(self) -> MessageWidget:
        widget = self._make(self._messages[self._end])
        self._end += 1
        self._column.insertWidget(self._column.count() - 1, widget)
        widget.show()
        return widget

    def _drop(self, message: Message) -> None:
        widget = self._widgets.pop(message.id)
        if widget.streaming:  # its text lives in the widget while it streams
            message.content = widget.text()
        self._column.removeWidget(widget)
        widget.hide()
        widget.deleteLater()

    def _drop_all(self) -> None:
        for m in self._messages[self._first : self._end]:
            self._drop(m)
        self._first = self._end = len(self._messages)

    def _rebuild_around(self, pos: int, align_top: bool) -> None:
        """Replace the widgets with a few around ``pos`` (a jump: search, Home/End, a reply far below)."""
        self.setUpdatesEnabled(False)
        try:
            self._drop_all()
            self._first = self._end = pos
            self._build_after()
            for _step in range(FIRST_SCREEN // 2):
                if self._end < len(self._messages):
                    self._build_after()
                if self._first > 0:
                    self._build_before()
        finally:
            self.setUpdatesEnabled(True)
        self._anchor = None
        self._settle()
        tab_in_order(self.widgets())
        if align_top:
            self._follow = False
            self.verticalScrollBar().setValue(self._widgets[self._messages[pos].id].y())
        self._changed()

    def _protected(self, message: Message) -> bool:
        """A widget the user is in (typing an edit, or keyboard focus on it) stays, however far they scroll."""
        widget = self._widgets[message.id]
        focus = QApplication.focusWidget()
        return widget.editing or (focus is not None and widget.isAncestorOf(focus))

    # -- filling as the user scrolls --------------------------------------------------------------------------
    def _schedule_fill(self) -> None:
        if self._messages and not self._fill_timer.isActive():
            self._fill_timer.start()

    def _fill(self) -> None:
        """Build the messages the user is about to see, a few per turn, and drop those far away."""
        if not self._messages or not self._widgets:
            return
        bar = self.verticalScrollBar()
        page = max(self.viewport().height(), 200)
        top, bottom = bar.value() - LOAD_PAGES * page, bar.value() + page + LOAD_PAGES * page
        started = time.perf_counter()
        built = 0
        edge = self._edge_top()
        while self._first > 0 and edge > top and (not built or time.perf_counter() - started < TICK_BUDGET_S):
            if not built:
                self._capture_anchor()
            edge -= self._build_before().sizeHint().height() + self._column.spacing()  # until laid out: a guess
            built += 1
        if not built:
            edge = self._edge_bottom()
            while (self._end < len(self._messages) and edge < bottom
                   and (not built or time.perf_counter() - started < TICK_BUDGET_S)):
                edge += self._build_after().sizeHint().height() + self._column.spacing()
                built += 1
        if built:
            self._settle()
            tab_in_order(self.widgets())
        self._drop_far(bar.value(), page)
        if built:
            self._changed()
            self._schedule_fill()

    def _drop_far(self, value: int, page: int) -> None:
        dropped = False
        self._capture_anchor()
        while (self._end - self._first > KEEP_AT_LEAST and not self._protected(self._messages[self._first])
               and self._widgets[self._messages[self._first].id].geometry().bottom() < value - DROP_PAGES * page):
            self._drop(self._messages[self._first])
            self._first += 1
            dropped = True
        while (self._end - self._first > KEEP_AT_LEAST and not self._protected(self._messages[self._end - 1])
               and self._widgets[self._messages[self._end - 1].id].y() > value + page + DROP_PAGES * page):
            self._end -= 1
            self._drop(self._messages[self._end])
            dropped = True
        if dropped:
            self._settle()
            self._changed()

    def _edge_top(self) -> int:
        return self._widgets[self._messages[self._first].id].y()

    def _edge_bottom(self) -> int:
        return self._widgets[self._messages[self._end - 1].id].geometry().bottom()

    def _settle(self) -> None:
        """Lay the column out now (not on the next turn), so positions, the scroll range and the anchor agree."""
        self._mutating = True
        try:
            self._column.activate()
            QCoreApplication.sendEvent(self, QEvent(QEvent.Type.LayoutRequest))
        finally:
            self._mutating = False

    def _changed(self) -> None:
        self.built_range_changed.emit(self._first, self._end)

    # -- staying still ----------------------------------------------------------------------------------------
    def _anchor_at(self, value: int) -> tuple[MessageWidget, int] | None:
        """The first message whose top is on screen (a message above it may still change height without moving
        it), else the one covering the whole screen."""
        covering = None
        for m in self._messages[self._first : self._end]:
            widget = self._widgets[m.id]
            if widget.y() >= value:
                return (widget, widget.y() - value) if widget.y() < value + self.viewport().height() or \
                    covering is None else (covering, covering.y() - value)
            if widget.geometry().bottom() >= value:
                covering = widget
        return (covering, covering.y() - value) if covering is not None else None

    def _capture_anchor(self) -> None:
        if not self._follow:
            self._anchor = self._anchor_at(self.verticalScrollBar().value())

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - FOLLOW_SLACK

    def _user_scrolled(self, action: int) -> None:
        if action != QAbstractSlider.SliderAction.SliderNoAction.value:
            self._anchor = None  # taken again from where the user stops, before the next change

    def _scrolled(self, value: int) -> None:
        if self._mutating:
            return
        self._follow = self._end == len(self._messages) and self._at_bottom()
        if self._anchor is None and not self._follow:
            self._anchor = self._anchor_at(value)
        self._schedule_fill()

    def _range_changed(self, _lo: int, hi: int) -> None:
        bar = self.verticalScrollBar()
        if self._follow:
            bar.setValue(hi)
        elif self._anchor is not None and self._anchor[0] in self._widgets.values():
            widget, offset = self._anchor
            bar.setValue(widget.y() - offset)
        self._schedule_fill()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._schedule_fill()

