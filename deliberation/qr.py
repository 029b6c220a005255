"""QR codes as inline SVG, for links people print on posters and invitations (segno)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, *, title: str = "", scale: int = 4) -> Markup:
    """The QR code of ``url`` as one ``<svg>`` element, safe to place in a page.

    segno writes only the module paths and the title, which it escapes, never the encoded text
    itself, so the result carries nothing a visitor could have typed as markup.
    """
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=scale, title=title or None, svgclass="qr")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
