"""``flask --app app ...`` command groups."""

from __future__ import annotations

from flask import Flask

from deliberation.cli import database, decisions, demo, opinions, polis, privacy, users


def register(app: Flask) -> None:
    for group in (
        database.group,
        decisions.group,
        demo.group,
        opinions.group,
        polis.group,
        privacy.group,
        users.group,
    ):
        app.cli.add_command(group)
