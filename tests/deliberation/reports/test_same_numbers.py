"""Every form of a version shows the JSON document's numbers: the HTML report (numbers parsed
out of the rendered page), the Markdown, the CSV companions and the Pol.is set."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.demo.seed import Demo
from deliberation.models import Phase, ReportVersion
from deliberation.reports.publishing import publish_report
from deliberation.reports.text import localized

Document = dict[str, Any]


class _Figures(HTMLParser):
    """Collects the text of every element carrying ``data-figure``."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append((tag, dict(attrs).get("data-figure")))
        if dict(attrs).get("data-figure"):
            key = dict(attrs)["data-figure"] or ""
            assert key not in self.figures, f"{key} shown twice"
            self.figures[key] = ""

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, key in self._open:
            if key:
                self.figures[key] += data


def _number(text: str) -> float:
    """An English figure as shown: '1,234', '62.5%', '0.539'."""
    text = text.strip().replace(",", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def _by(items: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    [found] = [item for item in items if item[key] == value]
    return found


def _expected(document: Document, key: str) -> Any:
    """The document's value for a data-figure key (the page's own naming of figures)."""
    part, ident, *rest = key.split("/")
    if part == "participation":
        return _by(document["participation"], "territory", ident)[rest[0]]
    if part == "opinion_groups":
        group = _by(document["opinion_groups"], "id", ident)
        if rest == ["size"]:
            return group["size"]
        return _by(group["composition"], "territory", rest[1])["participants"]
    if part == "decisions":
        decision = _by(document["decisions"], "id", ident)
        if rest[0] == "ballots":
            return _by(decision["group_results"], "group_id", rest[1])["ballots"]
        [cell] = [
            c for c in decision["counts"] if c["group_id"] == rest[1] and c["option"] == rest[2]
        ]
        return cell["value"]
    if part == "council_responses":
        return _by(document["council_responses"], "id", ident)[rest[0]]
    if part == "statements":
        statement = _by(document["statements"], "id", ident)
        if rest == ["bridging"]:
            return statement["metrics"]["bridging"]
        cell = statement["counts"]["by_territory"][rest[1]]
        if rest[2] == "seen":
            return cell["seen"]
        return cell["agree"] / cell["seen"]
    outcome = _by(document["outcomes"], "id", ident)
    if rest[0] == "support":
        return outcome["support"][rest[1]]
    if rest[0] == "territory_support":
        return _by(outcome["territory_support"], "territory", rest[1])[rest[2]]
    item = _by(outcome["dissent"], "id", rest[1])
    return _by(item["disagrees"], "statement", rest[2])[rest[3]]


def _check(figure: str, shown: str, expected: Any) -> None:
    if expected is None:
        assert "fewer than" in shown or "hidden" in shown, figure
    elif isinstance(expected, str):
        assert shown.strip() == expected, figure
    elif isinstance(expected, int) and not figure.endswith("rate"):
        assert _number(shown) == expected, figure
    else:
        assert abs(_number(shown) - expected) <= 0.0005 + 1e-9, (figure, shown, expected)


def _page_figures(client: FlaskClient, url: str) -> dict[str, str]:
    answer = client.get(url, headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    parser = _Figures()
    parser.feed(answer.text)
    return parser.figures


def test_the_html_report_shows_the_documents_numbers(
    client: FlaskClient, session: Session, demo_world: Demo, published: ReportVersion
) -> None:
    """Version 2 carries the council answer that came after version 1."""
    round_ = demo_world.rounds[Phase.REPORTED].round
    publish_report(session, round_=round_, user=demo_world.facilitator, commit="test")
    session.commit()
    document = client.get(f"/r/{round_.slug}/report/v2/outcome.json").get_json()
    figures = _page_figures(client, f"/r/{round_.slug}/report/v2")
    for figure, shown in figures.items():
        _check(figure, shown, _expected(document, figure))
    # Every figure of the document that the page is meant to show is there.
    territories = [t["id"] for t in document["territories"]]
    for row in document["participation"]:
        for field in ("participants", "voters", "statements_submitted", "votes_cast"):
            assert f"participation/{row['territory']}/{field}" in figures
    for statement in document["statements"]:
        for territory in territories:
            assert f"statements/{statement['id']}/by_territory/{territory}/seen" in figures
    assert document["outcomes"]
    for outcome in document["outcomes"]:
        for field in ("level", "bridging", "lowest_territory_agree_rate", "n"):
            assert f"outcomes/{outcome['id']}/support/{field}" in figures
        for territory in territories:
            assert f"outcomes/{outcome['id']}/territory_support/{territory}/n" in figures
        for item in outcome["dissent"]:
            for d in item["disagrees"]:
                assert (
                    f"outcomes/{outcome['id']}/dissent/{item['id']}/{d['statement']}/n" in figures
                )
    assert any(outcome["dissent"] for outcome in document["outcomes"])
    assert document["proposals"]
    assert document["decisions"]
    for decision in document["decisions"]:
        for cell in decision["counts"]:
            key = f"decisions/{decision['id']}/counts/{cell['group_id']}/{cell['option']}"
            assert key in figures
        for result in decision["group_results"]:
            assert f"decisions/{decision['id']}/ballots/{result['group_id']}" in figures
    assert document["council_responses"]
    for answer in document["council_responses"]:
        assert f"council_responses/{answer['id']}/progress" in figures


def test_a_changed_number_is_caught() -> None:
    """The comparison itself fails when the page and the document disagree."""
    document = {"participation": [{"territory": "ter:a", "participants": 12}]}
    _check(
        "participation/ter:a/participants",
        "12",
        _expected(document, "participation/ter:a/participants"),
    )
    try:
        _check("participation/ter:a/participants", "13", 12)
    except AssertionError:
        return
    raise AssertionError("a wrong figure passed")


def test_markdown_has_the_participation_and_outcome_figures(
    client: FlaskClient, demo_world: Demo, published: ReportVersion
) -> None:
    slug = demo_world.rounds[Phase.REPORTED].round.slug
    markdown = client.get(f"/r/{slug}/report/v1/report.md", headers={"Accept-Language": "en"}).text
    document = published.document
    names = {
        t["id"]: t["name"]["translations"].get("en", t["name"])["value"]
        for t in document["territories"]
    }
    for row in document["participation"]:
        cells = [
            f"{row[f]:,}" if row[f] is not None else "fewer than 5"
            for f in ("participants", "voters", "statements_submitted", "votes_cast")
        ]
        assert f"| {names[row['territory']]} | " + " | ".join(cells) + " |" in markdown
    for decision in document["decisions"]:
        ballots = [r["ballots"] for r in decision["group_results"]]
        assert "| Ballots | " + " | ".join(f"{b:,}" for b in ballots) + " |" in markdown
        for option in decision["options"]:
            values = [c["value"] for c in decision["counts"] if c["option"] == option["option"]]
            title = localized(option["title"], "en")  # the reader's language
            line = f"| {option['option']}. {title} | " + " | ".join(f"{v:,}" for v in values)
            assert line + " |" in markdown
    for outcome in document["outcomes"]:
        assert f"`{outcome['id']}`" in markdown
        for row in outcome["territory_support"]:
            if not row["suppressed"]:
                line = (
                    f"- {names[row['territory']]}: {100 * row['agree_rate']:.1f}% (n = {row['n']})"
                )
                assert line in markdown


def test_the_csv_companions_have_the_documents_numbers(
    client: FlaskClient, demo_world: Demo, published: ReportVersion
) -> None:
    slug = demo_world.rounds[Phase.REPORTED].round.slug
    document = published.document
    text = client.get(f"/r/{slug}/report/v1/outcomes_by_territory.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = [
        (o["id"], r["territory"], r["agree_rate"], r["n"], r["stance"])
        for o in document["outcomes"]
        for r in o["territory_support"]
    ]
    assert [
        (
            row["outcome_id"],
            row["territory_id"],
            float(row["agree_rate"]) if row["agree_rate"] else None,
            int(row["n"]) if row["n"] else None,
            row["stance"] or None,
        )
        for row in rows
    ] == expected
    for council in document["councils"]:
        name = council["id"][4:]
        answer = client.get(f"/r/{slug}/report/v1/outcomes.decidim-accountability.{name}.csv")
        decidim = list(csv.reader(io.StringIO(answer.text), delimiter=";"))
        header, body = decidim[0], decidim[1:]
        locales = document["languages"]
        assert header == [
            "id",
            "parent/id",
            *(f"title/{locale}" for locale in locales),
            *(f"description/{locale}" for locale in locales),
            "start_date",
            "end_date",
            "status/id",
            "progress",
            "proposal_urls",
        ]
        addressed = [o for o in document["outcomes"] if council["id"] in o["addressed_councils"]]
        assert len(body) == len(addressed) > 0
        for row, outcome in zip(body, addressed, strict=True):
            assert row[0] == ""
            assert row[-3] == ""
            assert row[-1] == ""
            english = row[header.index("description/en")]
            assert f"Outcome {outcome['id']}" in english
            for support in outcome["territory_support"]:
                if not support["suppressed"]:
                    assert (
                        f"{100 * support['agree_rate']:.1f}% agree (n = {support['n']})" in english
                    )
            assert row[header.index("end_date")] == (outcome["response_due"] or "")


def test_the_public_polis_set_has_blank_authors(
    client: FlaskClient, demo_world: Demo, published: ReportVersion
) -> None:
    slug = demo_world.rounds[Phase.REPORTED].round.slug
    answer = client.get(f"/r/{slug}/report/v1/polis.zip")
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert sorted(archive.namelist()) == [
        "comment-groups.csv",
        "comments.csv",
        "participants-votes.csv",
        "summary.csv",
        "votes.csv",
    ]
    comments = list(csv.DictReader(io.StringIO(archive.read("comments.csv").decode())))
    assert comments
    assert all(row["author-id"] == "" for row in comments)
    participants = list(
        csv.DictReader(io.StringIO(archive.read("participants-votes.csv").decode()))
    )
    assert {row["territory"] for row in participants} <= {"strasbourg", "kehl", "ortenaukreis"}


def test_the_data_package_holds_every_form_and_describes_each(
    client: FlaskClient, demo_world: Demo, published: ReportVersion
) -> None:
    slug = demo_world.rounds[Phase.REPORTED].round.slug
    answer = client.get(f"/r/{slug}/report/v1/datapackage.zip", headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["profile"] == "data-package"
    assert descriptor["id"] == str(published.document["package_id"])
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    paths = [resource["path"] for resource in descriptor["resources"]]
    assert sorted([*paths, "datapackage.json"]) == sorted(archive.namelist())
    assert {
        "outcome.json",
        "report.html",
        "report.md",
        "outcomes_by_territory.csv",
        "outcomes.decidim-accountability.kehl-gemeinderat.csv",
        "polis/comments.csv",
    } <= set(paths)
    for resource in descriptor["resources"]:
        content = archive.read(resource["path"])
        assert resource["bytes"] == len(content)
        assert resource["hash"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
        if resource["mediatype"] == "text/csv":
            delimiter = resource["dialect"]["delimiter"]
            header = next(csv.reader(io.StringIO(content.decode()), delimiter=delimiter))
            assert [f["name"] for f in resource["schema"]["fields"]] == header
    assert json.loads(archive.read("outcome.json")) == published.document
    standalone = client.get(f"/r/{slug}/report/v1/outcomes_by_territory.csv")
    assert archive.read("outcomes_by_territory.csv") == standalone.data
    fields = {
        f["name"]: f["type"]
        for r in descriptor["resources"]
        if r["path"] == "outcomes_by_territory.csv"
        for f in r["schema"]["fields"]
    }
    assert (fields["n"], fields["agree_rate"], fields["territory_id"]) == (
        "integer",
        "number",
        "string",
    )
    html = archive.read("report.html").decode()
    assert f'data-package-id="{published.document["package_id"]}"' in html
