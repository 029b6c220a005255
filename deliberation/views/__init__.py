"""Blueprints, one per audience."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from deliberation.api import views as api
from deliberation.services.validation import MAX_ID
from deliberation.views import (
    admin,
    auth,
    councils,
    decisions,
    facilitate,
    facilitate_translations,  # noqa: F401 - adds the translation pages to ``facilitate.bp``
    inbox,
    main,
    notices,
    opinions,
    participate,
    proposals,
    reports,
    return_links,  # noqa: F401 - adds the return link pages to ``participate.bp``
)


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id. Larger numbers than a column holds are 404, not a
    database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def register(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    for blueprint in (
        main.bp,
        auth.bp,
        participate.bp,
        facilitate.bp,
        councils.bp,
        inbox.bp,
        opinions.bp,
        admin.bp,
        api.bp,
        reports.bp,
        decisions.bp,
        proposals.bp,
        notices.bp,
    ):
        app.register_blueprint(blueprint)
