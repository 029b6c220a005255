"""Absolute URLs of a published version, always on ``PUBLIC_URL`` (never the request's host:
they are frozen into the document)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter

from deliberation.reports.document import Links

FORMS = (
    ("reports.version_json", "outcome.json", "application/json"),
    ("reports.version_markdown", "report.md", "text/markdown"),
    ("reports.version_territory_csv", "outcomes_by_territory.csv", "text/csv"),
    ("reports.version_polis", "polis.zip", "application/zip"),
    ("reports.version_package", "datapackage.zip", "application/zip"),
)
DECIDIM = "outcomes.decidim-accountability.{council}.csv"


def _adapter() -> MapAdapter:
    url = urlsplit(current_app.config["PUBLIC_URL"])
    return current_app.url_map.bind(
        url.netloc, script_name=url.path or "/", url_scheme=url.scheme or "http"
    )


def public_url(endpoint: str, **values: object) -> str:
    """The absolute URL of ``endpoint`` on ``PUBLIC_URL`` (needs an app context)."""
    return _adapter().build(endpoint, values, force_external=True)


def version_links(slug: str, number: int, council_slugs: list[str]) -> Links:
    """The links of version ``number`` of round ``slug``'s report: one Decidim file per
    addressed council."""
    html = public_url("reports.version_page", slug=slug, number=number)
    distributions = [("report.html", "text/html", html)]
    distributions += [
        (name, media_type, public_url(endpoint, slug=slug, number=number))
        for endpoint, name, media_type in FORMS
    ]
    distributions += [
        (
            DECIDIM.format(council=council),
            "text/csv",
            public_url("reports.version_decidim", slug=slug, number=number, council=council),
        )
        for council in council_slugs
    ]
    return Links(
        site=public_url("main.index"),
        schema=public_url("reports.outcome_schema_document"),
        round=public_url("reports.report_page", slug=slug),
        report=html,
        distributions=distributions,
    )
