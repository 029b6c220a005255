"""Statement texts in the outcome document carry their shown translations."""

from __future__ import annotations

from flask.testing import FlaskClient
from flask_babel import refresh
from sqlmodel import Session, select

from deliberation.models import Outcome, TextKind, Translation, TranslationOrigin
from tests.deliberation.reports.conftest import SmallWorld
from tests.factories import sign_in_as


def test_shown_translations_are_in_the_document_and_on_the_page(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    statement = small_world.statements[0]
    session.add(
        Translation(
            round_id=small_world.round.id or 0,
            kind=TextKind.STATEMENT,
            text_id=statement.id or 0,
            language="fr",
            text="Chaque rue devrait avoir des arbres pour l'ombre.",
            origin=TranslationOrigin.HUMAN,
            reviewed=True,
        )
    )
    session.add(
        Translation(
            round_id=small_world.round.id or 0,
            kind=TextKind.STATEMENT,
            text_id=statement.id or 0,
            language="de",
            text="Nicht geprüft",
            origin=TranslationOrigin.PARTICIPANT,
            reviewed=False,
        )
    )
    session.commit()
    sign_in_as(client, small_world.facilitator)
    assert client.post(f"/facilitate/rounds/{small_world.round.id}/publish").status_code == 303
    document = client.get(f"/r/{small_world.round.slug}/report/v1/outcome.json").get_json()
    entry = next(s for s in document["statements"] if s["id"] == f"stm:{statement.id}")
    assert entry["text"] == {
        "lang": "en",
        "value": statement.text,
        "translations": {
            "fr": {
                "value": "Chaque rue devrait avoir des arbres pour l'ombre.",
                "method": "human",
                "reviewed": True,
            }
        },
    }
    with client.application.app_context():  # a fresh ``g``: the locale is chosen anew
        page = client.get(
            f"/r/{small_world.round.slug}/report/v1", headers={"Accept-Language": "fr"}
        )
    assert '<html lang="fr">' in page.text
    assert "Chaque rue devrait avoir des arbres pour l&#39;ombre." in page.text
    assert "Nicht geprüft" not in page.text


def test_outcomes_are_translated_by_the_facilitators(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    """A facilitator translates an outcome; the next version carries the translation (human,
    reviewed), readers of that language see it, and its own language cannot be a target."""
    round_ = small_world.round
    sign_in_as(client, small_world.facilitator)
    client.post(
        f"/facilitate/rounds/{round_.id}/outcomes",
        data={
            "kind": "recommendation",
            "language": "en",
            "title": "Trees in every street",
            "text": "Plant trees in every street.",
            "rationale": "Everyone agrees.",
            "statement_ids": [str(small_world.statements[0].id)],
        },
    )
    [outcome] = session.exec(select(Outcome).where(Outcome.round_id == round_.id)).all()
    url = f"/facilitate/rounds/{round_.id}/outcomes/{outcome.id}/translations"
    page = client.get(f"/facilitate/rounds/{round_.id}/outcomes/{outcome.id}/edit")
    assert page.status_code == 200
    assert 'name="language"' in page.text
    refused = client.post(url, data={"language": "en", "title": "Same"})
    assert refused.status_code == 422
    saved = client.post(
        url,
        data={
            "language": "fr",
            "title": "Des arbres dans chaque rue",
            "text": "Planter des arbres dans chaque rue.",
            "rationale": "",
        },
    )
    assert saved.status_code == 303
    assert client.post(f"/facilitate/rounds/{round_.id}/publish").status_code == 303
    document = client.get(f"/r/{round_.slug}/report/v1/outcome.json").get_json()
    [entry] = document["outcomes"]
    assert entry["title"] == {
        "lang": "en",
        "value": "Trees in every street",
        "translations": {
            "fr": {"value": "Des arbres dans chaque rue", "method": "human", "reviewed": True}
        },
    }
    assert entry["rationale"]["translations"] == {}
    refresh()  # the test's app context would keep the locale of the previous request
    french = client.get(f"/r/{round_.slug}/report/v1", headers={"Accept-Language": "fr"}).text
    assert '<h3 lang="fr" dir="auto">Des arbres dans chaque rue</h3>' in french
    refresh()
    english = client.get(f"/r/{round_.slug}/report/v1", headers={"Accept-Language": "en"}).text
    assert '<h3 lang="en" dir="auto">Trees in every street</h3>' in english
    # Removing a part removes its translation (from the next version on).
    client.post(url, data={"language": "fr", "title": "", "text": "", "rationale": ""})
    remaining = session.exec(
        select(Translation).where(
            Translation.text_id == outcome.id, Translation.kind != "statement"
        )
    ).all()
    assert remaining == []
