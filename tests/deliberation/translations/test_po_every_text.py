"""PO files carry every kind of a round's texts (statements, proposals, amendments, draft
decisions' options, outcomes): the round trip, all-or-nothing imports with file-and-line
errors, originals never changed."""

from __future__ import annotations

import io

from babel.messages.pofile import read_po, write_po
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.decisions.service import shown_options, shown_titles
from deliberation.models import (
    Amendment,
    Decision,
    DecisionOption,
    DecisionStatus,
    Outcome,
    Phase,
    Proposal,
    Round,
    Statement,
    TextKind,
    Translation,
)
from deliberation.proposals.translating import read_amendments, read_proposals
from deliberation.reports.outcomes import outcome_translations
from deliberation.templating import TEXT_KIND_NAMES
from deliberation.translations.coverage import readable_proposal_shares
from deliberation.translations.po import CONTEXTS
from deliberation.translations.reading import read_statements
from deliberation.translations.sources import LIMITS
from tests.factories import (
    make_decision,
    make_outcome,
    make_proposal,
    make_round,
    make_statement,
    make_user,
    sign_in_as,
)


def _world(session: Session, client: FlaskClient, **overrides: object) -> dict[str, object]:
    user = make_user(session)
    round_ = make_round(
        session,
        facilitators=[user],
        languages=["fr", "de", "en"],
        phase=Phase.DRAFTING,
        **overrides,
    )
    sign_in_as(client, user)
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    proposal = make_proposal(
        session, round_, title="Schatten", text="Schatten.\n\nKühle Räume.", language="de"
    )
    amendment = Amendment(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        base_version=1,
        paragraph=0,
        original="Schatten.",
        replacement="Bäume.",
        rationale="Sie kühlen.",
    )
    session.add(amendment)
    decision = make_decision(session, round_, options=["Parc"])
    option = session.exec(select(DecisionOption)).one()
    option.proposal_id = proposal.id
    option.text = "Ein Park."
    session.add(option)
    outcome = make_outcome(
        session, round_=round_, language="de", title="Ergebnis", text="Text.", rationale="Grund."
    )
    session.commit()
    return {
        "round": round_,
        "statement": statement,
        "proposal": proposal,
        "amendment": amendment,
        "decision": decision,
        "option": option,
        "outcome": outcome,
    }


def _export(client: FlaskClient, round_: Round, language: str) -> bytes:
    response = client.get(f"/facilitate/rounds/{round_.id}/translations/{language}.po")
    assert response.status_code == 200
    return response.data


def _import(client: FlaskClient, round_: Round, language: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"/facilitate/rounds/{round_.id}/translations/import",
        data={"language": language, "file": (io.BytesIO(data), "round.po")},
        content_type="multipart/form-data",
    )


def _originals(session: Session) -> list[object]:
    session.expire_all()
    return [
        sorted((s.id, s.text) for s in session.exec(select(Statement))),
        sorted((p.id, p.title, p.text) for p in session.exec(select(Proposal))),
        sorted((a.id, a.replacement, a.rationale) for a in session.exec(select(Amendment))),
        sorted((o.id, o.title, o.text) for o in session.exec(select(DecisionOption))),
        sorted((o.id, o.title, o.text, o.rationale) for o in session.exec(select(Outcome))),
    ]


def test_every_kind_of_text_makes_the_po_round_trip(client: FlaskClient, session: Session) -> None:
    world = _world(session, client)
    round_ = world["round"]
    assert isinstance(round_, Round)
    ids = {name: getattr(value, "id", None) for name, value in world.items()}
    before = _originals(session)
    catalog = read_po(io.BytesIO(_export(client, round_, "fr")))
    entries = {m.context: m for m in catalog if m.id}
    expected = {
        f"stm:{ids['statement']}": "Mehr Bäume",
        f"prp:{ids['proposal']}:title": "Schatten",
        f"prp:{ids['proposal']}:text": "Schatten.\n\nKühle Räume.",
        f"amd:{ids['amendment']}:text": "Bäume.",
        f"amd:{ids['amendment']}:rationale": "Sie kühlen.",
        f"opt:{ids['option']}:title": "Parc",
        f"opt:{ids['option']}:text": "Ein Park.",
        f"out:{ids['outcome']}:title": "Ergebnis",
        f"out:{ids['outcome']}:text": "Text.",
        f"out:{ids['outcome']}:rationale": "Grund.",
    }
    assert {context: entry.id for context, entry in entries.items()} == expected
    for entry in entries.values():
        entry.string = f"FR {entry.id}"
    out = io.BytesIO()
    write_po(out, catalog)

    imported = _import(client, round_, "fr", out.getvalue())

    assert imported.status_code == 303
    assert _originals(session) == before
    rows = session.exec(select(Translation)).all()
    assert len(rows) == len(expected)
    assert {(t.origin, t.reviewed, t.language) for t in rows} == {("human", True, "fr")}
    statement, proposal = world["statement"], world["proposal"]
    assert isinstance(statement, Statement)
    assert isinstance(proposal, Proposal)
    assert read_statements(session, round_, [statement], ["fr"])[ids["statement"]].text == (
        "FR Mehr Bäume"
    )
    read = read_proposals(session, round_, [proposal], ["fr"])[proposal.id or 0]
    assert read.text.text == "FR Schatten.\n\nKühle Räume."  # Markdown keeps its lines
    amendment = world["amendment"]
    assert isinstance(amendment, Amendment)
    assert read_amendments(session, round_, proposal, [amendment], ["fr"])[
        amendment.id or 0
    ].rationale.text == ("FR Sie kühlen.")
    option = world["option"]
    assert isinstance(option, DecisionOption)
    assert shown_options(session, round_, [option], ["fr"])[0].title == "FR Parc"
    outcome = world["outcome"]
    assert isinstance(outcome, Outcome)
    assert outcome_translations(session, round_, [outcome])[outcome.id or 0]["rationale"] == {
        "fr": "FR Grund."
    }
    assert readable_proposal_shares(session, round_) == {"fr": 1.0, "de": 1.0, "en": 0.0}
    overview = client.get(f"/facilitate/rounds/{round_.id}/translations")
    assert '<th scope="col" class="number">Proposals</th>' in overview.text
    again = {m.context: m.string for m in read_po(io.BytesIO(_export(client, round_, "fr")))}
    assert again[f"amd:{ids['amendment']}:text"] == "FR Bäume."


def test_a_draft_decisions_title_makes_the_round_trip_and_freezes_when_it_opens(
    client: FlaskClient, session: Session
) -> None:
    world = _world(session, client)
    round_, decision = world["round"], world["decision"]
    assert isinstance(round_, Round)
    assert isinstance(decision, Decision)
    context = f"dec:{decision.id}:title"
    catalog = read_po(io.BytesIO(_export(client, round_, "de")))
    entries = {m.context: m for m in catalog if m.id}
    assert entries[context].id == decision.title, "written in the round's first language"
    assert context not in {m.context for m in read_po(io.BytesIO(_export(client, round_, "fr")))}
    for entry in entries.values():
        entry.string = f"DE {entry.id}"
    out = io.BytesIO()
    write_po(out, catalog)
    assert _import(client, round_, "de", out.getvalue()).status_code == 303
    shown = shown_titles(session, round_, [decision], ["de"])[decision.id or 0]
    assert shown.text == f"DE {decision.title}"

    decision.status = DecisionStatus.OPEN
    session.add(decision)
    session.commit()
    assert context not in {m.context for m in read_po(io.BytesIO(_export(client, round_, "de")))}
    refused = _import(client, round_, "de", out.getvalue())
    assert refused.status_code == 422


def test_a_bad_entry_of_any_kind_refuses_the_whole_file_with_its_line(
    client: FlaskClient, session: Session
) -> None:
    world = _world(session, client)
    round_ = world["round"]
    assert isinstance(round_, Round)
    ids = {name: getattr(value, "id", None) for name, value in world.items()}
    before = _originals(session)
    header = (
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    )
    po = (
        header
        + f'\nmsgctxt "stm:{ids["statement"]}"\nmsgid "Mehr Bäume"\nmsgstr "Plus d\'arbres"\n'
        + f'\nmsgctxt "prp:{ids["proposal"]}:title"\nmsgid "Schatten"\nmsgstr "{"x" * 161}"\n'
        + f'\nmsgctxt "amd:{ids["amendment"]}:text"\nmsgid "Bäume!"\nmsgstr "Des arbres."\n'
        + f'\nmsgctxt "out:{ids["outcome"]}:summary"\nmsgid "Ergebnis"\nmsgstr "Résultat"\n'
        + f'\nmsgctxt "prp:{ids["proposal"] + 99}:text"\nmsgid "Nichts"\nmsgstr "Rien"\n'
        + f'\nmsgctxt "opt:{ids["option"]}:title"\nmsgid "Parc"\nmsgstr "Parc"\n'
    )
    rejected = _import(client, round_, "fr", po.encode())

    assert rejected.status_code == 422
    assert "Nothing was imported: 4 problems were found" in rejected.text
    for line in (11, 15, 19, 23):
        assert f'<th scope="row" class="number">{line}</th>' in rejected.text
    assert "never changes an original" in rejected.text
    assert "A translation has at most 160 characters" in rejected.text
    assert session.exec(select(Translation)).all() == []
    assert _originals(session) == before

    # the options of an opened decision are frozen: no longer exported nor imported
    decision = world["decision"]
    assert isinstance(decision, Decision)
    decision.status = DecisionStatus.OPEN
    session.add(decision)
    session.commit()
    assert b"opt:" not in _export(client, round_, "fr")
    frozen = header + f'\nmsgctxt "opt:{ids["option"]}:title"\nmsgid "Parc"\nmsgstr "Parc"\n'
    assert _import(client, round_, "fr", frozen.encode()).status_code == 422
    assert session.exec(select(Translation)).all() == []


def test_every_kind_of_text_has_a_po_context_a_limit_and_a_name() -> None:
    assert set(CONTEXTS) == set(TextKind)
    assert set(LIMITS) == set(TextKind) - {TextKind.STATEMENT}
    assert set(TEXT_KIND_NAMES) == {kind.value for kind in TextKind}
