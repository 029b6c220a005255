"""Markup and htmx attributes typed into any field never become markup on any page (issue 8).

Nothing here lists the app's forms, fields, pages or templates by hand. The forms are every
``FlaskForm`` subclass of ``deliberation.forms``: each must have a submission below (or the
test fails), and every field a person can type into is filled with ``PAYLOAD`` (the proposal
forms refuse markup: what they store is ``PLAIN``, and the world holds a proposal, an amendment,
a display name and decisions with the payload, stored directly). The pages are
``app.url_map``: every GET route is fetched as a facilitator, a participant and a stranger,
as a full page and as an htmx fragment, with the payload in its query string; every POST route
receives the payload in every field name the forms know. Every template must have been
rendered by the end. Each HTML answer is parsed: no element or ``hx-`` attribute may come
from the payload, participant text sits inside ``hx-disable``, and no htmx control does.
"""

from __future__ import annotations

import csv
import importlib
import io
import pkgutil
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse
from wtforms import HiddenField, StringField

import deliberation.forms
from deliberation.clock import utcnow
from deliberation.decisions import worker
from deliberation.decisions.service import close_decision, open_decision
from deliberation.forms.proposals import (
    AmendmentForm,
    AmendmentTranslationForm,
    EditProposalForm,
    HideForm,
    MergeForm,
    NewProposalForm,
    ProposalTranslationForm,
    RejectAmendmentForm,
)
from deliberation.models import (
    Amendment,
    ApiToken,
    CoauthorInvite,
    Council,
    CouncilClerk,
    Decision,
    DecisionOption,
    DisplayName,
    Invite,
    NotificationSubscription,
    Outcome,
    Participant,
    Phase,
    Proposal,
    Role,
    Round,
    Statement,
    StatementStatus,
    Territory,
    TerritoryTwin,
    TextKind,
    TokenScope,
    Translation,
    TranslationOrigin,
    User,
)
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.polis.importer import import_polis
from deliberation.proposals.drafting import coauthor_token
from deliberation.services import accounts, audit
from deliberation.services.invites import invite_token
from deliberation.services.notifications import stop_token
from deliberation.services.participation import issue_session_key
from deliberation.template_inlining import InliningLoader
from deliberation.translations.texts import set_human_translation
from tests.factories import (
    PASSWORD,
    make_decision,
    make_invite,
    make_participant,
    make_proposal,
    make_round,
    make_territory,
    make_token,
    make_user,
    sign_in_as,
)

ROOT = Path(__file__).resolve().parents[2]
BG2050 = ROOT / "tests" / "data" / "polis" / "bg2050-volunteers"
TAG = "x-pwn"
PAYLOAD = f'<{TAG} hx-post="/x-pwn-request" hx-trigger=\'load\'>"&amp;</{TAG}>'
# The payload less its tags, for the fields that refuse markup (proposals): what they store.
PLAIN = f'{TAG} hx-post="/x-pwn-request" "&amp; < > x'
# The payload for columns of 60 characters (display names): the same element, attribute and
# entity, without the trigger.
SHORT = f'<{TAG} hx-post="/x-pwn-request">"&amp;</{TAG}>'
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
# Text in these is never parsed as elements (title, textarea) or sits in a control's own
# label (an <a> or <button> is the control; hx-disable there would disable it).
TEXT_ONLY = {"title", "textarea", "option", "a", "button", "label"}
HTMX_REQUESTS = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}


class _Page(HTMLParser):
    """What the payload became in one HTML answer: elements, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.problems: list[str] = []
        self.shown = False

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        names = {name for name, _ in attrs}
        disabled = "hx-disable" in names
        if tag == TAG:
            self.problems.append(f"an injected <{TAG}> element at {self.getpos()}")
        for name, value in attrs:
            if name.startswith("hx-") and "/x-pwn-request" in (value or ""):
                self.problems.append(f"an injected {name} attribute at {self.getpos()}")
        if names & HTMX_REQUESTS and (disabled or any(d for _, d in self.stack)):
            self.problems.append(f"an htmx control <{tag}> inside hx-disable at {self.getpos()}")
        return disabled

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        disabled = self._check(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, disabled))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if TAG not in data:
            return
        self.shown = True
        if any(disabled or tag in TEXT_ONLY for tag, disabled in self.stack):
            return
        where = " > ".join(tag for tag, _ in self.stack)
        self.problems.append(f"payload text outside hx-disable in {where}")


def inspect(response: TestResponse) -> _Page:
    """``response`` parsed: what is wrong (a server error, the payload become markup) and
    whether the payload is shown as text."""
    page = _Page()
    with response:
        if response.status_code >= 500:
            page.problems.append(f"status {response.status_code}")
        elif response.mimetype == "text/html":
            page.feed(response.get_data(as_text=True))
            page.close()
    return page


def typeable(form: FlaskForm) -> list[str]:
    """Names of the fields a person types into (every text input, text area, email...)."""
    return [f.name for f in form if isinstance(f, StringField) and not isinstance(f, HiddenField)]


def all_forms() -> list[type[FlaskForm]]:
    """Every FlaskForm subclass defined in ``deliberation.forms`` and its modules."""
    for module in pkgutil.iter_modules(deliberation.forms.__path__):
        importlib.import_module(f"deliberation.forms.{module.name}")

    def subclasses(cls: type[FlaskForm]) -> Iterator[type[FlaskForm]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {c for c in subclasses(FlaskForm) if c.__module__.startswith("deliberation.forms")},
        key=lambda c: c.__name__,
    )


@dataclass
class World:
    app: Flask
    session: Session
    facilitator: FlaskClient
    admin: FlaskClient
    participant: FlaskClient
    stranger: FlaskClient
    clerk: FlaskClient
    me: User
    colleague: User
    newcomer: User
    tmp: Path
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    posted: set[str] = field(default_factory=set)
    typed_names: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)  # every template loaded, includes too

    def post(
        self,
        client: FlaskClient,
        url: str,
        data: dict[str, Any],
        *,
        htmx: bool = False,
        files: bool = False,
    ) -> TestResponse:
        response = client.post(
            url,
            data=data,
            headers={"HX-Request": "true"} if htmx else {},
            content_type="multipart/form-data" if files else None,
        )
        rule, _ = self.app.url_map.bind("localhost").match(
            url.split("?", maxsplit=1)[0], method="POST"
        )
        self.posted.add(str(rule))
        self.problems += [f"POST {url} (htmx={htmx}): {p}" for p in inspect(response).problems]
        return response

    def round(self, slug: str) -> Round:
        self.session.expire_all()
        return self.session.exec(select(Round).where(Round.slug == slug)).one()


@dataclass(frozen=True)
class Submission:
    """One way a form is sent: ``url`` from the world, valid values for the fields that must
    follow a format (``keep``) and for the fields nobody types (``extra``)."""

    url: Callable[[World], str]
    client: str = "facilitator"
    keep: Callable[[World], dict[str, Any]] = lambda _w: {}
    extra: Callable[[World], dict[str, Any]] = lambda _w: {}
    stored: int = 303
    htmx: bool = False


ROUND = {
    "languages": ["en", "fr", "es", "de"],
    "topic": "climate",
    "phase": "draft",
    "moderation_mode": "post",
    "max_statement_length": 280,
    "privacy_k": 1,
    "min_votes_for_map": 1,
}
TERRITORY = {
    "kind": "municipality",
    "iso_3166_2": "",
    "eurostat_lau": "",
    "nuts": "",
    "wikidata": "",
    "twins": "",
}


def _seed_csv(rows: list[list[str]]) -> bytes:
    handle = io.StringIO()
    csv.writer(handle).writerows(rows)
    return handle.getvalue().encode()


def _password_token(w: World) -> str:
    """A fresh one-time set-password link for the newcomer's account."""
    issued = accounts.reset_password(
        w.session, actor=audit.SYSTEM, user=w.newcomer, now=utcnow(), ttl=timedelta(days=1)
    )
    w.session.commit()
    return issued.token


def _translation_id(w: World) -> int:
    w.session.expire_all()
    return int(w.session.exec(select(Translation.id).order_by(col(Translation.id))).first() or 0)


def _round_id(w: World) -> int:
    return int(w.round("pwn-round").id or 0)


def _statement(w: World, *, seed: bool) -> Statement:
    w.session.expire_all()
    return w.session.exec(
        select(Statement)
        .where(Statement.round_id == _round_id(w), Statement.is_seed == seed)
        .order_by(col(Statement.id))
    ).first()  # type: ignore[return-value]


def _drafting(w: World) -> Round:
    """The round in its drafting phase where proposals are written (made on first use), with
    the participant's browser joined to it."""
    if "drafting" not in w.values:
        w.session.expire_all()
        town = w.session.exec(select(Territory).where(Territory.slug == "pwn-town")).one()
        round_ = make_round(
            w.session,
            slug="pwn-drafting",
            title={"en": PAYLOAD},
            question={"en": PAYLOAD},
            framing={"en": PAYLOAD},
            languages=["en", "fr"],
            territories=[town],
            facilitators=[w.me],
            phase=Phase.DRAFTING,
        )
        participant = make_participant(w.session, round_, territory_id=town.id)
        key = issue_session_key(participant)
        w.session.add(participant)
        w.session.add(DisplayName(participant_id=participant.id, name=SHORT))
        w.session.commit()
        # What the forms refuse, stored all the same: a proposal and an amendment of it.
        proposal = make_proposal(
            w.session,
            round_,
            author=participant,
            title=PAYLOAD,
            text=f"{PAYLOAD}\n\n- {PAYLOAD} *{PAYLOAD}*",
        )
        w.session.add(
            Amendment(
                proposal_id=proposal.id,
                base_version=1,
                paragraph=0,
                original=PAYLOAD,
                replacement=f"{PAYLOAD} **{PAYLOAD}**",
                rationale=PAYLOAD,
                participant_id=participant.id,
            )
        )
        # A proposal written in French, its title shown to English readers in a machine
        # translation: the payload as the original and as the translation, with its note.
        french = make_proposal(
            w.session, round_, author=participant, title=PAYLOAD, text=PAYLOAD, language="fr"
        )
        w.session.add(
            Translation(
                round_id=round_.id,
                kind=TextKind.PROPOSAL_TITLE,
                text_id=french.id,
                language="en",
                text=PAYLOAD,
                origin=TranslationOrigin.MACHINE,
                reviewed=False,
                status=StatementStatus.ACCEPTED,
            )
        )
        w.session.commit()
        with w.participant.session_transaction() as browser:
            browser["participants"] = {**browser.get("participants", {}), str(round_.id): key}
        w.values["drafting"] = round_
    return w.values["drafting"]  # type: ignore[no-any-return]


def _proposals(w: World) -> list[Proposal]:
    """The drafting round's proposals, oldest first."""
    round_id = _drafting(w).id
    w.session.expire_all()
    return list(
        w.session.exec(
            select(Proposal).where(Proposal.round_id == round_id).order_by(col(Proposal.id))
        )
    )


def _amendment_id(w: World, *, last: bool = False) -> int:
    """The first proposal's first amendment (the payload's) or its ``last``."""
    proposal_id = _proposals(w)[0].id
    w.session.expire_all()
    amendments = w.session.exec(
        select(Amendment).where(Amendment.proposal_id == proposal_id).order_by(col(Amendment.id))
    ).all()
    return int(amendments[-1 if last else 0].id or 0)


def _plain(w: World, form: type[FlaskForm]) -> dict[str, str]:
    """``PLAIN`` in every typeable field of ``form``, whose fields all refuse markup."""
    with w.app.test_request_context():
        return dict.fromkeys(typeable(form(formdata=None)), PLAIN)


def _closed(w: World) -> Round:
    """A closed round (outcomes are written there) with a Pol.is import and an opinion
    snapshot, made on first use."""
    if "closed" not in w.values:
        w.session.expire_all()
        town = w.session.exec(select(Territory).where(Territory.slug == "pwn-town")).one()
        round_ = make_round(
            w.session,
            slug="pwn-closed",
            title={"en": PAYLOAD},
            question={"en": PAYLOAD},
            framing={"en": PAYLOAD},
            languages=["en", "fr"],
            territories=[town],
            facilitators=[w.me],
            privacy_k=1,
            min_votes_for_map=1,
        )
        import_polis(w.session, round_=round_, folder=BG2050, language="en")
        w.session.commit()
        assert compute_snapshot(w.session, round_) is not None
        w.session.commit()
        round_.phase = Phase.CLOSED
        w.session.add(round_)
        w.session.commit()
        w.values["closed"] = round_
    return w.values["closed"]  # type: ignore[no-any-return]


def _council_id(w: World) -> int:
    w.session.expire_all()
    return int(w.session.exec(select(Council.id).where(Council.slug == "pwn-council")).one() or 0)


def _closed_statement_id(w: World) -> int:
    round_id = _closed(w).id
    w.session.expire_all()
    return int(
        w.session.exec(
            select(Statement.id).where(Statement.round_id == round_id).order_by(col(Statement.id))
        ).first()
        or 0
    )


def _notice_token(w: World) -> str:
    """The stop link's token of the address left on the first round (kept: posting to the
    stop page erases the address)."""
    if "notice_token" not in w.values:
        subscription = w.session.exec(select(NotificationSubscription)).first()
        assert subscription is not None
        w.values["notice_token"] = stop_token(w.app.config["SECRET_KEY"], subscription)
    token: str = w.values["notice_token"]
    return token


def _outcome_id(w: World) -> int:
    w.session.expire_all()
    return int(w.session.exec(select(Outcome.id).order_by(col(Outcome.id))).first() or 0)


def _proposal_url(w: World, tail: str = "") -> str:
    return f"/r/pwn-drafting/proposals/{_proposals(w)[0].id}{tail}"


# Forms nobody sends, each with the reason.
NOT_SENT = {
    "Form": "the base of every form (WTForms' messages translated); it has no fields",
    "InputForm": "the base of the forms built on an input model; it has no fields",
    "PoImportForm": "not sent yet (merged late): a PO file; its route gets the POST sweep",
    "TranslationTaskForm": "not sent yet (merged late): needs a task; its route gets the POST sweep",
}

# In the order they run: each may rely on what the ones before it stored.
SUBMISSIONS: dict[str, list[Submission]] = {
    "SignInForm": [
        Submission(
            url=lambda w: "/auth/sign-in?next=/facilitate/",
            client="stranger",
            keep=lambda w: {"email": w.me.email},
            stored=422,
        )
    ],
    "RoundForm": [
        Submission(
            url=lambda w: "/facilitate/rounds/new",
            keep=lambda w: {"slug": "pwn-round", "time_zone": "Europe/Paris"},
            extra=lambda w: ROUND,
        ),
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/edit",
            keep=lambda w: {"slug": "pwn-round", "time_zone": "Europe/Paris"},
            extra=lambda w: ROUND,
        ),
    ],
    "TerritoryForm": [
        Submission(
            url=lambda w: "/facilitate/territories/new",
            keep=lambda w: {"slug": "pwn-town", **TERRITORY},
        ),
        Submission(
            url=lambda w: f"/facilitate/territories/{w.values['territory_id']}/edit",
            keep=lambda w: {"slug": "pwn-town", **TERRITORY},
        ),
    ],
    "AttachTerritoryForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/territories",
            keep=lambda w: {"territory": "pwn-town"},
            extra=lambda w: {"weight": "2"},
        )
    ],
    "PhaseForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/phase",
            extra=lambda w: {"phase": "open", "confirmed": "yes"},
        ),
        # Without the confirmation: the page saying what the change closes and opens.
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/phase",
            extra=lambda w: {"phase": "drafting"},
            stored=200,
        ),
    ],
    "FacilitatorForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/facilitators",
            keep=lambda w: {"email": w.colleague.email},
        )
    ],
    "OwnerForm": [
        Submission(
            url=lambda w: f"/facilitate/territories/{w.values['territory_id']}/owners",
            keep=lambda w: {"email": w.colleague.email},
        )
    ],
    "AccountInviteForm": [
        Submission(
            url=lambda w: "/admin/accounts",
            client="admin",
            keep=lambda w: {"email": "ben@example.org"},
            extra=lambda w: {"role": "facilitator"},
            stored=201,
        )
    ],
    "RoleForm": [
        Submission(
            url=lambda w: f"/admin/accounts/{w.colleague.id}/role",
            client="admin",
            extra=lambda w: {"role": "admin"},
        )
    ],
    "SetPasswordForm": [
        Submission(
            url=lambda w: f"/auth/set-password/{_password_token(w)}",
            client="stranger",
        )
    ],
    "ChangePasswordForm": [
        Submission(url=lambda w: "/auth/password", keep=lambda w: {"current_password": PASSWORD})
    ],
    "InviteForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/invites",
            extra=lambda w: {"territory_id": w.values["territory_id"], "max_participants": "9"},
        )
    ],
    "InviteBatchForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/invites/single-use",
            extra=lambda w: {"batch-territory_id": w.values["territory_id"], "batch-count": "2"},
        )
    ],
    "DecisionForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/decisions/new",
            keep=lambda w: {"opens_at": "", "closes_at": ""},
            extra=lambda w: {
                "method": "approval",
                "eligibility": "joined",
                "setting_weighting": "none",
                "setting_min_territory_ballots": "0",
                "setting_quorum_ballots": "0",
                "setting_quorum_share": "0",
            },
        )
    ],
    "SeedForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/statements",
            extra=lambda w: {"language": "en"},
        )
    ],
    "SeedImportForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/statements/import",
            extra=lambda w: {
                "file": (
                    io.BytesIO(_seed_csv([["text", "language"], [f"{PAYLOAD} imported", "fr"]])),
                    "seeds.csv",
                )
            },
        )
    ],
    "TranslationForm": [
        Submission(
            url=lambda w: (
                f"/facilitate/rounds/{_round_id(w)}/statements/"
                f"{_statement(w, seed=True).id}/translations"
            ),
            keep=lambda w: {"language": "de"},
        )
    ],
    "TranslationModerationForm": [
        Submission(
            url=lambda w: (
                f"/facilitate/rounds/{_round_id(w)}/translations/{_translation_id(w)}/moderate"
            ),
            extra=lambda w: {"action": "reject"},
        )
    ],
    "JoinForm": [
        Submission(
            url=lambda w: f"/join/{w.values['token']}",
            client="participant",
            extra=lambda w: {"language": "fr", "accept": "y"},
        )
    ],
    "NoticeForm": [
        Submission(
            url=lambda w: "/r/pwn-round/privacy",
            client="participant",
            extra=lambda w: {"accept": "y"},
        )
    ],
    "ReadingForm": [
        Submission(
            url=lambda w: "/r/pwn-round/languages",
            client="participant",
            extra=lambda w: {"reads": ["fr", "en"], "translates": "y"},
        )
    ],
    "StatementForm": [
        Submission(
            url=lambda w: "/r/pwn-round/statements",
            client="participant",
            extra=lambda w: {"confirm_duplicate": "y"},
        )
    ],
    "StatementLanguageForm": [
        Submission(
            url=lambda w: f"/r/pwn-round/statements/{_statement(w, seed=False).id}/language",
            client="participant",
            extra=lambda w: {"language": "en"},
        )
    ],
    "ModerationForm": [
        Submission(
            url=lambda w: (
                f"/facilitate/rounds/{_round_id(w)}/moderation/{_statement(w, seed=False).id}"
            ),
            extra=lambda w: {"action": "reject"},
            htmx=True,
            stored=200,
        )
    ],
    "BulkModerationForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_round_id(w)}/moderation/bulk",
            extra=lambda w: {"action": "meta", "statement_ids": [_statement(w, seed=True).id]},
        )
    ],
    # The drafting round holds a proposal with the payload (made with the round); two more
    # are written, one edited, both merged; the first is amended and the amendment rejected.
    "NewProposalForm": [
        Submission(
            url=lambda w: f"/r/{_drafting(w).slug}/proposals/new",
            client="participant",
            keep=lambda w: _plain(w, NewProposalForm),
            extra=lambda w: {"language": "en"},
        )
    ]
    * 2,
    "EditProposalForm": [
        Submission(
            url=lambda w: f"/r/pwn-drafting/proposals/{_proposals(w)[1].id}/edit",
            client="participant",
            keep=lambda w: {**_plain(w, EditProposalForm), "text": f"{PLAIN}\n\n{PLAIN}"},
            extra=lambda w: {"base_version": str(_proposals(w)[1].version)},
        )
    ],
    "AmendmentForm": [
        Submission(
            url=lambda w: _proposal_url(w, "/amendments/new"),
            client="participant",
            keep=lambda w: _plain(w, AmendmentForm),
            extra=lambda w: {"paragraph": "0"},
        )
    ],
    "RejectAmendmentForm": [
        Submission(
            url=lambda w: _proposal_url(w, f"/amendments/{_amendment_id(w, last=True)}/reject"),
            client="participant",
            keep=lambda w: _plain(w, RejectAmendmentForm),
        )
    ],
    # The facilitator translates the first proposal (markup refused: the plain payload is
    # stored and shown to French readers).
    "ProposalTranslationForm": [
        Submission(
            url=lambda w: _proposal_url(w, "/translations"),
            keep=lambda w: _plain(w, ProposalTranslationForm),
            extra=lambda w: {"language": "fr"},
        )
    ],
    # The facilitator translates the first amendment (the payload's) the same way.
    "AmendmentTranslationForm": [
        Submission(
            url=lambda w: _proposal_url(w, f"/amendments/{_amendment_id(w)}/translations"),
            keep=lambda w: _plain(w, AmendmentTranslationForm),
            extra=lambda w: {"language": "fr"},
        )
    ],
    "MergeForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_drafting(w).id}/proposals",
            keep=lambda w: _plain(w, MergeForm),
            extra=lambda w: {
                "first": str(_proposals(w)[1].id),
                "second": str(_proposals(w)[2].id),
                "language": "fr",
            },
        )
    ],
    # The last amendment hidden by a facilitator with a reason (markup refused: the plain
    # payload is stored and shown in the amendment's place).
    "HideForm": [
        Submission(
            url=lambda w: (
                f"/facilitate/rounds/{_drafting(w).id}/moderation/drafting/amendment/"
                f"{_amendment_id(w, last=True)}"
            ),
            keep=lambda w: _plain(w, HideForm),
            extra=lambda w: {"action": "hide"},
        )
    ],
    "ProposalImportForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_drafting(w).id}/proposals/import",
            extra=lambda w: {
                "file": (
                    io.BytesIO(
                        _seed_csv(
                            [
                                ["title", "text", "language", "statements"],
                                [f"{PLAIN} imported", f"{PLAIN} imported text", "en", ""],
                            ]
                        )
                    ),
                    "proposals.csv",
                )
            },
        )
    ],
    # A council named with the payload (created, then edited), its token and a clerk; an
    # outcome of the closed round addressed to it, and the clerk's answer.
    "CouncilForm": [
        Submission(
            url=lambda w: "/facilitate/councils/new",
            keep=lambda w: {"slug": "pwn-council", "territory": "pwn-town", **COUNCIL},
        ),
        Submission(
            url=lambda w: f"/facilitate/councils/{_council_id(w)}/edit",
            keep=lambda w: {"slug": "pwn-council", "territory": "pwn-town", **COUNCIL},
        ),
    ],
    "TokenForm": [
        Submission(
            url=lambda w: f"/facilitate/councils/{_council_id(w)}/tokens",
            extra=lambda w: {"scope": "respond"},
            stored=201,
        )
    ],
    "ClerkForm": [
        Submission(
            url=lambda w: f"/facilitate/councils/{_council_id(w)}/clerks",
            keep=lambda w: {"email": "clerk2@example.org"},
            stored=201,
        )
    ],
    "OutcomeForm": [
        Submission(
            url=lambda w: f"/facilitate/rounds/{_closed(w).id}/outcomes",
            extra=lambda w: {
                "kind": "recommendation",
                "language": "en",
                "council_ids": [str(_council_id(w))],
                "statement_ids": [str(_closed_statement_id(w))],
            },
        )
    ],
    "OutcomeTranslationForm": [
        Submission(
            url=lambda w: (
                f"/facilitate/rounds/{_closed(w).id}/outcomes/{_outcome_id(w)}/translations"
            ),
            extra=lambda w: {"language": "fr"},
        )
    ],
    "EmailNoticeForm": [
        Submission(
            url=lambda w: "/r/pwn-round/notices",
            client="participant",
            keep=lambda w: {"email": "pwn@example.org"},
        )
    ],
    "CouncilResponseForm": [
        Submission(
            url=lambda w: f"/inbox/outcomes/{_outcome_id(w)}",
            client="clerk",
            keep=lambda w: {"reference_url": ""},
            extra=lambda w: {
                "decision": "partially_accepted",
                "reason_language": "en",
                "implementation_status": "",
            },
        )
    ],
}
COUNCIL = {"oparl_body": "", "website": "", "wikidata": ""}


def _submit(w: World, form: type[FlaskForm], how: Submission) -> None:
    client = getattr(w, how.client)
    with w.app.test_request_context():
        names = typeable(form(formdata=None))
    w.typed_names.update(names)
    keep = how.keep(w)
    url = how.url(w)
    files = form.__name__ in {"SeedImportForm", "ProposalImportForm"}
    stored = {**how.extra(w), **keep, **{n: PAYLOAD for n in names if n not in keep}}
    response = w.post(client, url, stored, htmx=how.htmx, files=files)
    errors = re.findall(r'class="error"[^>]*>([^<]*)', response.text)
    assert response.status_code == how.stored, (form.__name__, url, errors)
    for htmx in (False, True):
        refused = {**how.extra(w), **dict.fromkeys(names, PAYLOAD)}
        w.post(client, url, refused, htmx=htmx, files=files)


def _after_forms(w: World) -> None:
    """What the forms cannot do: remember ids, vote, and a second round from a Pol.is import
    whose comments and territory carry the payload, with an opinion map."""
    w.session.expire_all()
    territory = w.session.exec(select(Territory).where(Territory.slug == "pwn-town")).one()
    asker = make_territory(w.session, slug="pwn-asker", names={"en": PAYLOAD})
    low, high = sorted((int(territory.id or 0), int(asker.id or 0)))
    w.session.add(TerritoryTwin(territory_id=low, twin_id=high, requested_by=asker.id))
    w.session.commit()
    w.values["asking_id"] = asker.id
    first = w.round("pwn-round")
    statement = _statement(w, seed=True)
    w.post(
        w.participant,
        "/r/pwn-round/vote",
        {"statement_id": statement.id, "vote": "agree"},
        htmx=True,
    )
    w.post(w.participant, f"/r/pwn-round/my-votes/{statement.id}", {"vote": "pass"}, htmx=True)
    w.post(w.participant, f"/r/pwn-round/my-votes/{statement.id}", {"vote": "agree"})
    folder = w.tmp / "polis"
    shutil.copytree(BG2050, folder)
    with (BG2050 / "comments.csv").open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    with (folder / "comments.csv").open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "comment-body": f"{PAYLOAD} {row['comment-body']}"})
    second = make_round(
        w.session,
        slug="pwn-polis",
        title={"en": PAYLOAD},
        question={"en": PAYLOAD},
        framing={"en": PAYLOAD},
        languages=["en"],
        territories=[territory],
        facilitators=[w.me],
        privacy_k=1,
        min_votes_for_map=1,
    )
    import_polis(w.session, round_=second, folder=folder, language="en")
    w.session.commit()
    assert compute_snapshot(w.session, second) is not None
    w.session.commit()
    someone = w.session.exec(select(Participant).where(Participant.round_id == second.id)).first()
    assert someone is not None
    with w.participant.session_transaction() as browser:
        browser["participants"] = {**browser["participants"], str(second.id): someone.id}
    invite = w.session.exec(select(Invite).where(Invite.round_id == first.id)).first()
    assert invite is not None
    drafting = _drafting(w)
    proposal = _proposals(w)[0]
    w.post(w.participant, _proposal_url(w, "/coauthor-links"), {})
    w.session.expire_all()
    coauthor = w.session.exec(
        select(CoauthorInvite).where(CoauthorInvite.proposal_id == proposal.id)
    ).first()
    assert coauthor is not None
    made = w.post(w.participant, f"/r/{drafting.slug}/return-link", {})
    return_key = re.search(r'/return/([^"]+)"', made.text)
    assert return_key is not None
    # A decision of each round, its options' titles and texts the payload: a draft (first
    # round), a closed and counted one with receipts (second) and an open one (drafting).
    decisions = {
        first.id: _decision(w, first, status="draft"),
        second.id: _decision(w, second, status="closed"),
        drafting.id: _decision(w, drafting, status="open"),
    }
    w.values.update(
        coauthor_token=_coauthor_token(w, coauthor),
        return_key=return_key.group(1),
        proposal_id=proposal.id,
        amendment_id=_amendment_id(w),
        decisions=decisions,
    )
    closed = _closed(w)
    for _ in range(2):  # two versions of its report, compared
        w.post(w.facilitator, f"/facilitate/rounds/{closed.id}/publish", {})
    w.session.expire_all()
    token = w.session.exec(select(ApiToken).order_by(col(ApiToken.id))).first()
    assert token is not None
    decisions[closed.id] = decisions[second.id]
    w.values.update(
        council_id=_council_id(w),
        token_id=token.id,
        outcome_id=_outcome_id(w),
        api_secret=make_token(
            w.session, council=w.session.get_one(Council, _council_id(w)), scope=TokenScope.RESPOND
        ),
    )
    w.values.update(
        rounds=[first, second, drafting, closed],
        territory_id=territory.id,
        invite_id=invite.id,
        user_id=w.colleague.id,
        statement_id=statement.id,
        password_token=_password_token(w),
        tokens={
            first.id: w.values["token"],
            second.id: _token(w, make_invite(w.session, second)),
            drafting.id: _token(w, make_invite(w.session, drafting)),
            closed.id: _token(w, make_invite(w.session, closed)),
        },
    )


def _coauthor_token(w: World, invite: CoauthorInvite) -> str:
    with w.app.test_request_context():
        return coauthor_token(invite)


def _decision(w: World, round_: Round, *, status: str) -> tuple[int, int]:
    """A decision of ``round_`` in ``status`` whose title and options, and their translations,
    carry the payload: its id and its first option's id."""
    decision = make_decision(
        w.session, round_, options=[PAYLOAD, f"{PAYLOAD} 2"], title=PAYLOAD, receipts=True
    )
    options = list(
        w.session.exec(
            select(DecisionOption)
            .where(DecisionOption.decision_id == decision.id)
            .order_by(col(DecisionOption.id))
        )
    )
    for option in options:
        option.text = PAYLOAD
        w.session.add(option)
    for language in round_.languages[1:]:  # the title and options read in every language
        for kind, text_id in (
            (TextKind.DECISION_TITLE, decision.id),
            *(
                (kind, o.id)
                for o in options
                for kind in (TextKind.OPTION_TITLE, TextKind.OPTION_TEXT)
            ),
        ):
            set_human_translation(
                w.session,
                round_=round_,
                user=None,
                kind=kind,
                text_id=text_id or 0,
                language=language,
                text=PAYLOAD,
            )
    w.session.commit()
    if status != "draft":
        open_decision(w.session, decision=decision, now=utcnow())
        w.session.commit()
    if status == "closed":
        close_decision(w.session, decision=decision, round_=round_, now=utcnow())
        w.session.commit()
        assert worker.run_once(w.session, now=utcnow()) == 1
    w.session.expire_all()
    assert w.session.get(Decision, decision.id).status == status  # type: ignore[union-attr]
    return int(decision.id or 0), int(options[0].id or 0)


def _token(w: World, invite: Invite) -> str:
    with w.app.test_request_context():
        return invite_token(invite)


def _url(w: World, rule: Rule, round_: Round) -> str:
    """``rule`` built for ``round_`` and the world's ids; fails on an argument it does not know."""
    tokens = {
        "notices.stop": _notice_token(w),
        "auth.set_password": w.values["password_token"],
        "proposals.join_as_coauthor": w.values["coauthor_token"],
    }
    decision_id, option_id = w.values["decisions"][round_.id]
    values = {
        "round_id": round_.id,
        "slug": round_.slug,
        "token": tokens.get(rule.endpoint, w.values["tokens"][round_.id]),
        "territory_id": w.values["territory_id"],
        "invite_id": w.values["invite_id"],
        "user_id": w.values["user_id"],
        "statement_id": w.values["statement_id"],
        "filename": "app.css",
        "language": "fr",
        "translation_id": _translation_id(w),
        "proposal_id": w.values["proposal_id"],
        "amendment_id": w.values["amendment_id"],
        "decision_id": decision_id,
        "option_id": option_id,
        "council_id": w.values["council_id"],
        "token_id": w.values["token_id"],
        "outcome_id": w.values["outcome_id"],
        "number": 1,
        "council": "pwn-council",
        "name": "swagger-ui.css",
        "key": w.values["return_key"],
        "kind": "proposal",
        "target_id": w.values["proposal_id"],
        "asking_id": w.values["asking_id"],
    }
    if rule.endpoint.startswith("api."):  # the API names objects by their document ids
        values |= {
            "round_id": f"rnd:{round_.slug}",
            "territory_id": "ter:pwn-town",
            "outcome_id": f"out:{w.values['outcome_id']}",
            "decision_id": f"dec:{decision_id}",
        }
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule}: give the test a value for {sorted(missing)}"
    with w.app.test_request_context():
        return w.app.url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})


@pytest.fixture
def world(app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    loaded: set[str] = set()
    # Includes as Jinja runs them, each partial fetched when it is rendered (inlined, a partial
    # is read once with its page, rendered or not): the same markup (test_template_inlining).
    loader = app.jinja_env.loader
    assert isinstance(loader, InliningLoader)
    monkeypatch.setattr(app.jinja_env, "loader", loader.loader)
    get_template = app.jinja_env.get_template

    def recording(name: Any, *args: Any, **kwargs: Any) -> Any:
        loaded.add(str(name))
        return get_template(name, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "get_template", recording)
    me = make_user(session, email="me@example.org")
    facilitator = app.test_client()
    sign_in_as(facilitator, me)
    admin = app.test_client()
    sign_in_as(admin, make_user(session, email="admin@example.org", role=Role.ADMIN))
    clerk = app.test_client()
    sign_in_as(clerk, make_user(session, email="clerk@example.org", role=Role.COUNCIL))
    w = World(
        app=app,
        session=session,
        facilitator=facilitator,
        admin=admin,
        participant=app.test_client(),
        stranger=app.test_client(),
        clerk=clerk,
        me=me,
        colleague=make_user(session, email="ana@example.org"),
        newcomer=make_user(session, email="new@example.org"),
        tmp=tmp_path,
        templates=loaded,
    )
    return w


def test_every_form_has_a_submission() -> None:
    names = {form.__name__ for form in all_forms()} - set(NOT_SENT)
    assert names == set(SUBMISSIONS), (
        f"forms without a submission: {sorted(names - set(SUBMISSIONS))}; "
        f"submissions without a form: {sorted(set(SUBMISSIONS) - names)}"
    )


def test_markup_typed_anywhere_is_shown_as_text_everywhere(world: World) -> None:
    w = world
    forms = {form.__name__: form for form in all_forms()}
    for name, submissions in SUBMISSIONS.items():
        for how in submissions:
            _submit(w, forms[name], how)
            if name == "TerritoryForm" and "territory_id" not in w.values:
                w.session.expire_all()
                town = w.session.exec(select(Territory).where(Territory.slug == "pwn-town")).one()
                w.values["territory_id"] = town.id
            if name == "CouncilForm" and "council_id" not in w.values:
                w.values["council_id"] = _council_id(w)
                clerk = w.session.exec(select(User).where(User.email == "clerk@example.org")).one()
                w.session.add(CouncilClerk(user_id=clerk.id, council_id=w.values["council_id"]))
                w.session.commit()
            if name == "InviteForm":
                w.session.expire_all()
                invite = w.session.exec(select(Invite).order_by(col(Invite.id))).first()
                assert invite is not None
                w.values["token"] = _token(w, invite)
    _after_forms(w)

    # Every GET page and fragment, for every viewer, with the payload in its query string.
    query = dict.fromkeys(("next", "status", "page", "watermark", "q", "language"), PAYLOAD)
    api = w.app.test_client()  # the council's information system, with a token
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {w.values['api_secret']}"
    clients = {
        "facilitator": w.facilitator,
        "admin": w.admin,
        "participant": w.participant,
        "stranger": w.stranger,
        "clerk": w.clerk,
        "api": api,
    }
    seen_ok: dict[str, bool] = {}
    shown: set[str] = set()
    for rule in w.app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        seen_ok.setdefault(rule.endpoint, False)
        for round_ in w.values["rounds"]:
            url = _url(w, rule, round_)
            for who, client in clients.items():
                # The report versions compared; the API refuses query parameters it does not know.
                asked = (
                    query | {"from": "1", "to": "2"}
                    if rule.endpoint == "reports.compare"
                    else query
                )
                if who == "api" and rule.endpoint.startswith("api."):
                    asked = {}
                for htmx in (False, True):
                    response = client.get(
                        url, query_string=asked, headers={"HX-Request": "true"} if htmx else {}
                    )
                    if response.status_code in (200, 204):
                        seen_ok[rule.endpoint] = True
                    page = inspect(response)
                    if page.shown:
                        shown.add(rule.endpoint)
                    w.problems += [f"GET {url} as {who} (htmx={htmx}): {p}" for p in page.problems]
    unseen = sorted(endpoint for endpoint, ok in seen_ok.items() if not ok)
    assert unseen == [], f"pages no viewer could open: {unseen}"
    # A sanity check of the world: the payload did reach the pages that show people's text.
    assert shown >= {
        "main.index",
        "participate.round_page",
        "participate.my_votes",
        "participate.join",
        "opinions.opinion_map",
        "facilitate.round_page",
        "facilitate.statements",
        "facilitate.moderation_page",
        "facilitate.moderation_log",
        "facilitate.invites",
        "facilitate.territory_list",
        "facilitate.round_counts",
        "proposals.proposal_list",
        "proposals.proposal_page",
        "proposals.new_amendment",
        "proposals.edit_proposal",
        "proposals.history",
        "proposals.compare",
        "proposals.join_as_coauthor",
        "proposals.facilitate_proposals",
        "decisions.round_decisions",
        "decisions.participant_decisions",
        "decisions.manage",
        "decisions.ballot_page",
        "decisions.results_page",
    }, sorted(shown)

    # Every POST route gets the payload in every field name the forms know.
    everything = dict.fromkeys(w.typed_names | {"next", "statement_id", "vote"}, PAYLOAD)
    everything |= {"action": PAYLOAD, "language": PAYLOAD, "phase": PAYLOAD}
    for rule in w.app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()):
            continue
        for round_ in w.values["rounds"]:
            url = _url(w, rule, round_)
            for client in clients.values():
                for htmx in (False, True):
                    w.post(client, url, everything, htmx=htmx)

    templates = {
        str(path.relative_to(ROOT / "templates")) for path in (ROOT / "templates").rglob("*.html")
    }
    assert templates - w.templates == set(), "templates never rendered"
    assert w.problems == [], "\n".join(sorted(set(w.problems)))
