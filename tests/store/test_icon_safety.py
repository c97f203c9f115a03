"""App icons are drawn only as checked: an SVG from an allow-list that points nowhere outside itself, a PNG small
enough to decode. The checks run at install (check_icon) and again when the GUI draws (ui/store/icons.py)."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from desktop_gpt.errors import AppFormatError
from desktop_gpt.store.app_icon import check_icon

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def png(width: int, height: int, rgba: tuple[int, int, int, int] = (0, 0, 0, 0)) -> bytes:
    """A real PNG, made without decoding anything: rows of one colour compress to almost nothing."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgba) * width
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def svg(inner: str, attrs: str = 'viewBox="0 0 64 64"') -> bytes:
    return f"<svg {NS} {attrs}>{inner}</svg>".encode()


@pytest.mark.parametrize("inner, why", [
    ('<image href="file:///etc/passwd" width="64" height="64"/>', "outside itself"),
    ('<image xlink:href="/home/user/secret.png" width="64" height="64"/>', "outside itself"),
    ('<image xlink:href="//host/share/x.png"/>', "outside itself"),
    ('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>', "outside itself"),
    ('<use xlink:href="http://example.com/a.svg#x"/>', "outside itself"),
    ('<rect width="9" height="9" fill="url(http://example.com/x)"/>', "outside itself"),
    ('<rect width="9" height="9" style="fill:url(file:///x)"/>', "outside itself"),
    ('<rect width="9" height="9" style="fill:u\\72l(file:///x)"/>', "outside itself"),
    (f'<image href="data:image/png;base64,{base64.b64encode(png(4000, 4000)).decode()}"/>', "4000×4000 pixels"),
    ("<g id='a'><rect width='1' height='1'/></g><g id='b'><use xlink:href='#a'/></g><use xlink:href='#b'/>",
     "copies a part that itself copies"),
    ("<g>" * 40 + "</g>" * 40, "too deeply"),
    ("<rect/>" * 2001, "elements"),  # MAX_SVG_ELEMENTS is 2000
])
def test_svg_icons_that_reach_outside_or_explode_are_refused(inner, why):
    with pytest.raises(AppFormatError, match=why):
        check_icon("icon.svg", svg(inner))


def test_a_real_world_svg_keeps_its_drawing_and_loses_the_rest():
    from desktop_gpt.store.app_icon import sanitize_svg

    data = svg('<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'
               '<style>rect { fill: url(http://x) }</style><foreignObject><p>hi</p></foreignObject>'
               '<a xlink:href="https://example.com"><rect width="1" height="1"/></a>'
               '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
               '<rect id="r" width="64" height="64" rx="12" fill="url(#g)" onclick="x()"/><use xlink:href="#r"/>'
               f'<image width="8" height="8" xlink:href="data:image/png;base64,'
               f'{base64.b64encode(png(8, 8)).decode()}"/>')
    clean = sanitize_svg(data).decode()
    assert check_icon("icon.svg", data) == "svg"
    for gone in ("metadata", "style", "foreignObject", "<a ", "onclick", "http://x", "example.com"):
        assert gone not in clean
    for kept in ('fill="url(#g)"', "linearGradient", 'xlink:href="#r"', "data:image/png;base64,"):
        assert kept in clean


def test_png_icons_are_refused_past_the_pixel_limit():
    assert check_icon("icon.png", png(1024, 16)) == "png"  # MAX_ICON_PIXELS
    with pytest.raises(AppFormatError, match="8000×8000 pixels"):
        check_icon("icon.png", png(8000, 8000))


# -- drawing (Qt) -----------------------------------------------------------------------------------------------

@pytest.fixture
def red_file(tmp_path):
    path = tmp_path / "red.png"
    path.write_bytes(png(64, 64, (255, 0, 0, 255)))
    return path


def _centre(pixmap):
    return pixmap.toImage().pixelColor(pixmap.width() // 2, pixmap.height() // 2)


def test_an_svg_icon_never_draws_a_file_it_names(qapp, red_file):
    from desktop_gpt.ui.store.icons import app_pixmap

    icon = svg(f'<image x="0" y="0" width="64" height="64" xlink:href="{red_file.as_uri()}"/>')
    colour = _centre(app_pixmap("Evil", icon, 48))
    assert (colour.red(), colour.green(), colour.blue()) != (255, 0, 0), "the icon drew a local file"


def test_a_png_icon_too_large_to_decode_is_not_decoded(qapp):
    from desktop_gpt.ui.store.icons import app_pixmap

    colour = _centre(app_pixmap("Huge", png(2000, 2000), 48))  # 16 MB decoded: over the limit, so a letter tile
    assert colour.alpha() == 255  # the tile; the (transparent) PNG itself would have left it clear
