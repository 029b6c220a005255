"""QR codes: one inline SVG element, with an accessible name, never carrying typed markup."""

from __future__ import annotations

from xml.etree import ElementTree

from deliberation.qr import qr_svg


def test_qr_code_is_one_svg_with_a_title() -> None:
    svg = qr_svg("https://palabre.example/join/abc", title="Join <b>Kehl</b>")
    root = ElementTree.fromstring(svg)
    assert root.tag == "svg"
    assert root.get("role") == "img"
    assert root.findtext("title") == "Join <b>Kehl</b>"
    assert "<b>" not in svg
    assert "palabre.example" not in svg


def test_different_links_give_different_codes() -> None:
    first = qr_svg("https://palabre.example/join/abc")
    second = qr_svg("https://palabre.example/join/abd")
    assert first != second
    assert ElementTree.fromstring(first).find("path") is not None
