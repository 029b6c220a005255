"""Input models of councils (see ``deliberation.models.inputs`` for the conventions)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from deliberation.clock import utcnow
from deliberation.config import LANGUAGES
from deliberation.messages import lazy_message
from deliberation.models.councils import ImplementationStatus, ResponseDecision
from deliberation.models.inputs import (
    MAX_YEAR,
    MIN_YEAR,
    WIKIDATA,
    Identifier,
    Printable,
    Problems,
    RuleBroken,
    Slug,
    at_most,
    known_language,
    matches,
)

# An absolute http(s) address without spaces; what a council's own systems link to.
URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
MAX_URL = 500
URL_MESSAGE = _l("An address starting with https://, for example https://oparl.example.org/body/1.")


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _url(value: str | None) -> str | None:
    if value is not None and (len(value) > MAX_URL or not URL.match(value)):
        raise RuleBroken(URL_MESSAGE)
    return value


Url = Annotated[str | None, BeforeValidator(_blank_is_none), AfterValidator(_url)]


class CouncilInput(BaseModel):
    """What a facilitator sets on a council: its identifier, its names by language, the slug of
    its territory, and optional identifiers (its OParl body URL, its website, Wikidata)."""

    model_config = ConfigDict(frozen=True)

    slug: Slug
    names: dict[str, Annotated[str, at_most(200), Printable]]
    territory_slug: Annotated[str, at_most(80)]
    oparl_body: Url = None
    website: Url = None
    wikidata: Annotated[
        str | None, Identifier, matches(WIKIDATA, _l("A Wikidata identifier looks like Q90."))
    ] = None

    @model_validator(mode="after")
    def _across_fields(self) -> CouncilInput:
        problems: list[tuple[str, str | LazyString]] = []
        names = {lang for lang, name in self.names.items() if name.strip()}
        if not names or not names <= set(LANGUAGES):
            problems.append(("name_en", _l("A name in at least one language.")))
        if not self.territory_slug.strip():
            problems.append(("territory", _l("Choose the council's territory.")))
        if problems:
            raise Problems(problems)
        return self


def _utc_in_range(value: datetime) -> datetime:
    """Decision times are kept in UTC, between 1900 and 2100 there (beyond is a typing
    mistake), and not later than now: a decision already taken (``CLOCK_SKEW`` allows for a
    client's clock running ahead)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # first: year 1 has no UTC before it
        raise RuleBroken(DATE_MESSAGE)
    utc = value.astimezone(UTC)
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise RuleBroken(DATE_MESSAGE)
    if utc > utcnow() + CLOCK_SKEW:
        raise RuleBroken(_l("A decision already taken: this date is in the future."))
    return utc


CLOCK_SKEW = timedelta(minutes=5)


DATE_MESSAGE = lazy_message("A date between %(low)d and %(high)d.", low=MIN_YEAR, high=MAX_YEAR)
# What the rules above accept, for the API's JSON Schema (so that clients can know them).
YEAR_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-"
CONTROL_FREE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
KnownLanguage = Annotated[
    str,
    AfterValidator(known_language),
    WithJsonSchema({"type": "string", "enum": list(LANGUAGES)}),
]
DecidedAt = Annotated[
    AwareDatetime,
    AfterValidator(_utc_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": YEAR_PATTERN,
            "description": "When the council decided: not later than now (a decision already"
            " taken; a client's clock may run five minutes ahead).",
        }
    ),
]


class ResponseReference(BaseModel):
    """The council's own record of its decision, as the outcome document writes it: a web
    page (``url``) or an OParl ``Paper`` (``oparl-paper``) at ``url``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: Annotated[str, Field(max_length=MAX_URL, pattern=URL.pattern)]
    kind: Literal["url", "oparl-paper"] = "url"


class CouncilResponseInput(BaseModel):
    """A council's answer to an outcome, or an update of it (implementation progress), through
    the API or a clerk's form: the decision, why, when it was taken, the council's own
    record (a web page or an OParl ``Paper``), and how far its implementation has come."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: ResponseDecision
    reason: Annotated[str, Field(max_length=5000, pattern=CONTROL_FREE)] = Field(
        default="",
        description="Why, in the council's language (answers give it back as a text with its "
        "language, as the outcome document does).",
    )
    reason_language: KnownLanguage | None = Field(
        default=None,
        description="The language `reason` is written in; when not given, the first language "
        "of the council's names.",
    )
    decided_at: DecidedAt | None = None
    reference: ResponseReference | None = Field(
        default=None, description="The council's own record: a web page or an OParl paper."
    )
    implementation_status: ImplementationStatus | None = None
    progress: Annotated[int | None, Field(ge=0, le=100)] = Field(
        default=None, description="Implementation progress, in percent."
    )
