"""A reply shown token by token, each shaded by how likely the model found it; hover or click shows the
alternatives it had, and one can be picked to continue from there ("Continue with this word instead")."""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QMouseEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QAbstractButton, QFrame, QMenu, QTextEdit, QToolTip, QWidget

from desktop_gpt.engine.protocol import character_part
from desktop_gpt.i18n import _
from desktop_gpt.ui import theme


def percent(p: float) -> str:
    if p >= 0.995:
        return "100%"
    if p < 0.001:
        return "<0.1%"
    return f"{p * 100:.1f}%" if p < 0.1 else f"{p * 100:.0f}%"


class TokenView(QTextEdit):
    """Read-only text of a reply made of probability records (engine/logprobs.py), one shaded span per record.

    The text is inserted as plain text (nothing in it is interpreted); the shading comes from the theme.

    Signals:
        continue_requested(int, int): continue the reply from record ``position`` with token id ``token``.
    """

    continue_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, can_continue: bool = True):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)  # it sits in the reply's bubble like the Markdown it replaces
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setObjectName("tokenView")
        self.records: list[dict] = []
        self.kind = "sampled"
        self.can_continue = can_continue

    def set_records(self, records: list[dict], kind: str = "sampled") -> None:
        self.records, self.kind = list(records), kind or "sampled"
        self.clear()
        cursor = QTextCursor(self.document())
        for i, record in enumerate(self.records):
            fmt = QTextCharFormat()
            fmt.setBackground(theme.probability_colour(record["p"]))
            fmt.setAnchor(True)
            fmt.setAnchorHref(str(i))
            cursor.insertText(record["text"], fmt)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def position_at(self, point: QPoint) -> int | None:
        href = self.anchorAt(point)
        return int(href) if href.isdigit() and int(href) < len(self.records) else None

    def explanation(self, position: int) -> str:
        """The tooltip for one token: its probability and the alternatives, as escaped rich text."""
        record = self.records[position]
        which = _("as sampled (after temperature, top-k and top-p)") if self.kind == "sampled" else \
            _("the model's own (greedy)")
        rows = "".join(
            f"<tr><td>{html.escape(repr_text(text))}</td><td align='right'>{percent(p)}</td>"
            f"<td align='right'>{percent(raw)}</td></tr>"
            for _token, text, p, raw in record["top"]
        )
        heads = "".join(f"<th>{html.escape(h)}</th>" for h in (_("Alternative"), _("Chance"), _("Raw")))
        return (f"<p><b>{html.escape(repr_text(record['text']))}</b> {percent(record['p'])} "
                f"({html.escape(which)})</p><table><tr>{heads}</tr>{rows}</table>")

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        position = self.position_at(event.position().toPoint())
        if position is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), self.explanation(position), self)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        position = self.position_at(event.position().toPoint())
        left = event.button() == Qt.MouseButton.LeftButton
        if position is not None and left and not self.textCursor().hasSelection():
            self.alternatives_menu(position).popup(event.globalPosition().toPoint())
        super().mouseReleaseEvent(event)

    def alternatives_menu(self, position: int) -> QMenu:
        """The alternatives of one token; picking one continues the reply with it (when allowed)."""
        menu = QMenu(self)
        record = self.records[position]
        chosen = record["ids"][0] if record["ids"] else None
        header = menu.addAction(_("“{word}” was written: {chance}").format(word=repr_text(record["text"]),
                                                                          chance=percent(record["p"])))
        header.setEnabled(False)
        menu.addSeparator()
        for token, text, p, _raw in record["top"]:
            label = _("Continue with “{word}” instead ({chance})").format(word=repr_text(text), chance=percent(p))
            action = menu.addAction(label)
            action.setData(token)
            action.setEnabled(self.can_continue and token != chosen)
            action.triggered.connect(lambda _checked=False, t=token: self.continue_requested.emit(position, t))
        return menu


def follow_engine(button: QAbstractButton, loaded: SignalInstance) -> None:
    """A "Show probabilities" button works only with the model on this computer: a server engine does not send
    them (nor can it continue from a chosen token), so there the button is off with the reason in its tooltip.
    ``loaded`` is the engine controller's ``loaded(ModelInfo)``."""
    local_tip = button.toolTip()

    def update(info) -> None:
        remote = bool(getattr(info, "server", ""))
        button.setEnabled(not remote)
        button.setToolTip(_("Token probabilities need the model on this computer; a server engine does not send "
                            "them.") if remote else local_tip)

    loaded.connect(update)


def wanted(button: QAbstractButton) -> bool:
    """Whether new replies should carry their token probabilities."""
    return button.isChecked() and button.isEnabled()


def repr_text(text: str) -> str:
    """A token's text made visible: spaces and line breaks shown as symbols; a token that is only part of a
    character (one of the byte tokens of a Chinese character) says so instead of showing its bytes as text."""
    part = character_part(text)
    if part is not None:
        return _("part of a character ({bytes})").format(bytes=part.hex(" ").upper())
    return text.replace("\n", "⏎").replace(" ", "␣") if text.strip() != text or not text else text
