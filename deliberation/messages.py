"""Messages shown to people that quote what someone typed: translated late, escaped in HTML.

flask_babel's ``lazy_gettext`` returns a ``LazyString`` whose ``__html__`` hands Jinja the
formatted text as it is: a message such as "this statement already exists: %(text)s" would
put a participant's markup (and htmx ``hx-*`` attributes) into the page unescaped. Every
message that takes arguments is therefore built with ``lazy_message``; a test checks that no
module passes arguments to flask_babel's lazy functions.
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, gettext
from markupsafe import Markup, escape


class LazyMessage(LazyString):
    """A message translated when shown, with named arguments (``%(name)s``, ``%(n)d``).

    ``str()`` is plain text (JSON answers, logs, the terminal); ``__html__``, which Jinja and
    WTForms call, is markup in which the translation and every argument are escaped, so text
    a person typed is shown as text, never read as HTML.
    """

    def __init__(self, msgid: str, **variables: Any) -> None:
        super().__init__(gettext, msgid, **variables)
        self._msgid = msgid
        self._variables = variables

    def __html__(self) -> Markup:
        template = escape(gettext(self._msgid))
        return template % self._variables if self._variables else template


def lazy_message(msgid: str, **variables: Any) -> LazyMessage:
    """``lazy_gettext`` whose arguments are escaped in HTML: use it for every message with
    arguments (``make extract-messages`` knows the name)."""
    return LazyMessage(msgid, **variables)
