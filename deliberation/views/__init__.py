"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask

from deliberation.views import auth, facilitate, main, opinions, participate


def register(app: Flask) -> None:
    for blueprint in (main.bp, auth.bp, participate.bp, facilitate.bp, opinions.bp):
        app.register_blueprint(blueprint)
