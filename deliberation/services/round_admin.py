"""Facilitators' use cases on rounds: create, edit, change phase, facilitators, territories,
invite links. Every function checks on the server that the user facilitates the round, and
every change is in the audit log, in the same transaction as the change (the request commits)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Invalid, NotFound
from deliberation.models import (
    AuditAction,
    Invite,
    Participant,
    Phase,
    Round,
    RoundFacilitator,
    RoundTerritory,
    TargetKind,
    Territory,
    TerritoryOwner,
    User,
)
from deliberation.models.inputs import InviteBatchInput, RoundInput
from deliberation.opinions.snapshots import invalidate_results
from deliberation.services import audit, invites
from deliberation.services.accounts import normalize_email
from deliberation.services.rounds import (
    JOINABLE,
    refresh_phase,
    require_facilitator,
    round_by_id,
)
from deliberation.services.time_zones import shared_time_zone
from deliberation.services.validation import MAX_COUNT, FieldInvalid, has_control_characters

MAX_WEIGHT = 1_000_000
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class AttachedTerritory:
    territory: Territory
    weight: float | None


def local_to_utc(value: datetime | None, time_zone: str) -> datetime | None:
    """A naive wall-clock ``value`` in ``time_zone`` as a UTC-aware datetime (None stays None).

    A time the clocks show twice (the hour repeated when they go back: 02:30 on 25 October
    2026 in Europe/Paris) is its first occurrence, the earlier instant, still on summer time
    (00:30 UTC there); ``utc_to_local`` shows it back as the same wall-clock time. A time the
    clocks skip has no instant: forms refuse it first (``time_zones.skipped_local_time``).
    """
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(time_zone), fold=0).astimezone(UTC)


def utc_to_local(value: datetime | None, time_zone: str) -> datetime | None:
    """A stored UTC ``value`` as a naive wall-clock datetime in ``time_zone`` (for forms)."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive values; they are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def facilitated_round(session: Session, *, round_id: int, user: User | None) -> Round:
    """The round ``round_id`` if ``user`` facilitates it (404 if none, 403 if not theirs)."""
    round_ = round_by_id(session, round_id)
    require_facilitator(session, round_, user)
    return round_


def facilitated_rounds(session: Session, *, user: User) -> list[Round]:
    """The rounds ``user`` facilitates (every round for an admin), newest first."""
    statement = select(Round).order_by(col(Round.id).desc())
    if not user.is_admin:
        statement = statement.join(RoundFacilitator).where(RoundFacilitator.user_id == user.id)
    return list(session.exec(statement))


def _check_fields(session: Session, fields: RoundInput, round_id: int | None) -> None:
    """What the input model cannot know: whether another round has the address."""
    taken = session.exec(select(Round.id).where(Round.slug == fields.slug)).first()
    if taken is not None and taken != round_id:
        raise FieldInvalid(_l("Another round already has this address."), field="slug")


def _check_phase_change(
    current: Phase,
    new: Phase,
    *,
    opens_at: datetime | None,
    closes_at: datetime | None,
    now: datetime,
) -> None:
    """Refuse a phase the schedule would undo at once, and leaving a reported round."""
    if new == current:
        return
    if current == Phase.REPORTED:
        raise Conflict(_l("This round's report is published; its phase can no longer change."))
    opens_at, closes_at = _aware(opens_at), _aware(closes_at)
    if new == Phase.DRAFT and opens_at is not None and opens_at <= now:
        raise FieldInvalid(
            _l(
                "Its opening date has passed, so a draft would open again at once: "
                "move the opening date later or clear it first."
            ),
            field="phase",
        )
    if new == Phase.OPEN and closes_at is not None and closes_at <= now:
        raise FieldInvalid(
            _l("Its closing date has passed: move the closing date later to open it again."),
            field="phase",
        )


def _apply(round_: Round, fields: RoundInput) -> None:
    round_.slug = fields.slug
    round_.languages = list(fields.languages)
    round_.title = {lang: fields.title[lang].strip() for lang in fields.languages}
    round_.question = {lang: fields.question[lang].strip() for lang in fields.languages}
    round_.framing = {
        lang: fields.framing.get(lang, "").strip()
        for lang in fields.languages
        if fields.framing.get(lang, "").strip()
    }
    round_.topic = fields.topic
    round_.opens_at = fields.opens_at
    round_.closes_at = fields.closes_at
    _set_phase(round_, fields.phase)
    round_.moderation_mode = fields.moderation_mode
    round_.max_statement_length = fields.max_statement_length
    round_.time_zone = fields.time_zone
    round_.privacy_k = fields.privacy_k
    round_.min_votes_for_map = fields.min_votes_for_map
    round_.retention_days = fields.retention_days


def _settings(round_: Round) -> dict[str, object]:
    """The round's settings as the audit log records them (one entry per ``RoundInput`` field)."""
    return {name: getattr(round_, name) for name in RoundInput.model_fields}


def _record(
    session: Session,
    round_: Round,
    user: User,
    action: AuditAction,
    *,
    target_kind: TargetKind = TargetKind.ROUND,
    target_id: int | None = None,
    **details: object,
) -> None:
    audit.record(
        session,
        actor=user,
        action=action,
        target_kind=target_kind,
        target_id=round_.id if target_kind == TargetKind.ROUND else target_id,
        round_=round_,
        details=details,
    )


def address_is_fixed(session: Session, round_: Round) -> bool:
    """Whether ``round_``'s address (its slug, the ``rnd:`` id of the outcome document and
    the API, which never changes) is fixed: once the round has left the draft phase or
    someone has joined it."""
    if round_.phase != Phase.DRAFT:
        return True
    joined = session.exec(select(Participant.id).where(Participant.round_id == round_.id))
    return joined.first() is not None


def create_round(session: Session, *, user: User, fields: RoundInput) -> Round:
    """A new round; its creator becomes one of its facilitators."""
    _check_fields(session, fields, None)
    round_ = Round(slug=fields.slug)
    _apply(round_, fields)
    session.add(round_)
    session.flush()
    session.add(RoundFacilitator(round_id=round_.id, user_id=user.id))  # type: ignore[arg-type]
    _record(session, round_, user, AuditAction.ROUND_CREATE, settings=_settings(round_))
    session.flush()
    refresh_phase(session, round_, now=utcnow())
    return round_


def update_round(session: Session, *, round_: Round, user: User, fields: RoundInput) -> Round:
    """Change a round's settings (its phase too, with the checks of ``change_phase``). Its
    address changes only while it is a draft nobody has joined (``address_is_fixed``)."""
    require_facilitator(session, round_, user)
    _check_fields(session, fields, round_.id)
    if fields.slug != round_.slug and address_is_fixed(session, round_):
        raise FieldInvalid(
            _l(
                "This round's address can no longer change: invite links, bookmarks and "
                "councils' documents use it."
            ),
            field="slug",
        )
    _check_phase_change(
        round_.phase,
        fields.phase,
        opens_at=fields.opens_at,
        closes_at=fields.closes_at,
        now=utcnow(),
    )
    before = _settings(round_)
    privacy = (round_.privacy_k, round_.min_votes_for_map)
    _apply(round_, fields)
    session.add(round_)
    changed = audit.changes(before, _settings(round_))
    phase = changed.pop("phase", None)
    if changed:
        _record(session, round_, user, AuditAction.ROUND_UPDATE, changes=changed)
    if phase is not None:
        _record(session, round_, user, AuditAction.ROUND_PHASE, phase=phase)
    session.flush()
    if privacy != (round_.privacy_k, round_.min_votes_for_map):
        invalidate_results(session, round_)
    refresh_phase(session, round_, now=utcnow())
    return round_


class Activity(StrEnum):
    """What people can do in a round, each in some phases only."""

    JOIN = "join"
    VOTE = "vote"
    DRAFT = "draft"
    BALLOT = "ballot"
    OUTCOMES = "outcomes"
    REPORT = "report"


ACTIVITY_PHASES = {
    Activity.JOIN: JOINABLE,
    Activity.VOTE: frozenset({Phase.OPEN}),
    Activity.DRAFT: frozenset({Phase.DRAFTING}),
    Activity.BALLOT: frozenset({Phase.DECIDING}),
    Activity.OUTCOMES: frozenset({Phase.CLOSED}),
    Activity.REPORT: frozenset({Phase.REPORTED}),
}
"""Joining while the round is open, drafts or decides; votes on statements and new statements
while open; proposals, amendments and endorsements while drafting; ballots while deciding;
outcomes written once closed and published once reported."""


@dataclass(frozen=True)
class PhaseChange:
    """A phase change as the facilitator confirms it: what it closes and what it opens."""

    before: Phase
    after: Phase
    closes: tuple[Activity, ...]
    opens: tuple[Activity, ...]


def preview_phase_change(
    session: Session, *, round_: Round, user: User | None, phase: Phase
) -> PhaseChange:
    """What moving ``round_`` to ``phase`` would close and open, once the move is allowed
    (``Conflict`` or ``FieldInvalid`` otherwise, as ``change_phase`` would raise). Changes
    nothing."""
    require_facilitator(session, round_, user)
    if phase == round_.phase:
        raise Conflict(_l("The round is already in this phase."))
    _check_phase_change(
        round_.phase, phase, opens_at=round_.opens_at, closes_at=round_.closes_at, now=utcnow()
    )
    before, after = round_.phase, phase
    return PhaseChange(
        before,
        after,
        tuple(a for a, ph in ACTIVITY_PHASES.items() if before in ph and after not in ph),
        tuple(a for a, ph in ACTIVITY_PHASES.items() if after in ph and before not in ph),
    )


def change_phase(session: Session, *, round_: Round, user: User, phase: Phase) -> Round:
    """Move the round to ``phase`` by hand (the schedule only opens it and moves it on to
    drafting); in the audit log."""
    preview_phase_change(session, round_=round_, user=user, phase=phase)
    before = round_.phase
    _set_phase(round_, phase)
    session.add(round_)
    _record(session, round_, user, AuditAction.ROUND_PHASE, phase=[before, phase])
    session.flush()
    return round_


def _set_phase(round_: Round, phase: Phase) -> None:
    """Move to ``phase``; entering ``reported`` starts the retention clock (``reported_at``)."""
    if phase == Phase.REPORTED and round_.phase != Phase.REPORTED:
        round_.reported_at = utcnow()
    round_.phase = phase


def round_facilitators(session: Session, round_: Round) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(RoundFacilitator, col(RoundFacilitator.user_id) == User.id)
            .where(RoundFacilitator.round_id == round_.id)
            .order_by(col(User.email))
        )
    )


def add_facilitator(session: Session, *, round_: Round, user: User, email: str) -> User:
    """Make the account with ``email`` a facilitator of ``round_`` too."""
    require_facilitator(session, round_, user)
    try:
        address = normalize_email(email)
    except Invalid as error:
        raise FieldInvalid(error.message, field="email") from error
    other = session.exec(select(User).where(User.email == address)).first()
    if other is None:
        raise FieldInvalid(
            _l("No account has this email address; an administrator can create one."),
            field="email",
        )
    if session.get(RoundFacilitator, (round_.id, other.id)) is not None:
        raise FieldInvalid(_l("This person already facilitates this round."), field="email")
    session.add(RoundFacilitator(round_id=round_.id, user_id=other.id))  # type: ignore[arg-type]
    _record(
        session,
        round_,
        user,
        AuditAction.ROUND_FACILITATOR_ADD,
        target_kind=TargetKind.ACCOUNT,
        target_id=other.id,
        email=other.email,
    )
    session.flush()
    return other


def remove_facilitator(session: Session, *, round_: Round, user: User, facilitator_id: int) -> None:
    """Remove a facilitator from ``round_``; a round keeps at least one."""
    require_facilitator(session, round_, user)
    link = session.get(RoundFacilitator, (round_.id, facilitator_id))
    if link is None:
        raise NotFound(_l("This person does not facilitate this round."))
    count = session.exec(select(func.count()).where(RoundFacilitator.round_id == round_.id)).one()
    if count <= 1:
        raise Conflict(_l("A round keeps at least one facilitator."))
    session.delete(link)
    removed = session.get(User, facilitator_id)
    _record(
        session,
        round_,
        user,
        AuditAction.ROUND_FACILITATOR_REMOVE,
        target_kind=TargetKind.ACCOUNT,
        target_id=facilitator_id,
        email=removed.email if removed is not None else None,
    )
    session.flush()


def attached_territories(session: Session, round_: Round) -> list[AttachedTerritory]:
    rows = session.exec(
        select(Territory, RoundTerritory.weight)
        .join(RoundTerritory, col(RoundTerritory.territory_id) == Territory.id)
        .where(RoundTerritory.round_id == round_.id)
        .order_by(col(Territory.slug))
    )
    return [AttachedTerritory(territory, weight) for territory, weight in rows]


def proposed_time_zone(session: Session, *, user: User, round_: Round | None = None) -> str | None:
    """The time zone to propose for ``round_``: its territories' own (see
    ``time_zones.shared_time_zone``); for a new round (None), that of the territories ``user``
    owns. None when they have no one clock."""
    if round_ is not None:
        territories = [item.territory for item in attached_territories(session, round_)]
    else:
        territories = list(
            session.exec(
                select(Territory)
                .join(TerritoryOwner, col(TerritoryOwner.territory_id) == Territory.id)
                .where(TerritoryOwner.user_id == user.id)
                .order_by(col(Territory.id))
            )
        )
    return shared_time_zone(territories)


def proposed_slug(title: str) -> str:
    """A round address made from ``title``: accents dropped, lowercase ASCII letters and digits
    joined by single hyphens, at most 60 characters (the same rule as the round form's script);
    empty when the title has no such character."""
    decomposed = unicodedata.normalize("NFKD", title.lower())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = _NOT_SLUG.sub("-", ascii_only).strip("-")
    return slug[:60].rstrip("-")


def attach_territory(
    session: Session, *, round_: Round, user: User, territory_slug: str, weight: float | None
) -> RoundTerritory:
    """Make a territory take part in ``round_`` with an optional weight (or change its weight)."""
    require_facilitator(session, round_, user)
    if weight is not None and not (math.isfinite(weight) and 0 < weight <= MAX_WEIGHT):
        raise FieldInvalid(_l("A weight is a positive number."), field="weight")
    territory = session.exec(
        select(Territory).where(Territory.slug == territory_slug.strip())
    ).first()
    if territory is None:
        raise FieldInvalid(_l("No territory has this identifier."), field="territory")
    link = session.get(RoundTerritory, (round_.id, territory.id))
    before = None if link is None else link.weight
    if link is None:
        link = RoundTerritory(round_id=round_.id, territory_id=territory.id)  # type: ignore[arg-type]
    link.weight = weight
    session.add(link)
    _record(
        session,
        round_,
        user,
        AuditAction.ROUND_TERRITORY_ATTACH,
        target_kind=TargetKind.TERRITORY,
        target_id=territory.id,
        slug=territory.slug,
        weight=[before, weight],
    )
    session.flush()
    return link


def detach_territory(session: Session, *, round_: Round, user: User, territory_id: int) -> None:
    """Remove a territory from ``round_`` (and its unused invite links); refused once anyone
    has joined from there, since their votes belong to it."""
    require_facilitator(session, round_, user)
    link = session.get(RoundTerritory, (round_.id, territory_id))
    if link is None:
        raise NotFound(_l("This territory does not take part in this round."))
    joined = session.exec(
        select(func.count()).where(
            Participant.round_id == round_.id, Participant.territory_id == territory_id
        )
    ).one()
    if joined:
        raise Conflict(
            ngettext(
                "%(num)d participant has joined from this territory: it can no longer be "
                "removed from the round. Revoke its invite links instead.",
                "%(num)d participants have joined from this territory: it can no longer be "
                "removed from the round. Revoke its invite links instead.",
                joined,
            )
        )
    session.execute(
        delete(Invite).where(
            col(Invite.round_id) == round_.id, col(Invite.territory_id) == territory_id
        )
    )
    session.delete(link)
    territory = session.get(Territory, territory_id)
    _record(
        session,
        round_,
        user,
        AuditAction.ROUND_TERRITORY_DETACH,
        target_kind=TargetKind.TERRITORY,
        target_id=territory_id,
        slug=territory.slug if territory is not None else None,
    )
    session.flush()


def round_invites(session: Session, round_: Round) -> list[tuple[Invite, Territory]]:
    """The round's invite links with their territories, oldest first."""
    rows = session.exec(
        select(Invite, Territory)
        .join(Territory, col(Territory.id) == Invite.territory_id)
        .where(Invite.round_id == round_.id)
        .order_by(col(Invite.id))
    )
    return [(invite, territory) for invite, territory in rows]


def poster_invites(
    session: Session,
    round_: Round,
    *,
    invite_id: int | None = None,
    territory_id: int | None = None,
) -> list[tuple[Invite, Territory]]:
    """The round's links that still admit people, with their territories, to print on posters:
    the one invite ``invite_id``, or every link of ``territory_id`` that admits more than one
    person. ``NotFound`` when there is none (a revoked or unknown link, a territory without
    such a link)."""
    rows = [
        (invite, territory)
        for invite, territory in round_invites(session, round_)
        if invite.revoked_at is None
        and (invite_id is None or invite.id == invite_id)
        and (
            territory_id is None or (invite.territory_id == territory_id and not invite.single_use)
        )
    ]
    if not rows:
        raise NotFound(_l("There is no active invite link to print here."))
    return rows


def create_round_invite(
    session: Session,
    *,
    round_: Round,
    user: User,
    territory_id: int,
    label: str = "",
    single_use: bool = False,
    max_participants: int | None = None,
) -> Invite:
    """A new invite link to ``round_`` in one of its territories."""
    require_facilitator(session, round_, user)
    if max_participants is not None and not 1 <= max_participants <= MAX_COUNT:
        raise FieldInvalid(_l("At least 1."), field="max_participants")
    if has_control_characters(label):
        raise FieldInvalid(_l("The label holds a character that is not allowed."), field="label")
    invite = invites.create_invite(
        session,
        round_=round_,
        territory_id=territory_id,
        label=label.strip(),
        single_use=single_use,
        max_participants=max_participants,
    )
    _record(
        session,
        round_,
        user,
        AuditAction.INVITE_CREATE,
        target_kind=TargetKind.INVITE,
        target_id=invite.id,
        territory_id=territory_id,
        label=invite.label,
        single_use=single_use,
        max_participants=max_participants,
    )
    return invite


def create_single_use_invites(
    session: Session, *, round_: Round, user: User, fields: InviteBatchInput
) -> list[Invite]:
    """``fields.count`` new single-use invites to ``round_`` in one of its territories (for
    decisions that only participants with such an invite vote in); one audit entry.

    Raises:
        Invalid: the territory does not take part in the round.
    """
    require_facilitator(session, round_, user)
    made = [
        invites.create_invite(
            session,
            round_=round_,
            territory_id=fields.territory_id,
            label=fields.label.strip(),
            single_use=True,
        )
        for _ in range(fields.count)
    ]
    _record(
        session,
        round_,
        user,
        AuditAction.INVITE_CREATE,
        target_kind=TargetKind.INVITE,
        target_id=made[0].id,
        territory_id=fields.territory_id,
        label=fields.label.strip(),
        single_use=True,
        count=fields.count,
    )
    return made


def unused_single_use_invites(
    session: Session, round_: Round, territory_id: int | None = None
) -> list[tuple[Invite, Territory]]:
    """The round's single-use invites nobody used yet and nobody revoked, with their
    territories (only ``territory_id``'s when given), oldest first."""
    statement = (
        select(Invite, Territory)
        .join(Territory, col(Territory.id) == Invite.territory_id)
        .where(
            Invite.round_id == round_.id,
            col(Invite.single_use).is_(True),
            Invite.uses == 0,
            col(Invite.revoked_at).is_(None),
        )
        .order_by(col(Invite.id))
    )
    if territory_id is not None:
        statement = statement.where(Invite.territory_id == territory_id)
    return [(invite, territory) for invite, territory in session.exec(statement)]


def revoke_round_invite(session: Session, *, round_: Round, user: User, invite_id: int) -> Invite:
    """Withdraw an invite link of ``round_``: it admits nobody any more."""
    require_facilitator(session, round_, user)
    invite = session.get(Invite, invite_id)
    if invite is None or invite.round_id != round_.id:
        raise NotFound(_l("This invite link does not exist in this round."))
    if invite.revoked_at is not None:
        raise Conflict(_l("This invite link is already revoked."))
    _record(
        session,
        round_,
        user,
        AuditAction.INVITE_REVOKE,
        target_kind=TargetKind.INVITE,
        target_id=invite.id,
        label=invite.label,
    )
    invites.revoke_invite(session, invite)
    return invite


def round_log(
    session: Session, *, round_: Round, user: User | None, page: int = 1
) -> audit.LogPage:
    """One page of the round's audit log, newest first, for its facilitators."""
    require_facilitator(session, round_, user)
    return audit.round_entries(session, round_=round_, page=page)
