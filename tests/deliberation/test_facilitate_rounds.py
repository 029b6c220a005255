"""Facilitators' rounds: authorization, create and edit with validation, phases, facilitators,
territories attached and detached."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import (
    AuditAction,
    AuditEntry,
    Invite,
    Phase,
    Role,
    Round,
    RoundFacilitator,
    RoundTerritory,
)
from deliberation.services.time_zones import skipped_local_time
from tests.factories import (
    make_invite,
    make_participant,
    make_round,
    make_territory,
    make_user,
    sign_in_as,
)


def round_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "heat-2026",
        "languages": ["en", "fr"],
        "topic": "climate",
        "time_zone": "Europe/Paris",
        "title_en": "Living with heat",
        "question_en": "How should our towns adapt to hotter summers?",
        "framing_en": "Summers are **hotter**.",
        "title_fr": "Vivre avec la chaleur",
        "question_fr": "Comment nos villes doivent-elles s'adapter ?",
        "opens_at": "2030-07-01T09:00",
        "closes_at": "2030-07-31T18:00",
        "phase": "draft",
        "moderation_mode": "pre",
        "max_statement_length": "280",
        "privacy_k": "5",
        "min_votes_for_map": "7",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "url",
    [
        "/facilitate/",
        "/facilitate/rounds/new",
        "/facilitate/rounds/{round}",
        "/facilitate/rounds/{round}/moderation",
        "/facilitate/territories",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(
    client: FlaskClient, session: Session, url: str
) -> None:
    round_ = make_round(session)
    response = client.get(url.format(round=round_.id))
    assert response.status_code == 303
    assert "/auth/sign-in" in response.headers["Location"]


def test_anonymous_visitors_change_nothing(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    posted = client.post(
        f"/facilitate/rounds/{round_.id}/phase", data={"phase": "closed", "confirmed": "yes"}
    )
    assert posted.status_code == 303
    session.refresh(round_)
    assert round_.phase == Phase.OPEN


STRANGER_PAGES = ["", "/edit", "/counts", "/invites", "/statements", "/moderation"]
STRANGER_PAGES += ["/moderation/log", "/log"]
STRANGER_POSTS = {
    "edit": ("/edit", round_data()),
    "phase": ("/phase", {"phase": "closed"}),
    "facilitators": ("/facilitators", {"email": "{stranger}"}),
    "revoke invite": ("/invites/{invite}/revoke", {}),
    "seed statement": ("/statements", {"text": "A seed", "language": "en"}),
}


@pytest.fixture
def stranger_view(client: FlaskClient, session: Session) -> tuple[Round, dict[str, Any]]:
    """A round of another facilitator, seen by a signed-in facilitator who is not on it."""
    owner, stranger = make_user(session), make_user(session)
    round_ = make_round(session, facilitators=[owner])
    invite = make_invite(session, round_)
    sign_in_as(client, stranger)
    return round_, {"invite": invite.id, "stranger": stranger.email}


@pytest.mark.parametrize("page", STRANGER_PAGES)
def test_another_facilitator_gets_403_on_every_page(
    client: FlaskClient, stranger_view: tuple[Round, dict[str, Any]], page: str
) -> None:
    round_, _ = stranger_view
    assert client.get(f"/facilitate/rounds/{round_.id}{page}").status_code == 403


@pytest.mark.parametrize(("path", "data"), STRANGER_POSTS.values(), ids=STRANGER_POSTS.keys())
def test_another_facilitator_gets_403_on_every_action(
    client: FlaskClient,
    session: Session,
    stranger_view: tuple[Round, dict[str, Any]],
    path: str,
    data: dict[str, str],
) -> None:
    round_, names = stranger_view
    filled = {k: v.format(**names) if isinstance(v, str) else v for k, v in data.items()}
    url = f"/facilitate/rounds/{round_.id}{path.format(**names)}"
    assert client.post(url, data=filled).status_code == 403
    session.refresh(round_)
    assert round_.phase == Phase.OPEN


def test_another_facilitator_is_told_why_and_unknown_rounds_are_404(
    client: FlaskClient, stranger_view: tuple[Round, dict[str, Any]]
) -> None:
    round_, _ = stranger_view
    assert "Only this round" in client.get(f"/facilitate/rounds/{round_.id}").text
    assert client.get("/facilitate/rounds/9999").status_code == 404


def test_admins_manage_every_round(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, role=Role.ADMIN)
    round_ = make_round(session, facilitators=[make_user(session)])
    sign_in_as(client, admin)
    assert client.get(f"/facilitate/rounds/{round_.id}").status_code == 200
    assert round_.text("title", "en") in client.get("/facilitate/").text


def test_dashboard_lists_only_my_rounds(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    mine = make_round(session, facilitators=[me], title={"en": "Mine"})
    make_round(session, facilitators=[make_user(session)], title={"en": "Theirs"})
    sign_in_as(client, me)
    page = client.get("/facilitate/").text
    assert f"/facilitate/rounds/{mine.id}" in page
    assert "Mine" in page
    assert "Theirs" not in page


def test_create_a_round_makes_its_creator_a_facilitator(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    sign_in_as(client, me)
    assert client.get("/facilitate/rounds/new").status_code == 200
    response = client.post("/facilitate/rounds/new", data=round_data())
    assert response.status_code == 303
    round_ = session.exec(select(Round).where(Round.slug == "heat-2026")).one()
    assert response.headers["Location"].endswith(f"/facilitate/rounds/{round_.id}")
    assert round_.languages == ["en", "fr"]
    assert round_.title == {"en": "Living with heat", "fr": "Vivre avec la chaleur"}
    assert round_.framing == {"en": "Summers are **hotter**."}
    assert round_.moderation_mode == "pre"
    assert round_.time_zone == "Europe/Paris"
    # 09:00 in Paris in July is 07:00 UTC; stored aware.
    assert round_.opens_at == datetime(2030, 7, 1, 7, 0, tzinfo=UTC)
    assert round_.closes_at == datetime(2030, 7, 31, 16, 0, tzinfo=UTC)
    assert session.get(RoundFacilitator, (round_.id, me.id)) is not None
    page = client.get(f"/facilitate/rounds/{round_.id}").text
    assert "Living with heat" in page
    assert 'id="live-counts"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "Not A Slug!"}, "lowercase letters"),
        ({"languages": []}, "at least one language"),
        ({"languages": ["en", "xx"]}, "Not a valid choice"),
        ({"title_fr": ""}, "Required for every language offered"),
        ({"question_en": " "}, "Required for every language offered"),
        ({"time_zone": "Mars/Olympus"}, "not a known time zone"),
        ({"time_zone": "../../etc/passwd"}, "not a known time zone"),
        ({"closes_at": "2030-06-01T09:00"}, "close after it opens"),
        ({"opens_at": "tomorrow"}, "Not a valid datetime"),
        ({"max_statement_length": "5"}, "between 20 and 2000"),
        ({"privacy_k": "0"}, "between 1 and 1000"),
        ({"phase": "whenever"}, "Not a valid choice"),
    ],
)
def test_invalid_round_forms_rerender_with_422(
    client: FlaskClient, session: Session, overrides: dict[str, Any], message: str
) -> None:
    sign_in_as(client, make_user(session))
    response = client.post("/facilitate/rounds/new", data=round_data(**overrides))
    assert response.status_code == 422
    assert message.lower() in response.text.lower()
    assert 'aria-invalid="true"' in response.text
    assert session.exec(select(Round)).all() == []


def field_error(page: str, name: str) -> str:
    """The error shown beside the form field ``name`` (empty when there is none)."""
    found = re.search(rf'<p class="error" id="{name}-error"[^>]*>(.*?)</p>', page, re.S)
    return found.group(1).strip() if found else ""


SKIPPED = "This time does not exist in Europe/Paris: the clocks skip it when they go forward."


@pytest.mark.parametrize("name", ["opens_at", "closes_at"])
def test_a_time_the_clocks_skip_is_an_error_beside_its_field(
    client: FlaskClient, session: Session, name: str
) -> None:
    """On 28 March 2027 (as on 29 March 2026), Paris clocks go from 02:00 to 03:00: 02:30
    does not exist there (it was stored as 03:30, silently). Creating and editing refuse it
    and change nothing."""
    sign_in_as(client, me := make_user(session))
    data = round_data(opens_at="2027-03-20T09:00", closes_at="2027-04-20T09:00")
    data[name] = "2027-03-28T02:30"
    created = client.post("/facilitate/rounds/new", data=data)
    assert created.status_code == 422
    assert field_error(created.text, name).startswith(SKIPPED)
    assert session.exec(select(Round)).all() == []

    round_ = make_round(session, facilitators=[me], time_zone="Europe/Paris", phase=Phase.DRAFT)
    before = (round_.opens_at, round_.closes_at)
    edited = client.post(f"/facilitate/rounds/{round_.id}/edit", data={**data, "slug": round_.slug})
    assert edited.status_code == 422
    assert field_error(edited.text, name).startswith(SKIPPED)
    session.refresh(round_)
    assert (round_.opens_at, round_.closes_at) == before
    # The same wall-clock time exists in UTC, and an hour later in Paris.
    for zone, typed in (("UTC", "2027-03-28T02:30"), ("Europe/Paris", "2027-03-28T03:30")):
        data.update(time_zone=zone, **{name: typed})
        saved = client.post(
            f"/facilitate/rounds/{round_.id}/edit", data={**data, "slug": round_.slug}
        )
        assert saved.status_code == 303, field_error(saved.text, name)
        session.refresh(round_)
        assert getattr(round_, name) == datetime(
            2027, 3, 28, 1 if zone == "Europe/Paris" else 2, 30, tzinfo=UTC
        )


def test_a_rounds_address_is_fixed_once_it_has_been_open(
    client: FlaskClient, session: Session
) -> None:
    sign_in_as(client, me := make_user(session))
    draft = make_round(session, facilitators=[me], phase=Phase.DRAFT, slug="heat-draft")
    assert "readonly" not in field_html(client, draft)
    moved = client.post(f"/facilitate/rounds/{draft.id}/edit", data=round_data(slug="heat-new"))
    assert moved.status_code == 303
    session.refresh(draft)
    assert draft.slug == "heat-new"

    opened = make_round(session, facilitators=[me], phase=Phase.OPEN, slug="heat-open")
    assert "readonly" in field_html(client, opened)
    data = round_data(slug="heat-moved", phase="open", opens_at="", closes_at="")
    refused = client.post(f"/facilitate/rounds/{opened.id}/edit", data=data)
    assert refused.status_code == 422
    assert field_error(refused.text, "slug").startswith("This round's address can no longer")
    session.refresh(opened)
    assert opened.slug == "heat-open"
    kept = client.post(f"/facilitate/rounds/{opened.id}/edit", data={**data, "slug": "heat-open"})
    assert kept.status_code == 303, "the rest of the form still saves"


def field_html(client: FlaskClient, round_: Round) -> str:
    form = client.get(f"/facilitate/rounds/{round_.id}/edit").text
    return re.search(r'<input[^>]*name="slug"[^>]*>', form).group(0)  # type: ignore[union-attr]


def test_a_time_the_clocks_show_twice_is_its_first_occurrence(
    client: FlaskClient, session: Session
) -> None:
    """On 31 October 2027 (as on 25 October 2026), Paris clocks go back from 03:00 to 02:00:
    02:30 happens twice. It means the first, on summer time (UTC+2): 00:30 UTC, shown back as
    02:30."""
    me = make_user(session)
    sign_in_as(client, me)
    data = round_data(opens_at="2027-10-31T02:30", closes_at="2030-07-31T18:00")
    assert client.post("/facilitate/rounds/new", data=data).status_code == 303
    round_ = session.exec(select(Round)).one()
    assert round_.opens_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    form = client.get(f"/facilitate/rounds/{round_.id}/edit").text
    assert 'value="2027-10-31T02:30"' in form
    # Saved again unchanged, it stays the same instant.
    resaved = client.post(f"/facilitate/rounds/{round_.id}/edit", data=data)
    assert resaved.status_code == 303
    session.refresh(round_)
    assert round_.opens_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_skipped_local_times_are_those_of_the_forward_gap() -> None:
    assert skipped_local_time(datetime(2026, 3, 29, 2, 0), "Europe/Paris")
    assert skipped_local_time(datetime(2026, 3, 29, 2, 59), "Europe/Paris")
    assert not skipped_local_time(datetime(2026, 3, 29, 1, 59), "Europe/Paris")
    assert not skipped_local_time(datetime(2026, 3, 29, 3, 0), "Europe/Paris")
    assert not skipped_local_time(datetime(2026, 10, 25, 2, 30), "Europe/Paris")
    assert not skipped_local_time(datetime(2026, 3, 29, 2, 30), "UTC")
    # New York goes forward on another Sunday; Lord Howe Island by half an hour.
    assert skipped_local_time(datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert skipped_local_time(datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe")
    assert not skipped_local_time(datetime(2026, 10, 4, 2, 30), "Australia/Lord_Howe")


def test_a_slug_is_unique(client: FlaskClient, session: Session) -> None:
    make_round(session, slug="heat-2026")
    sign_in_as(client, make_user(session))
    response = client.post("/facilitate/rounds/new", data=round_data())
    assert response.status_code == 422
    assert "Another round already has this address" in response.text


def test_edit_a_round_shows_local_dates_and_saves_changes(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    round_ = make_round(
        session,
        facilitators=[me],
        time_zone="Europe/Berlin",
        opens_at=datetime(2030, 1, 10, 8, 0, tzinfo=UTC),
        phase=Phase.DRAFT,
    )
    sign_in_as(client, me)
    form = client.get(f"/facilitate/rounds/{round_.id}/edit").text
    assert 'value="2030-01-10T09:00"' in form, "UTC 08:00 is 09:00 in Berlin in winter"
    response = client.post(
        f"/facilitate/rounds/{round_.id}/edit",
        data=round_data(
            slug=round_.slug,
            languages=["en", "de"],
            title_de="Hitze",
            question_de="Wie?",
            time_zone="Europe/Berlin",
            opens_at="2030-01-10T10:00",
            closes_at="",
            max_statement_length="400",
            moderation_mode="post",
        ),
    )
    assert response.status_code == 303
    session.refresh(round_)
    assert round_.languages == ["en", "de"]
    assert round_.title == {"en": "Living with heat", "de": "Hitze"}
    assert round_.opens_at == datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
    assert round_.closes_at is None
    assert round_.max_statement_length == 400
    assert round_.moderation_mode == "post"

    invalid = client.post(
        f"/facilitate/rounds/{round_.id}/edit", data=round_data(slug=round_.slug, title_en="")
    )
    assert invalid.status_code == 422


def test_phase_changes_by_hand_and_refuses_what_the_schedule_would_undo(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    round_ = make_round(
        session,
        facilitators=[me],
        opens_at=utcnow() - timedelta(days=2),
        closes_at=utcnow() - timedelta(hours=1),
        phase=Phase.CLOSED,
    )
    sign_in_as(client, me)
    url = f"/facilitate/rounds/{round_.id}/phase"

    reopen = client.post(url, data={"phase": "open", "confirmed": "yes"})
    assert reopen.status_code == 422
    assert "closing date has passed" in reopen.text
    back_to_draft = client.post(url, data={"phase": "draft", "confirmed": "yes"})
    assert back_to_draft.status_code == 422
    assert "opening date has passed" in back_to_draft.text

    assert client.post(url, data={"phase": "deciding", "confirmed": "yes"}).status_code == 303
    session.refresh(round_)
    assert round_.phase == Phase.DECIDING
    assert client.post(url, data={"phase": "deciding", "confirmed": "yes"}).status_code == 422
    assert client.post(url, data={"phase": "reported", "confirmed": "yes"}).status_code == 303
    leave = client.post(url, data={"phase": "drafting", "confirmed": "yes"})
    assert leave.status_code == 422
    assert "report is published" in leave.text
    session.refresh(round_)
    assert round_.phase == Phase.REPORTED


def test_the_schedule_still_opens_a_draft_round(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    sign_in_as(client, me)
    past = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/facilitate/rounds/new",
        data=round_data(time_zone="UTC", opens_at=past, closes_at="", phase="draft"),
    )
    assert response.status_code == 303
    round_ = session.exec(select(Round)).one()
    session.refresh(round_)
    assert round_.phase == Phase.OPEN


def test_facilitators_add_others_by_email(client: FlaskClient, session: Session) -> None:
    me, colleague = make_user(session), make_user(session)
    round_ = make_round(session, facilitators=[me])
    sign_in_as(client, me)
    url = f"/facilitate/rounds/{round_.id}/facilitators"

    unknown = client.post(url, data={"email": "nobody@example.org"})
    assert unknown.status_code == 422
    assert "No account has this email address" in unknown.text
    assert client.post(url, data={"email": "not an email"}).status_code == 422
    added = client.post(url, data={"email": colleague.email.upper()})
    assert added.status_code == 303
    assert session.get(RoundFacilitator, (round_.id, colleague.id)) is not None
    again = client.post(url, data={"email": colleague.email})
    assert again.status_code == 422
    assert "already facilitates" in again.text

    # The colleague now manages the round too, and can remove the first facilitator...
    sign_in_as(client, colleague)
    assert client.get(f"/facilitate/rounds/{round_.id}").status_code == 200
    removed = client.post(
        f"/facilitate/rounds/{round_.id}/facilitators/{me.id}/remove", data={"confirmed": "yes"}
    )
    assert removed.status_code == 303
    # ... but not the last one.
    last = client.post(f"/facilitate/rounds/{round_.id}/facilitators/{colleague.id}/remove")
    assert last.status_code == 409
    sign_in_as(client, me)
    assert client.get(f"/facilitate/rounds/{round_.id}").status_code == 403


def test_attach_detach_territories_with_weight(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    first, second = make_territory(session), make_territory(session)
    round_ = make_round(session, facilitators=[me], territories=[first])
    sign_in_as(client, me)
    url = f"/facilitate/rounds/{round_.id}/territories"

    assert client.post(url, data={"territory": second.slug, "weight": "1.5"}).status_code == 303
    link = session.get(RoundTerritory, (round_.id, second.id))
    assert link is not None
    assert link.weight == 1.5
    assert client.post(url, data={"territory": second.slug, "weight": "2"}).status_code == 303
    session.refresh(link)
    assert link.weight == 2
    assert client.post(url, data={"territory": "nowhere"}).status_code == 422
    assert client.post(url, data={"territory": second.slug, "weight": "-1"}).status_code == 422

    unused_id = make_invite(session, round_, territory_id=second.id).id
    detached = client.post(f"{url}/{second.id}/detach", data={"confirmed": "yes"})
    assert detached.status_code == 303
    session.expire_all()
    assert session.get(RoundTerritory, (round_.id, second.id)) is None
    assert session.get(Invite, unused_id) is None, "its unused invite links go too"

    make_participant(session, round_, territory_id=first.id)
    refused = client.post(f"{url}/{first.id}/detach")
    assert refused.status_code == 409
    assert "1 participant has joined from this territory" in refused.text
    assert session.get(RoundTerritory, (round_.id, first.id)) is not None
    assert client.post(f"{url}/{second.id}/detach", data={"confirmed": "yes"}).status_code == 404


def test_a_phase_change_says_what_it_closes_and_opens_before_it_is_confirmed(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], phase=Phase.OPEN)
    sign_in_as(client, me)
    url = f"/facilitate/rounds/{round_.id}/phase"

    asked = client.post(url, data={"phase": "drafting"})

    assert asked.status_code == 200
    assert "Votes on statements and new statements" in asked.text
    assert "Writing proposals, amendments and endorsements" in asked.text
    assert "Joining the round" not in asked.text  # possible before and after
    assert 'name="confirmed" value="yes"' in asked.text
    session.refresh(round_)
    assert round_.phase == Phase.OPEN
    assert client.post(url, data={"phase": "drafting", "confirmed": "yes"}).status_code == 303
    session.refresh(round_)
    assert round_.phase == Phase.DRAFTING
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.ROUND_PHASE)
    ).one()
    assert entry.details == {"phase": ["open", "drafting"]}
