"""An audit entry's details read in words: named keys, roles and phases by name, times in the
log's zone, changes as before → after; never a raw key."""

from __future__ import annotations

import flask_babel
from flask import Flask

from deliberation.audit_details import detail_lines


def test_details_are_named_in_the_readers_words(app: Flask) -> None:
    details = {
        "email": "clerk@example.org",
        "role": ["facilitator", "council"],
        "expires_at": "2026-12-04T11:56:07.123456+00:00",
        "changes": {"phase": ["open", "drafting"], "privacy_k": [5, 7]},
        "merged": [10, 11],
        "reason": None,
    }
    with app.test_request_context(headers={"Accept-Language": "en-GB"}):
        flask_babel.refresh()
        lines = detail_lines(details, "Europe/Paris")
    assert lines == [
        ("Email", "clerk@example.org"),
        ("Role", "Facilitator → Council clerk"),
        ("Expires", "4 Dec 2026, 12:56 (Paris)"),
        ("Phase", "Open → Drafting proposals"),
        ("privacy k", "5 → 7"),
        ("Merged", "10, 11"),
        ("Reason", "—"),
    ]
    with app.test_request_context(headers={"Accept-Language": "fr-FR"}):
        flask_babel.refresh()
        french = dict(detail_lines({"role": "council", "expires_at": "2026-12-04T11:56"}))
    assert french["Rôle"] == "Greffier ou greffière d’un conseil"
    assert french["Expire"].startswith("4 déc. 2026")
