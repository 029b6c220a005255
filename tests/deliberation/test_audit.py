"""The audit log: what use cases record, and who reads it (round facilitators, admins)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.models import (
    ActorKind,
    AuditAction,
    AuditEntry,
    Phase,
    Role,
    Round,
    TargetKind,
)
from deliberation.services import audit
from deliberation.services.rounds import advance_schedules, round_by_id
from tests.deliberation.test_facilitate_rounds import round_data
from tests.factories import (
    make_invite,
    make_participant,
    make_round,
    make_statement,
    make_territory,
    make_user,
    sign_in_as,
)


def round_entries(session: Session, round_: Round) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.round_id == round_.id).order_by(AuditEntry.id)
        )
    )


def test_record_names_the_actor_and_never_commits(session: Session) -> None:
    user = make_user(session)
    round_ = make_round(session)
    participant = make_participant(session, round_)
    when = utcnow()
    for actor in (user, participant, audit.SYSTEM):
        audit.record(
            session,
            actor=actor,
            action=AuditAction.ROUND_UPDATE,
            target_kind=TargetKind.ROUND,
            target_id=round_.id,
            round_=round_,
            details={"when": when, "phase": Phase.OPEN},
        )
    session.rollback()
    assert round_entries(session, round_) == []
    for actor in (user, participant, audit.SYSTEM):
        audit.record(
            session,
            actor=actor,
            action=AuditAction.ROUND_UPDATE,
            target_kind=TargetKind.ROUND,
            target_id=round_.id,
            round_=round_,
            details={"when": when, "phase": Phase.OPEN},
        )
    session.commit()
    entries = round_entries(session, round_)
    assert [(e.actor_kind, e.actor_user_id, e.actor_participant_id) for e in entries] == [
        (ActorKind.ACCOUNT, user.id, None),
        (ActorKind.PARTICIPANT, None, participant.id),
        (ActorKind.SYSTEM, None, None),
    ]
    assert entries[0].details == {"when": when.isoformat(), "phase": "open"}


def test_round_phase_and_settings_changes_are_logged(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    sign_in_as(client, me)
    client.post("/facilitate/rounds/new", data=round_data())
    round_ = session.exec(select(Round)).one()
    client.post(
        f"/facilitate/rounds/{round_.id}/edit",
        data=round_data(privacy_k="9", moderation_mode="post"),
    )
    client.post(
        f"/facilitate/rounds/{round_.id}/phase", data={"phase": "closed", "confirmed": "yes"}
    )
    entries = round_entries(session, round_)
    assert [e.action for e in entries] == [
        AuditAction.ROUND_CREATE,
        AuditAction.ROUND_UPDATE,
        AuditAction.ROUND_PHASE,
    ]
    assert entries[1].details == {
        "changes": {"moderation_mode": ["pre", "post"], "privacy_k": [5, 9]}
    }
    assert entries[2].details == {"phase": ["draft", "closed"]}
    assert {e.actor_user_id for e in entries} == {me.id}


def test_the_schedule_records_its_phase_changes_as_the_system(session: Session) -> None:
    round_ = make_round(session, phase=Phase.DRAFT, opens_at=utcnow() - timedelta(hours=1))
    round_by_id(session, round_.id)
    [entry] = round_entries(session, round_)
    assert (entry.action, entry.actor_kind) == (AuditAction.ROUND_PHASE, ActorKind.SYSTEM)
    assert entry.details == {"phase": ["draft", "open"], "by": "schedule"}


def test_the_worker_records_the_phase_changes_it_writes(session: Session) -> None:
    due = make_round(session, phase=Phase.DRAFT, opens_at=utcnow() - timedelta(hours=1))
    make_round(session, phase=Phase.DRAFT, opens_at=utcnow() + timedelta(hours=1))
    assert advance_schedules(session, now=utcnow()) == 1
    session.commit()
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == AuditAction.ROUND_PHASE))
    assert [(e.round_id, e.actor_kind, e.details["phase"]) for e in entries] == [
        (due.id, ActorKind.SYSTEM, ["draft", "open"])
    ]


def test_invites_facilitators_and_territories_of_a_round_are_logged(
    client: FlaskClient, session: Session
) -> None:
    me, colleague = make_user(session), make_user(session)
    home = make_territory(session)
    other = make_territory(session, slug="elsewhere")
    round_ = make_round(session, territories=[home], facilitators=[me])
    invite = make_invite(session, round_)
    sign_in_as(client, me)
    base = f"/facilitate/rounds/{round_.id}"
    client.post(f"{base}/invites", data={"territory_id": home.id, "label": "Newsletter"})
    client.post(f"{base}/invites/{invite.id}/revoke", data={"confirmed": "yes"})
    client.post(f"{base}/facilitators", data={"email": colleague.email})
    client.post(f"{base}/facilitators/{colleague.id}/remove", data={"confirmed": "yes"})
    client.post(f"{base}/territories", data={"territory": "elsewhere", "weight": "2"})
    client.post(f"{base}/territories/{other.id}/detach", data={"confirmed": "yes"})
    entries = round_entries(session, round_)
    assert [(e.action, e.target_kind) for e in entries] == [
        (AuditAction.INVITE_CREATE, TargetKind.INVITE),
        (AuditAction.INVITE_REVOKE, TargetKind.INVITE),
        (AuditAction.ROUND_FACILITATOR_ADD, TargetKind.ACCOUNT),
        (AuditAction.ROUND_FACILITATOR_REMOVE, TargetKind.ACCOUNT),
        (AuditAction.ROUND_TERRITORY_ATTACH, TargetKind.TERRITORY),
        (AuditAction.ROUND_TERRITORY_DETACH, TargetKind.TERRITORY),
    ]
    assert entries[0].details["label"] == "Newsletter"
    assert entries[1].target_id == invite.id
    assert entries[2].details == {"email": colleague.email}
    assert entries[4].details == {"slug": "elsewhere", "weight": [None, 2.0]}
    assert entries[5].target_id == other.id


def test_a_refused_change_leaves_no_entry(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], phase=Phase.OPEN)
    sign_in_as(client, me)
    same = client.post(
        f"/facilitate/rounds/{round_.id}/phase", data={"phase": "open", "confirmed": "yes"}
    )
    assert same.status_code == 422
    assert round_entries(session, round_) == []


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Round phase changed"), ("fr", "Phase de la consultation modifiée")],
)
def test_the_round_log_page_names_actions_in_the_readers_language(
    client: FlaskClient, session: Session, language: str, label: str
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], phase=Phase.OPEN)
    statement = make_statement(session, round_, text="Plant <b>trees</b>")
    sign_in_as(client, me)
    client.post("/language", data={"language": language, "next": "/"})
    client.post(
        f"/facilitate/rounds/{round_.id}/phase", data={"phase": "closed", "confirmed": "yes"}
    )
    client.post(
        f"/facilitate/rounds/{round_.id}/moderation/{statement.id}",
        data={"action": "reject", "reason": "<script>off topic</script>"},
    )
    page = client.get(f"/facilitate/rounds/{round_.id}/log")
    assert page.status_code == 200
    assert label in page.text
    assert me.email in page.text
    assert "&lt;script&gt;off topic&lt;/script&gt;" in page.text
    assert "<script>off topic" not in page.text


def test_the_moderation_log_is_the_moderation_part_of_the_audit_log(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me])
    statement = make_statement(session, round_, text="Shade the school yards")
    sign_in_as(client, me)
    client.post(
        f"/facilitate/rounds/{round_.id}/phase", data={"phase": "closed", "confirmed": "yes"}
    )
    client.post(
        f"/facilitate/rounds/{round_.id}/moderation/{statement.id}",
        data={"action": "reject", "reason": "Duplicate"},
    )
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation/log")
    assert page.status_code == 200
    assert "Shade the school yards" in page.text
    assert "Statement rejected" in page.text
    assert "Duplicate" in page.text
    assert "Round phase changed" not in page.text


def test_the_round_log_is_paginated(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me])
    for n in range(audit.PAGE_SIZE + 1):
        audit.record(
            session,
            actor=me,
            action=AuditAction.ROUND_UPDATE,
            target_kind=TargetKind.ROUND,
            target_id=round_.id,
            round_=round_,
            details={"n": n},
        )
    session.commit()
    sign_in_as(client, me)
    first = client.get(f"/facilitate/rounds/{round_.id}/log")
    assert "n: 50" in first.text
    assert "n: 0<" not in first.text
    assert 'rel="next"' in first.text
    second = client.get(f"/facilitate/rounds/{round_.id}/log?page=2")
    assert "n: 0<" in second.text
    assert 'rel="next"' not in second.text


def test_the_global_log_is_for_admins_only(client: FlaskClient, session: Session) -> None:
    facilitator, admin = make_user(session), make_user(session, role=Role.ADMIN)
    town = make_territory(session, owners=[facilitator])
    sign_in_as(client, facilitator)
    client.post(
        f"/facilitate/territories/{town.id}/edit",
        data={"slug": town.slug, "kind": "region", "name_en": "Renamed"},
    )
    assert client.get("/admin/log").status_code == 403
    sign_in_as(client, admin)
    page = client.get("/admin/log")
    assert page.status_code == 200
    assert "Territory edited" in page.text
    assert "Renamed" in page.text
    assert session.exec(select(AuditEntry).where(col(AuditEntry.round_id).is_(None))).all(), (
        "territory edits belong to no round"
    )


def test_details_read_as_text(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, role=Role.ADMIN)
    town = make_territory(session, owners=[admin], slug="kehl", names={"en": "Kehl"})
    twin = make_territory(session, slug="strasbourg")
    sign_in_as(client, admin)
    client.post(
        f"/facilitate/territories/{town.id}/edit",
        data={
            "slug": "kehl",
            "kind": "municipality",
            "name_en": "Kehl am Rhein",
            "twins": twin.slug,
        },
    )
    page = client.get("/admin/log").text
    assert "names: en: Kehl → en: Kehl am Rhein" in page
    assert "Twinned with: — → strasbourg" in page


def test_every_action_and_target_has_a_name() -> None:
    assert set(audit.ACTION_NAMES) == set(AuditAction)
    assert set(audit.TARGET_NAMES) == set(TargetKind)
