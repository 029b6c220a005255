"""Statement texts in the outcome document carry their shown translations."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import TextKind, Translation, TranslationOrigin
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
