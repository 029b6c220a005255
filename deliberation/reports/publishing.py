"""Publishing the report: each publication freezes a new version of the outcome document.

A version is never changed: its document, its SHA-256 (``canonical``), who published it and
when. The first publication moves the round to ``reported`` (audit-logged like any phase
change); publishing again makes the next version, and every version stays readable.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from deliberation.clock import utcnow
from deliberation.errors import Conflict, NotFound
from deliberation.models import (
    AuditAction,
    Council,
    CouncilResponse,
    Phase,
    ReportVersion,
    Round,
    TargetKind,
    User,
)
from deliberation.opinions.stored import current_snapshot
from deliberation.reports.canonical import sha256
from deliberation.reports.document import build_document, response_entry
from deliberation.reports.links import version_links
from deliberation.reports.outcomes import addressed_councils, require_composing, round_outcomes
from deliberation.services import audit
from deliberation.services.rounds import require_facilitator


def publish_report(session: Session, *, round_: Round, user: User, commit: str) -> ReportVersion:
    """Freeze the next version of ``round_``'s report and move the round to ``reported``.

    Raises ``Forbidden`` unless ``user`` facilitates the round, ``Conflict`` before the round is
    closed, without an opinion map, or when another publication took the same number first.
    ``commit`` is the software's commit, written in the document's provenance."""
    require_facilitator(session, round_, user)
    require_composing(round_)
    snapshot = current_snapshot(session, round_)
    if snapshot is None:
        raise Conflict(_l("The round has no opinion map yet: there is nothing to report."))
    last = session.exec(
        select(func.max(ReportVersion.number)).where(ReportVersion.round_id == round_.id)
    ).one()
    outcomes = round_outcomes(session, round_)
    addressed = addressed_councils(session, outcomes)
    now = utcnow()
    version = ReportVersion(
        round_id=round_.id,  # type: ignore[arg-type]
        number=(last or 0) + 1,
        sha256="",
        published_by_id=user.id,
        published_at=now,
    )
    session.add(version)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(_l("Another version was published at the same time; try again.")) from error
    councils = sorted({c.slug for found in addressed.values() for c in found})
    document = build_document(
        session,
        round_,
        publisher=user,
        snapshot=snapshot,
        outcomes=outcomes,
        addressed=addressed,
        package_id=version.id,  # type: ignore[arg-type]
        generated_at=now,
        links=version_links(round_.slug, version.number, councils),
        commit=commit,
    )
    version.document = document
    version.sha256 = sha256(document)
    session.add(version)
    if round_.phase != Phase.REPORTED:
        before = round_.phase
        round_.phase = Phase.REPORTED
        session.add(round_)
        audit.record(
            session,
            actor=user,
            action=AuditAction.ROUND_PHASE,
            target_kind=TargetKind.ROUND,
            target_id=round_.id,
            round_=round_,
            details={"phase": [before, Phase.REPORTED], "by": "publication"},
        )
    audit.record(
        session,
        actor=user,
        action=AuditAction.REPORT_PUBLISH,
        target_kind=TargetKind.REPORT,
        target_id=version.id,
        round_=round_,
        details={"version": version.number, "sha256": version.sha256},
    )
    session.flush()
    return version


def versions_query(round_: Round) -> SelectOfScalar[ReportVersion]:
    """The round's published versions, newest first."""
    return (
        select(ReportVersion)
        .where(ReportVersion.round_id == round_.id)
        .order_by(col(ReportVersion.number).desc())
    )


def round_versions(session: Session, round_: Round) -> list[ReportVersion]:
    """The round's published versions, newest first."""
    return list(session.exec(versions_query(round_)))


def published_outcomes(session: Session, round_: Round) -> list[dict[str, Any]]:
    """The outcomes of the round's latest published version as its document writes them
    (``outcomes[]``); none before its first publication (outcomes being composed are not
    published)."""
    version = session.exec(versions_query(round_).limit(1)).first()
    return list(version.document.get("outcomes", [])) if version is not None else []


def get_version(session: Session, round_: Round, number: int | None = None) -> ReportVersion:
    """Version ``number`` of the round's report, or the latest; ``NotFound`` if none."""
    query = select(ReportVersion).where(ReportVersion.round_id == round_.id)
    if number is None:
        query = query.order_by(col(ReportVersion.number).desc()).limit(1)
    else:
        query = query.where(ReportVersion.number == number)
    version = session.exec(query).first()
    if version is None:
        raise NotFound(_l("This report has not been published."))
    return version


def later_responses(session: Session, version: ReportVersion) -> list[dict[str, Any]]:
    """Council answers to the outcomes of ``version`` recorded after it was published (not in
    its frozen document; the next version carries them), oldest first, in the document's
    shape."""
    outcomes = [int(o["id"].removeprefix("out:")) for o in version.document.get("outcomes", [])]
    return [
        response_entry(response, council)
        for response, council in session.exec(
            select(CouncilResponse, Council)
            .join(Council, col(Council.id) == CouncilResponse.council_id)
            .where(
                col(CouncilResponse.outcome_id).in_(outcomes),
                col(CouncilResponse.created_at) > version.published_at,
            )
            .order_by(col(CouncilResponse.id))
        )
    ]


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: ``kind`` is ``same``, ``removed``, ``added`` or ``gap``
    (unchanged lines left out), ``old`` and ``new`` its line numbers in each document."""

    kind: str
    text: str
    old: int | None
    new: int | None


def _lines(document: Mapping[str, Any]) -> list[str]:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2).splitlines()


def compare(
    older: Mapping[str, Any], newer: Mapping[str, Any], *, context: int = 3
) -> Iterator[DiffLine]:
    """The differences between two documents, as lines of their indented JSON (sorted keys),
    with ``context`` unchanged lines around each change."""
    before, after = _lines(older), _lines(newer)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for number, group in enumerate(matcher.get_grouped_opcodes(context)):
        if number:
            yield DiffLine("gap", "…", None, None)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset in range(i2 - i1):
                    yield DiffLine("same", before[i1 + offset], i1 + offset + 1, j1 + offset + 1)
                continue
            for i in range(i1, i2):
                yield DiffLine("removed", before[i], i + 1, None)
            for j in range(j1, j2):
                yield DiffLine("added", after[j], None, j + 1)
