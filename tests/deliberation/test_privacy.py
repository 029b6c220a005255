"""The suppression rule (deliberation.services.privacy) and the places that count people:
facilitators' counts, the author's territory in moderation, the Pol.is export's territories."""

from __future__ import annotations

import csv
from pathlib import Path

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from deliberation.models import StatementStatus
from deliberation.polis.export import export_round
from deliberation.services.counts import round_counts
from deliberation.services.privacy import (
    complementary,
    line_mask,
    suppress_line,
    suppress_table,
    suppression_mask,
)
from deliberation.services.votes import record_vote
from tests.factories import (
    make_participant,
    make_round,
    make_statement,
    make_territory,
    make_user,
    sign_in_as,
)

HTMX = {"HX-Request": "true"}


def test_counts_under_k_are_hidden_and_zero_is_shown() -> None:
    assert suppress_table([[0, 12, 30]], 5, columns=False) == [[0, 12, 30]]
    assert suppress_line([3, 0, 12, 30, 45], 5) == [None, 0, None, 30, 45]


def test_a_lone_hidden_cell_takes_the_next_smallest_of_its_row_and_column() -> None:
    table = [
        [2, 20, 9],
        [15, 30, 40],
        [25, 10, 50],
    ]
    mask = suppression_mask(table, 5)
    assert mask[0] == [True, False, True], "row 0: the 9 hides with the 2"
    assert [row[0] for row in mask] == [True, True, False], "column 0: the 15 hides with the 2"
    for line in [*mask, *zip(*mask, strict=True)]:
        assert sum(line) != 1


def test_derived_cells_are_completed_too() -> None:
    table = [[8, 6], [9, 7], [17, 13]]
    hidden = complementary(table, [[False, True], [False, False], [False, False]], rows=False)
    assert [row[1] for row in hidden] == [True, True, False]
    assert [row[0] for row in hidden] == [False, False, False]


@given(
    st.integers(1, 10),
    st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=2, max_size=6),
)
def test_no_line_ever_has_exactly_one_hidden_cell(k: int, table: list[list[int]]) -> None:
    mask = suppression_mask(table, k)
    for values, line in zip(table, mask, strict=True):
        for value, hidden in zip(values, line, strict=True):
            assert hidden or not 0 < value < k
    for line in [*mask, *zip(*mask, strict=True)]:
        assert sum(line) != 1


@given(st.integers(1, 10), st.lists(st.integers(0, 30), max_size=8))
def test_a_lines_mask_is_the_tables_of_that_one_line(k: int, values: list[int]) -> None:
    assert line_mask(values, k) == suppression_mask([values], k)[0]
    assert line_mask(values, k) == suppression_mask([values], k, columns=False)[0]


def test_facilitators_counts_follow_the_rounds_k(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    hamlet = make_territory(session, names={"en": "Hamlet"})
    town = make_territory(session, names={"en": "Town"})
    city = make_territory(session, names={"en": "City"})
    round_ = make_round(session, facilitators=[me], territories=[hamlet, town, city], privacy_k=5)
    for territory, n in ((hamlet, 2), (town, 6), (city, 9)):
        for _ in range(n):
            make_participant(session, round_, territory_id=territory.id, vote_count=4)
    make_statement(session, round_)
    counts = round_counts(session, round_=round_, user=me)
    by_name = {row.territory.names["en"]: row for row in counts.territories}
    assert by_name["Hamlet"].participants is None
    assert by_name["Hamlet"].votes is None, "votes of a hidden territory are hidden with it"
    assert by_name["Town"].participants is None, "the complement: 17 - 9 - x would give 2"
    assert by_name["City"].participants == 9
    assert counts.total.participants == 17
    sign_in_as(client, me)
    partial = client.get(f"/facilitate/rounds/{round_.id}/counts", headers=HTMX).text
    assert "Hamlet" in partial
    assert ">2<" not in partial
    assert "Figures of fewer than 5 people are hidden" in partial


def test_the_authors_territory_shows_only_from_k_participants(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    hamlet = make_territory(session, names={"en": "Hamlet"})
    city = make_territory(session, names={"en": "Big city"})
    round_ = make_round(session, facilitators=[me], territories=[hamlet, city], privacy_k=3)
    for territory, n in ((hamlet, 2), (city, 8)):
        for i in range(n):
            author = make_participant(session, round_, territory_id=territory.id)
            if i == 0:
                make_statement(
                    session,
                    round_,
                    text=f"A statement of {n} people",
                    is_seed=False,
                    status=StatementStatus.PENDING,
                    author_participant_id=author.id,
                    author_territory_id=territory.id,
                )
    sign_in_as(client, me)
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation").text
    assert "Hamlet" not in page
    assert page.count("Hidden: fewer than 3 participants there") == 2, "the city is the complement"
    make_participant(session, round_, territory_id=hamlet.id)
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation").text
    assert "Hamlet" in page
    assert "Big city" in page


def test_the_polis_export_names_only_territories_of_k_participants(
    session: Session, tmp_path: Path
) -> None:
    hamlet, town, city = (make_territory(session) for _ in range(3))
    round_ = make_round(session, territories=[hamlet, town, city], privacy_k=4)
    statement = make_statement(session, round_)
    for territory, n in ((hamlet, 1), (town, 5), (city, 7)):
        for _ in range(n):
            person = make_participant(session, round_, territory_id=territory.id)
            record_vote(
                session,
                round_id=round_.id,
                participant_id=person.id,
                statement_id=statement.id,
                value=1,
            )
    session.commit()
    export_round(session, round_, tmp_path)
    with (tmp_path / "participants-votes.csv").open(encoding="utf-8") as handle:
        named = [row["territory"] for row in csv.DictReader(handle)]
    assert len(named) == 13
    assert hamlet.slug not in named
    assert town.slug not in named, "else the blank rows would count the hamlet"
    assert named.count(city.slug) == 7


def test_statement_vote_counts_under_k_are_hidden_from_facilitators(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], privacy_k=5)
    make_statement(session, round_, text="Seed with few votes", vote_count=3)
    make_statement(session, round_, text="Seed with many votes", vote_count=12)
    make_statement(
        session, round_, text="Pending", is_seed=False, status=StatementStatus.PENDING, vote_count=2
    )
    sign_in_as(client, me)
    seeds = client.get(f"/facilitate/rounds/{round_.id}/statements").text
    assert seeds.count("Fewer than 5 people") == 1
    assert ">12<" in seeds
    queue = client.get(f"/facilitate/rounds/{round_.id}/moderation").text
    assert "Fewer than 5 people" in queue
    assert ">2<" not in queue
