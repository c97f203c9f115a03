"""Untrusted text stays inert: app names, descriptions, starters, READMEs, GGUF names and model output never make Qt
read a file (``<img src>`` in a label, ``![](path)`` in Markdown), links open only https after the address is
shown, and every data widget shows the text as it is.

The "file" each test points at is a 10×900 PNG in the test's own folder: when Qt reads it, the widget grows 900 px
tall, so a read is seen without touching /dev/zero (which aborts the process) or a FIFO (which hangs it).
"""

from __future__ import annotations

import json

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices, QImage, QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox, QTreeWidget, QWidget

from desktop_gpt.engine.protocol import ModelInfo
from desktop_gpt.store.app_format import FORMAT
from desktop_gpt.ui.widgets.markdown_view import MarkdownView
from desktop_gpt.ui.widgets.safe_text import PlainLabel, message_box, open_link, tip

TALL = 900
IMG = '<img src="t.png">'  # relative: Qt resolves it against the working folder, the test's tmp_path


@pytest.fixture
def tall_image(tmp_path, monkeypatch):
    image = QImage(10, TALL, QImage.Format.Format_ARGB32)
    image.fill(QColor(255, 0, 0))
    assert image.save(str(tmp_path / "t.png"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "t.png"


def _doc_height(document: QTextDocument) -> float:
    document.setTextWidth(400)  # lays the document out: this is when Qt fetches the images it names
    return document.size().height()


def test_markdown_view_never_reads_an_image_and_shows_raw_html_as_text(qtbot, tall_image):
    view = MarkdownView()
    qtbot.addWidget(view)
    view.set_markdown(f"A reply ![cat](t.png) and ![abs]({tall_image.as_uri()}).\n\nRaw: {IMG} <b>bold</b>\n")
    document = view.browser.document()
    assert _doc_height(document) < TALL / 3, "the Markdown view loaded an image file"
    assert IMG in document.toPlainText() and "<b>bold</b>" in document.toPlainText()
    assert "t.png" in document.refused[0]  # asked, and given the placeholder instead of the file


def test_streamed_markdown_is_just_as_inert(qtbot, tall_image):
    view = MarkdownView()
    qtbot.addWidget(view)
    for piece in ("Look: ![x](t", ".png)\n", f"\n{IMG}\n", "\n"):
        view.append(piece)
    view.finish()
    assert _doc_height(view.browser.document()) < TALL / 3
    assert IMG in view.browser.document().toPlainText()


def test_a_rendered_copy_from_the_cache_is_just_as_inert(qtbot, tall_image):
    """The chat's render cache shows a clone (a plain QTextDocument): the view it is shown in refuses for it."""
    from desktop_gpt.ui.widgets.render_cache import RenderCache

    first = MarkdownView()
    qtbot.addWidget(first)
    first.set_markdown("Cached ![x](t.png)\n")
    cache = RenderCache()
    cache.put("k", first.browser.document(), first.code_blocks)
    second = MarkdownView()
    qtbot.addWidget(second)
    document, blocks = cache.get("k", second)
    second.show_rendered(document, blocks, "Cached ![x](t.png)\n")
    assert _doc_height(second.browser.document()) < TALL / 3


def test_tip_shows_exactly_the_text():
    for text in (IMG + "\nsecond line & <b>x</b>", "&lt;img&gt; literally", "plain words"):
        shown = tip(text)
        if QtGui.Qt.mightBeRichText(shown):
            document = QTextDocument()
            document.setHtml(shown)
            assert document.toPlainText() == text
        else:
            assert shown == text


def test_plain_label_and_message_box_never_render_html(qtbot, tall_image):
    label = PlainLabel(IMG)
    qtbot.addWidget(label)
    label.setTextFormat(Qt.TextFormat.RichText)  # refused: a data label stays plain
    assert label.sizeHint().height() < TALL / 3 and label.text() == IMG
    box = message_box(None, QMessageBox.Icon.Warning, "t", IMG, informative=IMG)
    qtbot.addWidget(box)
    labels = [w for w in box.findChildren(QLabel) if w.text() == IMG]
    assert len(labels) == 2 and all(w.textFormat() == Qt.TextFormat.PlainText for w in labels)


class _Browser(QObject):
    """Stands in for the web browser through Qt's own hook (QDesktopServices.setUrlHandler): what would open."""

    def __init__(self):
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser():
    handler = _Browser()
    for scheme in ("https", "http", "file", "smb", "ms-msdt", "search-ms"):
        QDesktopServices.setUrlHandler(scheme, handler, "open")
    yield handler
    for scheme in ("https", "http", "file", "smb", "ms-msdt", "search-ms"):
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "smb://host/share", "ms-msdt:/id PCWDiagnostic",
                                 "search-ms:query=x", "http://example.com/", "javascript:alert(1)", "https:nohost"])
def test_links_other_than_https_are_never_opened(qtbot, browser, url):
    box = open_link(None, QUrl(url))
    qtbot.addWidget(box)
    assert box.isVisible() and "only web addresses that start with https://" in box.text()
    for button in box.buttons():
        button.click()
    assert browser.opened == []


def test_an_https_link_opens_only_after_the_full_address_is_shown(qtbot, browser):
    url = "https://exämple.com/a path?q=1"
    box = open_link(None, QUrl(url))
    qtbot.addWidget(box)
    assert "https://xn--exmple-cua.com/a%20path?q=1" in box.text()  # the real host, not a look-alike
    assert browser.opened == []  # nothing opens before the user says so
    opener = next(b for b in box.buttons() if b.text() == "Open")
    opener.click()
    assert browser.opened == ["https://exämple.com/a path?q=1"]


def test_a_readme_link_goes_through_the_same_gate(qtbot, browser):
    view = MarkdownView()
    qtbot.addWidget(view)
    view.set_markdown("[click](file:///etc/passwd)")
    with qtbot.waitSignal(view.link_activated):
        view.browser.anchorClicked.emit(QUrl("file:///etc/passwd"))
    boxes = [w for w in view.findChildren(QMessageBox) if w.objectName() == "linkBox"]
    assert boxes and "not opened" in boxes[0].text().lower()
    assert browser.opened == []


# -- the whole window, fed hostile data everywhere -------------------------------------------------------------

def _rendered_rich(widget: QWidget, text: str) -> bool:
    """Whether Qt would render ``text`` in ``widget`` (a label) as HTML."""
    fmt = widget.textFormat()
    return fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text))


def _tooltip_shows(tooltip: str) -> str:
    if not QtGui.Qt.mightBeRichText(tooltip):
        return tooltip
    document = QTextDocument()
    document.setHtml(tooltip)
    return document.toPlainText()


def _hostile_app(folder):
    evil = f"{IMG}Evil"
    app = {"format": FORMAT, "name": evil, "description": f"{IMG} describes <b>itself</b>", "tool": "chat",
           "instructions": "Be nice.", "category": "fun", "starters": [f"{IMG} start"]}
    folder.mkdir()
    (folder / "app.json").write_text(json.dumps(app), encoding="utf-8")
    (folder / "README.md").write_text(f"# Evil\n\n![x](t.png)\n\n{IMG}\n\n[link](file:///etc/passwd)\n",
                                      encoding="utf-8")
    return folder


def test_hostile_names_reach_no_rich_text_widget(make_window, qtbot, tall_image, tmp_path):
    window = make_window(load=False)
    library = window.apps.library
    app = library.install_folder(_hostile_app(tmp_path / "evil"))
    window.apps.refresh()
    window.launcher.launch(app)  # chat: header badge, starters, empty view with the app's name
    window.store.page.show_app(app)  # the app page: name, description, starters, README
    window.store.my_apps.refresh()
    window.status.show_model(ModelInfo(path=str(tmp_path / "m.gguf"), name=f"{IMG}model", architecture="llama",
                                       parameters=1, quantization=None, file_size=1, context_train=None,
                                       context_size=512, has_chat_template=True, title=f"{IMG}title"))

    checked = 0
    for label in window.findChildren(QLabel):
        if "t.png" in label.text():
            checked += 1
            assert not _rendered_rich(label, label.text()), f"{label.objectName() or label} renders data as HTML"
    for widget in window.findChildren(QWidget):
        if "t.png" in widget.toolTip():
            checked += 1
            assert IMG in _tooltip_shows(widget.toolTip()), f"the tooltip of {widget} renders data as HTML"
    lists = [w for w in window.findChildren(QWidget) if hasattr(w, "item") and hasattr(w, "count")
             and not isinstance(w, QTreeWidget)]
    for view in lists:
        for row in range(view.count()):
            tooltip = view.item(row).toolTip() if view.item(row) is not None else ""
            if "t.png" in tooltip:
                checked += 1
                assert IMG in _tooltip_shows(tooltip)
    assert checked >= 6  # the name in the chat header, starters, app page, My apps, status bar…
    readme = window.store.page.readme.document()
    assert _doc_height(readme) < TALL / 3 and IMG in readme.toPlainText()
