"""Invite links: a signed token naming an invite row, which can be revoked or capped."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session

from deliberation.clock import utcnow
from deliberation.errors import Forbidden, Invalid, NotFound
from deliberation.models import Invite, Round, RoundTerritory


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="palabre.invite")


def invite_token(invite: Invite) -> str:
    """The opaque token put in the invite URL."""
    return str(_serializer().dumps([invite.id, invite.key]))


def create_invite(
    session: Session,
    *,
    round_: Round,
    territory_id: int,
    label: str = "",
    single_use: bool = False,
    max_participants: int | None = None,
) -> Invite:
    """A new invite link for ``round_`` in one of its territories."""
    if session.get(RoundTerritory, (round_.id, territory_id)) is None:
        raise Invalid(_l("This territory does not take part in this round."))
    invite = Invite(
        round_id=round_.id,  # type: ignore[arg-type]
        territory_id=territory_id,
        key=secrets.token_urlsafe(12),
        label=label,
        single_use=single_use,
        max_participants=max_participants,
    )
    session.add(invite)
    session.flush()
    return invite


def revoke_invite(session: Session, invite: Invite) -> None:
    invite.revoked_at = invite.revoked_at or utcnow()
    session.add(invite)
    session.flush()


def resolve_invite(session: Session, token: str) -> Invite:
    """The invite a token names; 404 when the signature is wrong, 403 when it is unusable."""
    try:
        invite_id, key = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise NotFound(_l("This invite link is not valid.")) from error
    invite = session.get(Invite, invite_id) if isinstance(invite_id, int) else None
    if invite is None or not secrets.compare_digest(invite.key, str(key)):
        raise NotFound(_l("This invite link is not valid."))
    if invite.revoked_at is not None:
        raise Forbidden(_l("This invite link has been withdrawn by the facilitators."))
    return invite


def check_capacity(invite: Invite) -> None:
    """Raise ``Forbidden`` when the invite cannot admit one more participant (clear message;
    ``join_round`` enforces the same rule atomically)."""
    if invite.single_use and invite.uses >= 1:
        raise Forbidden(_l("This invite link has already been used."))
    if invite.max_participants is not None and invite.uses >= invite.max_participants:
        raise Forbidden(_l("This invite link has reached its number of participants."))
