"""Where to send someone back to, when the request names the place (``next``, the language
switch): only a path on this site, never another site."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import redirect
from werkzeug.wrappers import Response


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Refused: anything not starting with one ``/`` (``//host`` and ``/\\host`` are other sites to
    a browser), backslashes, control, format and line-separator characters (browsers drop tabs
    and newlines from a URL, so ``/\\t/host`` becomes ``//host``; a newline in a header is a
    server error), and anything that parses with a scheme or a host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def redirect_back(target: str | None, fallback: str) -> Response:
    """A 303 to ``target`` if it is a path on this site, else to ``fallback``."""
    return redirect(local_path(target) or fallback, code=303)
