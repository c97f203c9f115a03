"""Untrusted text shown inertly: plain-text labels, tooltips and message boxes, Markdown that loads no resources and
runs no HTML, and links that open only https, after the user has read the full address.

App names, descriptions, READMEs, Hub file names, GGUF metadata and model output are data. Qt renders a label, a
tooltip or a message box as HTML when the text merely looks like HTML (``Qt.AutoText``), and a rich-text
document reads any ``<img src>`` or ``![](path)`` with ``QFile`` on the GUI thread (a FIFO hangs it, ``/dev/zero``
aborts the process, a UNC path on Windows sends the user's NTLM hash). Every widget that shows data goes through
this module::

    label = PlainLabel(app.name, parent)               # never rich text, whatever the name looks like
    button.setToolTip(tip(app.description))             # the tooltip shows the text, tags and all
    warn(parent, "Store", str(error))                    # message boxes in plain text
    view = SafeTextBrowser(parent); set_markdown(view, readme)   # images are a placeholder; links come to us
"""

from __future__ import annotations

import html

from PySide6 import QtGui
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage, QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox, QTextBrowser, QWidget

from desktop_gpt.i18n import _

PLACEHOLDER_SIZE = 16  # px: what a Markdown image shows instead of the file it names
# GitHub's Markdown without raw HTML: `<img src=…>` in model output or a README shows as the text it is.
MARKDOWN_FEATURES = (QTextDocument.MarkdownFeature.MarkdownDialectGitHub
                     | QTextDocument.MarkdownFeature.MarkdownNoHTML)
SAFE_SCHEMES = ("https",)


class PlainLabel(QLabel):
    """A QLabel that always shows its text as plain text (``setTextFormat`` cannot turn HTML back on)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        super().setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setTextFormat(self, _format) -> None:  # noqa: N802 - Qt's name; data labels stay plain
        return None


def plain(label: QLabel) -> QLabel:
    """Make an existing label (e.g. one from a layout helper) show plain text; returns it."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def tip(text: str) -> str:
    """Text for a tooltip (or a static QMessageBox) that shows ``text`` exactly. Qt renders these as HTML when the
    text looks like HTML; then it is escaped (line breaks kept), so no tag in it is ever rendered. Text that does
    not look like HTML is returned unchanged."""
    if not text or not QtGui.Qt.mightBeRichText(text):
        return text or ""
    return f'<p style="white-space:pre-wrap">{html.escape(text, quote=False)}</p>'


def message_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
                buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
                informative: str = "") -> QMessageBox:
    """A QMessageBox whose text and informative text are plain text (the static helpers use AutoText)."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if informative:
        box.setInformativeText(informative)
        label = box.findChild(QLabel, "qt_msgbox_informativelabel")
        if label is not None:
            plain(label)
    return box


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """QMessageBox.warning showing ``text`` exactly (escaped when it looks like HTML, as :func:`tip`)."""
    QMessageBox.warning(parent, title, tip(text))


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, tip(text))


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """Yes/No, the question shown exactly; True for Yes."""
    return QMessageBox.question(parent, title, tip(text)) == QMessageBox.StandardButton.Yes


def _placeholder() -> QImage:
    image = QImage(PLACEHOLDER_SIZE, PLACEHOLDER_SIZE, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    return image


class SafeDocument(QTextDocument):
    """A document that never loads a resource: every image it names is a blank placeholder, every style sheet
    empty. (Returning None here would make QTextDocument read the file itself.)

    Attributes:
        refused: the resource addresses asked for, in order (what a page tried to load).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.refused: list[str] = []

    def loadResource(self, kind: int, name: QUrl):  # noqa: N802 - Qt's name
        self.refused.append(name.toString())
        return refused_resource(kind)


def refused_resource(kind) -> object:
    """What a document gets instead of the resource it asked for: a blank image, or empty text."""
    if getattr(kind, "value", kind) == QTextDocument.ResourceType.ImageResource.value:
        return _placeholder()
    return ""


class SafeTextBrowser(QTextBrowser):
    """A read-only rich-text view over a SafeDocument: it loads nothing, follows no link itself and has no
    ``setSource``. A click on a link goes to :func:`open_link` (``open_links=False``: only ``anchorClicked``)."""

    def __init__(self, parent: QWidget | None = None, *, open_links: bool = True):
        super().__init__(parent)
        self.setDocument(SafeDocument(self))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        if open_links:
            self.anchorClicked.connect(lambda url: open_link(self, url))

    def loadResource(self, kind: int, name: QUrl):  # noqa: N802 - Qt's name
        # A plain QTextDocument shown here (a clone from a cache) asks its parent widget first: refuse there too.
        return refused_resource(kind)

    def setSource(self, *_args) -> None:  # noqa: N802 - never navigate to a file or address
        return None


def insert_markdown(cursor: QTextCursor, text: str) -> None:
    """Insert Markdown at ``cursor`` with raw HTML shown as text (the document must be a SafeDocument)."""
    cursor.insertMarkdown(text, MARKDOWN_FEATURES)


def set_markdown(view: QTextBrowser, text: str) -> None:
    """Show a whole Markdown text in a SafeTextBrowser, raw HTML as text."""
    view.document().setMarkdown(text, MARKDOWN_FEATURES)


def link_refusal(url: QUrl) -> str | None:
    """Why this link is not opened, in words; None when it may be offered (https with a host)."""
    if url.scheme().lower() not in SAFE_SCHEMES or not url.host() or not url.isValid():
        return _("Desktop GPT opens only web addresses that start with https://. This link was not opened:\n\n"
                 "{address}").format(address=_shown(url))
    return None


def _shown(url: QUrl) -> str:
    # The encoded form: a look-alike host shows as xn--…, a hidden character as %XX.
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded) or url.toString()


def open_link(parent: QWidget | None, url: QUrl) -> QMessageBox:
    """Offer to open a link from data (a README, a reply): https only, after showing the full address.

    Returns the (window-modal, already open) box: "Open" opens the address in the browser; any other scheme gets
    a box saying it was not opened.
    """
    url = QUrl(url)
    refusal = link_refusal(url)
    if refusal:
        box = message_box(parent, QMessageBox.Icon.Warning, _("Link not opened"), refusal)
    else:
        box = message_box(parent, QMessageBox.Icon.Question, _("Open link"),
                          _("Open this address in your web browser?\n\n{address}").format(address=_shown(url)),
                          QMessageBox.StandardButton.Cancel)
        opener = box.addButton(_("Open"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        opener.clicked.connect(lambda: QDesktopServices.openUrl(url))
    box.setObjectName("linkBox")
    box.open()
    return box
