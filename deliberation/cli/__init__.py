"""``flask --app app ...`` command groups."""

from __future__ import annotations

from flask import Flask

from deliberation.cli import database, demo, opinions, polis, privacy, users


def register(app: Flask) -> None:
    groups = (database.group, demo.group, opinions.group, polis.group, privacy.group, users.group)
    for group in groups:
        app.cli.add_command(group)
