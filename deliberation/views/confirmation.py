"""A second step before an action that cannot be undone, working without JavaScript.

The view runs the use case first (every check, authorisation included, answers as usual), then
asks ``confirmation``: once the form carries ``confirmed=yes`` the view commits; otherwise the
work is rolled back and a page repeats the form's fields with that confirmation, beside a way
back. Nothing is kept between the two requests, and nothing uses ``window.confirm``.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from deliberation.db import get_session
from deliberation.templating import render

FIELD = "confirmed"
"""The form field that confirms (the phase change's own richer question page sends it too)."""


def confirmation(
    question: str, *, consequence: str, action: str, back: str, status: int = 200
) -> Response | None:
    """None when the person has confirmed; else roll back and answer the confirmation page.

    ``question`` is its heading, ``consequence`` says what will happen, ``action`` labels the
    button that confirms and ``back`` is the address of the page to return to.
    """
    if request.form.get(FIELD) == "yes":
        return None
    get_session().rollback()
    fields = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in {"csrf_token", FIELD}
    ]
    return render(
        "confirm.html",
        question=question,
        consequence=consequence,
        action=action,
        back=back,
        fields=fields,
        target=request.path,
        status=status,
    )
