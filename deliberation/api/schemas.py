"""The models of ``/api/v1``: they validate requests and responses, and the OpenAPI document
is generated from them (``deliberation.api.spec``). Ids are the outcome document's prefixed
strings (``rnd:heat-2026``, ``out:12``), in paths as in answers; times are ISO 8601 in UTC; texts carry their BCP 47 language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel

from deliberation.models import ImplementationStatus, ResponseDecision
from deliberation.models.council_inputs import ResponseReference

MAX_PAGE = 100_000
MAX_PER_PAGE = 200
Item = TypeVar("Item")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Strict):
    code: str = Field(description="A stable, machine-readable code, e.g. `not_found`.")
    message: str = Field(description="What went wrong, in the request's language.")


class ErrorBody(Strict):
    """Every 4xx answer of the API."""

    error: ErrorDetail


class PageQuery(Strict):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)] = 50


class Paged(Strict, Generic[Item]):
    """One page of a list; ``next`` is the address of the next page, null on the last."""

    items: list[Item]
    page: int
    per_page: int
    total: int
    next: str | None


class Translation(Strict):
    value: str
    method: str = Field(description="`human`, `participant` or `machine`.")
    reviewed: bool


class Text(Strict):
    """A human text in its BCP 47 language, with its translations."""

    lang: str
    value: str
    translations: dict[str, Translation] = Field(default_factory=dict)


class Identifier(Strict):
    scheme: str
    identifier: str
    year: int | None = None


class TerritoryOut(Strict):
    id: str = Field(examples=["ter:strasbourg"])
    slug: str
    name: Text
    classification: str
    identifiers: list[Identifier]
    population: int | None
    population_year: int | None


class CouncilOut(Strict):
    id: str = Field(examples=["cnl:strasbourg"])
    slug: str
    name: Text
    territory: str = Field(description="The territory's id.")
    identifiers: list[Identifier]


class RoundOut(Strict):
    id: str = Field(examples=["rnd:heat-2026"])
    slug: str
    title: Text
    question: Text
    topic: str
    languages: list[str]
    phase: str
    opens_at: datetime | None
    closes_at: datetime | None
    territories: list[str] = Field(description="The ids of the territories taking part.")
    privacy_k: int = Field(description="Counts of fewer people than this are suppressed.")


class Counts(Strict):
    """Votes on a statement by a set of people; all null (``suppressed``) when fewer than the
    round's k people saw it."""

    agree: int | None
    disagree: int | None
    pass_: int | None = Field(alias="pass")
    seen: int | None
    suppressed: bool

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class StatementOut(Strict):
    id: str = Field(examples=["stm:1"])
    text: Text
    origin: str = Field(description="`seed` or `participant`.")
    counts: Counts | None = Field(description="Overall; null before the first analysis.")
    by_territory: dict[str, Counts] = Field(description="By territory id.")
    by_group: dict[str, Counts] = Field(description="By opinion group id.")
    consensus: str | None = Field(description="`agree`, `disagree` or null.")
    bridging: float | None


class Representative(Strict):
    statement: str
    direction: str
    representativeness: float | None


class OpinionGroupOut(Strict):
    id: str = Field(examples=["grp:A"])
    size: int | None = Field(description="Null when fewer than k people.")
    composition: dict[str, int | None] = Field(description="People by territory id.")
    representative: list[Representative]


class OpinionGroups(Strict):
    computed_at: datetime | None = Field(description="Null before the first analysis.")
    groups: list[OpinionGroupOut]


class ResponseOut(Strict):
    """A council's answer, in the outcome document's `council_responses[]` shape: what a
    council writes (`reference` as written), with its id, outcome, council, the reason as a
    text in the council's language, and when it was recorded."""

    id: str = Field(examples=["rsp:1"])
    outcome: str = Field(examples=["out:1"])
    council: str = Field(examples=["cnl:kehl"])
    decision: ResponseDecision
    reason: Text | None = Field(description="Null when no reason was given.")
    decided_at: datetime | None
    reference: ResponseReference | None
    implementation_status: ImplementationStatus | None
    progress: int | None
    recorded_at: datetime


class ReportVersionOut(Strict):
    """A published version of a round's report: frozen, at its permalink forever."""

    id: int = Field(description="The version's id: its document's `package_id`.")
    number: int
    published_at: datetime
    sha256: str = Field(description="SHA-256 of the document's canonical JSON.")
    document: str = Field(description="The address of its outcome document.")


class OutcomeDocument(RootModel[dict[str, Any]]):
    """An outcome document, as described by the JSON Schema at `/api/v1/schema/outcome.json`."""


class OutcomeEntry(RootModel[dict[str, Any]]):
    """An outcome as the outcome document writes it (`outcomes[]` in the JSON Schema at
    `/api/v1/schema/outcome.json`): type, texts, support, territory support, dissent, lineage,
    addressed councils, due dates."""


class LaterResponses(Strict):
    """Council answers to a version's outcomes recorded after it was published; the next
    version carries them."""

    published_at: datetime = Field(description="When the version was published.")
    items: list[ResponseOut]


class AddressedOutcome(Strict):
    """An outcome addressed to the token's council, as in its clerks' inbox."""

    id: str = Field(examples=["out:1"])
    round: str
    kind: str
    title: Text
    text: Text
    rationale: Text | None
    response_due: date | None
    overdue: bool = Field(description="Its due date has passed and the council has not answered.")
    current_response: ResponseOut | None = Field(description="The council's newest answer.")


class AddressedOutcomes(Strict):
    council: str
    items: list[AddressedOutcome]


class DecisionOptionOut(Strict):
    label: str = Field(description="The option's label in ballots and results (`A`, `B`...).")
    title: Text
    proposal: str | None = Field(description="The proposal it comes from (`prp:1`), if any.")


class Outcome(Strict):
    """Who won: ``winners`` before any tie-break (empty when nothing was decided), ``passed``
    for a stance decision (null otherwise), and the social ranking, best first, in tiers."""

    winners: list[str]
    passed: bool | None
    ranking: list[list[str]]


class TerritoryResult(Strict):
    """A territory's own count; all null (``suppressed``) when it cast fewer ballots than the
    round's k."""

    ballots: int | None
    result: Outcome | None
    counts: dict[str, int | float | None] = Field(description="By option label.")
    suppressed: bool


class DecisionQuorum(Strict):
    min_ballots: int
    min_share: float
    met: bool


class DecisionResult(Strict):
    """The stored count of a closed decision. Overall figures are null (``suppressed``) when
    fewer ballots than the round's k were cast; counts of people under k are null too."""

    computed_at: datetime
    ballots: int | None
    suppressed: bool
    result: Outcome | None
    winner: str | None = Field(description="The single winner after the published tie-break.")
    tie_break: str | None = Field(
        description="The rule that picked the winner among tied options, if one was needed."
    )
    count_kind: str = Field(description="What `counts` measure, e.g. `first_preferences`.")
    counts: dict[str, int | float | None] = Field(description="By option label.")
    weighting: str = Field(description="`none`, `equal_territory` or `sqrt_population`.")
    unweighted: Outcome | None = Field(
        description="The same count one person one vote, when another weighting was used."
    )
    quorum: DecisionQuorum
    by_territory: dict[str, TerritoryResult] = Field(description="By territory id.")
    ballots_sha256: str = Field(description="SHA-256 of the sealed canonical ballots.")
    published_ballots: str = Field(
        description="The address of the anonymous canonical ballots anyone may recount "
        "(territories under k labelled `other`)."
    )
    published_sha256: str = Field(description="SHA-256 of the published ballots file.")


class DecisionOut(Strict):
    id: str = Field(examples=["dec:1"])
    round: str
    title: Text
    method: str
    ballot: str = Field(description="`ranked`, `approval`, `score` or `stance`.")
    settings: dict[str, Any]
    eligibility: str = Field(description="`joined` or `single_use_invites`.")
    status: str = Field(description="`open` or `closed`.")
    live_results: bool
    receipts: bool
    opens_at: datetime | None
    closes_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    seed_sha256: str | None = Field(
        description="SHA-256 of the tie-break seed's 64 hexadecimal digits, from opening."
    )
    seed: str | None = Field(description="The tie-break seed (256 bits in hexadecimal), at close.")
    options: list[DecisionOptionOut]
    results_page: str
    result: DecisionResult | None = Field(description="Null until the closed decision is counted.")
