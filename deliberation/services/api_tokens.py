"""Council API tokens: created by the council's owners (and admins), shown once, stored as
their SHA-256, scoped ``read`` or ``respond``, revocable. Creations and revocations are in the
audit log, on the council."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, NotFound
from deliberation.messages import lazy_message
from deliberation.models import ApiToken, AuditAction, Council, TargetKind, TokenScope, User
from deliberation.services import audit, ownership
from deliberation.services.validation import FieldInvalid

PREFIX = "plb_"
SHOWN_PREFIX = 12  # characters of a token kept in clear, to tell tokens apart in a list
MAX_LABEL = 120


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret, which exists only here: show it once, never store it."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def council_tokens(session: Session, *, council: Council, user: User) -> list[ApiToken]:
    """The council's tokens, newest first (its owners only)."""
    assert council.id is not None
    ownership.require_owner(session, ownership.COUNCIL, council.id, user)
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.council_id == council.id)
            .order_by(col(ApiToken.id).desc())
        )
    )


def create_token(
    session: Session, *, council: Council, user: User, label: str, scope: TokenScope
) -> IssuedToken:
    """A new token of ``council`` (its owners only)."""
    assert council.id is not None
    ownership.require_owner(session, ownership.COUNCIL, council.id, user)
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        raise FieldInvalid(
            lazy_message("A label of 1 to %(max)d characters.", max=MAX_LABEL), field="label"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        council_id=council.id,
        label=label,
        scope=scope,
        token_hash=token_hash(secret),
        prefix=secret[:SHOWN_PREFIX],
        created_by_id=user.id,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=user,
        action=AuditAction.COUNCIL_TOKEN_CREATE,
        target_kind=TargetKind.COUNCIL,
        target_id=council.id,
        details={"token_id": token.id, "label": label, "scope": scope, "prefix": token.prefix},
    )
    return IssuedToken(token, secret)


def revoke_token(session: Session, *, council: Council, user: User, token_id: int) -> ApiToken:
    """Revoke a token of ``council`` (its owners only); it authenticates nothing afterwards."""
    assert council.id is not None
    ownership.require_owner(session, ownership.COUNCIL, council.id, user)
    token = session.get(ApiToken, token_id)
    if token is None or token.council_id != council.id:
        raise NotFound(_l("This council has no such token."))
    if token.revoked_at is not None:
        raise Conflict(_l("This token is already revoked."))
    token.revoked_at = utcnow()
    session.add(token)
    audit.record(
        session,
        actor=user,
        action=AuditAction.COUNCIL_TOKEN_REVOKE,
        target_kind=TargetKind.COUNCIL,
        target_id=council.id,
        details={"token_id": token.id, "label": token.label, "prefix": token.prefix},
    )
    return token


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live (unrevoked) token whose secret is ``secret``, else None."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).first()
    if token is None or token.revoked_at is not None:
        return None
    return token
