"""``flask --app app ...`` command groups."""

from __future__ import annotations

from flask import Flask

from deliberation.cli import database, demo, users


def register(app: Flask) -> None:
    for group in (database.group, demo.group, users.group):
        app.cli.add_command(group)
