"""The JSON Schema (draft 2020-12) of the outcome document, served at
``/api/v1/schema/outcome.json``.

Strict: every object whose fields OUTCOME.md lists has ``additionalProperties: false`` and
requires them all (a value that is unknown or suppressed is ``null``, never left out).
"""

from __future__ import annotations

from typing import Any

from deliberation.reports.document import SCHEMA_VERSION

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _id(prefix: str) -> dict[str, str]:
    return {"type": "string", "pattern": f"^{prefix}:[A-Za-z0-9._-]+$"}


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
LANGUAGE = {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"}
COUNT = {"type": ["integer", "null"], "minimum": 0}
RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
SCORE = {"type": ["number", "null"]}
SUPPRESSED = {"type": "boolean"}
DIRECTION = {"enum": ["agree", "disagree"]}


def _defs() -> dict[str, Any]:
    hidden_counts = {name: {"type": "null"} for name in ("agree", "disagree", "pass", "seen")}
    return {
        "text": _object(
            {
                "lang": LANGUAGE,
                "value": STRING,
                "translations": {
                    "type": "object",
                    "propertyNames": LANGUAGE,
                    "additionalProperties": _object(
                        {
                            "value": STRING,
                            "method": {"enum": ["human", "participant", "machine"]},
                            "reviewed": {"type": "boolean"},
                        }
                    ),
                },
            }
        ),
        "counts": _object(
            {
                "agree": COUNT,
                "disagree": COUNT,
                "pass": COUNT,
                "seen": COUNT,
                "suppressed": SUPPRESSED,
            }
        )
        | {
            "description": "Counts of people; all null when fewer than k people saw it.",
            "if": {"properties": {"suppressed": {"const": True}}},
            "then": {"properties": hidden_counts},
            "else": {
                "properties": {name: {"type": "integer"} for name in hidden_counts},
            },
        },
        "identifier": _object(
            {
                "scheme": {
                    "enum": [
                        "iso-3166-2",
                        "eurostat-lau",
                        "nuts",
                        "wikidata",
                        "ocd-division",
                        "oparl-body",
                        "website",
                    ]
                },
                "identifier": STRING,
                "year": {"type": "integer"},
            },
            optional=("year",),
        ),
        "dissent": _object(
            {
                "kind": {"enum": ["territory", "group"]},
                "id": {"type": "string", "pattern": "^(ter|grp):[A-Za-z0-9._-]+$"},
                "disagrees": _list(
                    _object(
                        {
                            "statement": _id("stm"),
                            "disagree_rate": {"type": "number", "minimum": 0, "maximum": 1},
                            "n": {"type": "integer", "minimum": 0},
                        }
                    )
                ),
                "says": _list(
                    _object(
                        {
                            "statement": _id("stm"),
                            "direction": DIRECTION,
                            "agree_rate": {"type": "number", "minimum": 0, "maximum": 1},
                        },
                        optional=("agree_rate",),
                    )
                ),
            }
        ),
    }


def _round() -> dict[str, Any]:
    return _object(
        {
            "id": _id("rnd"),
            "title": _ref("text"),
            "question": _ref("text"),
            "framing": _ref("text"),
            "topics": _list(STRING),
            "dates": _object(
                {
                    "opens_at": _nullable(DATETIME),
                    "closes_at": _nullable(DATETIME),
                    "published_at": DATETIME,
                }
            ),
            "phase": {"enum": ["draft", "open", "drafting", "deciding", "closed", "reported"]},
            "url": URL,
            "territories": _list(_id("ter")),
        }
    )


def _territory() -> dict[str, Any]:
    return _object(
        {
            "id": _id("ter"),
            "name": _ref("text"),
            "classification": {"enum": ["municipality", "region", "district", "other"]},
            "parent": _nullable(_id("ter")),
            "identifiers": _list(_ref("identifier")),
            "population": {"type": ["integer", "null"], "minimum": 0},
            "population_year": {"type": ["integer", "null"]},
            "twinned_with": _list(_id("ter")),
        }
    )


def _participation() -> dict[str, Any]:
    return _object(
        {
            "territory": _id("ter"),
            "participants": COUNT,
            "voters": COUNT,
            "statements_submitted": COUNT,
            "votes_cast": COUNT,
            "rate_per_1000": {"type": ["number", "null"], "minimum": 0},
            "suppressed": SUPPRESSED,
        }
    )


def _statement() -> dict[str, Any]:
    return _object(
        {
            "id": _id("stm"),
            "text": _ref("text"),
            "origin": {"enum": ["seed", "participant", "imported"]},
            "moderation": {"enum": ["accepted", "pending", "rejected"]},
            "author_territory": _nullable(_id("ter")),
            "counts": _object(
                {
                    "overall": _ref("counts"),
                    "by_territory": {
                        "type": "object",
                        "propertyNames": _id("ter"),
                        "additionalProperties": _ref("counts"),
                    },
                    "by_group": {
                        "type": "object",
                        "propertyNames": _id("grp"),
                        "additionalProperties": _ref("counts"),
                    },
                    "by_language": {
                        "type": "object",
                        "propertyNames": LANGUAGE,
                        "additionalProperties": _ref("counts"),
                    },
                }
            ),
            "metrics": _object(
                {
                    "group_informed_consensus": SCORE,
                    "bridging": SCORE,
                    "lowest_territory_agree_rate": RATE,
                    "consensus": {"type": "boolean"},
                    "consensus_direction": _nullable(DIRECTION),
                }
            ),
        }
    )


def _group() -> dict[str, Any]:
    return _object(
        {
            "id": _id("grp"),
            "size": COUNT,
            "suppressed": SUPPRESSED,
            "composition": _list(
                _object({"territory": _id("ter"), "participants": COUNT, "suppressed": SUPPRESSED})
            ),
            "representative_statements": _list(
                _object(
                    {
                        "statement": _id("stm"),
                        "direction": DIRECTION,
                        "representativeness": SCORE,
                    }
                )
            ),
        }
    )


def _proposal() -> dict[str, Any]:
    return _object(
        {
            "id": _id("prp"),
            "title": _ref("text"),
            "text": _ref("text"),
            "version": {"type": "integer", "minimum": 1},
            "origin_statements": _list(_id("stm")),
            "status": {"enum": ["submitted", "selected", "merged"]},
            "merged_into": _nullable(_id("prp")),
        }
    )


def _decision() -> dict[str, Any]:
    group = {"type": "string", "pattern": "^(ter:[A-Za-z0-9._-]+|all)$"}
    result = _object(
        {
            "winners": _list(STRING),
            "passed": {"type": ["boolean", "null"]},
            "ranking": _list(_list(STRING)),
        }
    )
    return _object(
        {
            "id": _id("dec"),
            "title": _ref("text"),
            "options": _list(
                _object(
                    {"option": STRING, "title": _ref("text"), "proposal": _nullable(_id("prp"))}
                )
            ),
            "proposals": _list(_id("prp")),
            "method": STRING,
            "settings": {"type": "object"},
            "weighting": {"enum": ["none", "equal_territory", "sqrt_population"]},
            "dates": _object(
                {
                    name: _nullable(DATETIME)
                    for name in ("opens_at", "closes_at", "opened_at", "closed_at")
                }
            ),
            "quorum": _object(
                {
                    "min_ballots": {"type": "integer", "minimum": 0},
                    "min_share": {"type": "number", "minimum": 0, "maximum": 1},
                    "met": {"type": "boolean"},
                }
            ),
            "result": _nullable(result),
            "count_kind": STRING,
            "counts": _list(
                _object(
                    {
                        "option": STRING,
                        "value": {"type": ["number", "null"]},
                        "group_id": group,
                        "suppressed": SUPPRESSED,
                    }
                )
                | _hidden_when_suppressed("value")
            ),
            "group_results": _list(
                _object(
                    {
                        "group_id": group,
                        "ballots": COUNT,
                        "result": _nullable(result),
                        "suppressed": SUPPRESSED,
                    }
                )
                | _hidden_when_suppressed("ballots", "result")
            ),
            "explanation": _ref("text"),
            "ballots_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        }
    )


def _hidden_when_suppressed(*names: str) -> dict[str, Any]:
    """A suppressed item's ``names`` are null; a shown one's are not."""
    return {
        "if": {"properties": {"suppressed": {"const": True}}},
        "then": {"properties": {name: {"type": "null"} for name in names}},
        "else": {"properties": {name: {"not": {"type": "null"}} for name in names}},
    }


def _outcome() -> dict[str, Any]:
    return _object(
        {
            "id": _id("out"),
            "type": {
                "enum": ["recommendation", "decision", "question_to_council", "minority_report"]
            },
            "title": _ref("text"),
            "text": _ref("text"),
            "rationale": _nullable(_ref("text")),
            "support": _object(
                {
                    "level": {"enum": ["strong", "moderate", "contested"]},
                    "bridging": SCORE,
                    "lowest_territory_agree_rate": RATE,
                    "n": COUNT,
                }
            ),
            "territory_support": _list(
                _object(
                    {
                        "territory": _id("ter"),
                        "agree_rate": RATE,
                        "n": COUNT,
                        "stance": _nullable({"enum": ["endorse", "mixed", "reject"]}),
                        "suppressed": SUPPRESSED,
                    }
                )
            ),
            "dissent": _list(_ref("dissent")),
            "derived_from": _object(
                {
                    "statements": _list(_id("stm")),
                    "proposals": _list(_id("prp")),
                    "decisions": _list(_id("dec")),
                }
            ),
            "addressed_councils": _list(_id("cnl")),
            "response_due": _nullable(DATE),
            "review_date": _nullable(DATE),
            "url": URL,
        }
    )


def _council_response() -> dict[str, Any]:
    return _object(
        {
            "id": _id("rsp"),
            "outcome": _id("out"),
            "council": _id("cnl"),
            "decision": {
                "enum": [
                    "accepted",
                    "partially_accepted",
                    "rejected",
                    "under_review",
                    "not_competent",
                ]
            },
            "reason": _nullable(_ref("text")),
            "decided_at": _nullable(DATETIME),
            "reference": _nullable(_object({"url": URL, "kind": {"enum": ["url", "oparl-paper"]}})),
            "implementation_status": _nullable(
                {"enum": ["not_started", "in_progress", "completed", "abandoned"]}
            ),
            "progress": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "recorded_at": DATETIME,
        }
    )


def outcome_schema(schema_url: str) -> dict[str, Any]:
    """The schema, with ``schema_url`` (where it is served) as its ``$id``."""
    schema = _object(
        {
            "schema": URL,
            "schema_version": {"const": SCHEMA_VERSION},
            "package_id": {"type": "integer", "minimum": 1},
            "generated_at": DATETIME,
            "publisher": _object({"name": STRING, "url": URL}),
            "license": STRING,
            "languages": _list(LANGUAGE),
            "round": _round(),
            "territories": _list(_territory()),
            "councils": _list(
                _object(
                    {
                        "id": _id("cnl"),
                        "name": _ref("text"),
                        "territory": _id("ter"),
                        "identifiers": _list(_ref("identifier")),
                    }
                )
            ),
            "participation": _list(_participation()),
            "statements": _list(_statement()),
            "opinion_groups": _list(_group()),
            "proposals": _list(_proposal()),
            "decisions": _list(_decision()),
            "outcomes": _list(_outcome()),
            "council_responses": _list(_council_response()),
            "provenance": _object(
                {
                    "software": _object({"name": STRING, "version": STRING, "commit": STRING}),
                    "algorithms": _list(
                        _object(
                            {
                                "name": STRING,
                                "description": STRING,
                                "parameters": {"type": "object"},
                                "seed": {"type": "integer"},
                                "watermark": {"type": "integer"},
                                "computed_at": _nullable(DATETIME),
                            }
                        )
                    ),
                    "checksums": {
                        "type": "object",
                        "additionalProperties": _object(
                            {"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
                        ),
                    },
                }
            ),
            "privacy": _object(
                {
                    "k": {"type": "integer", "minimum": 1},
                    "suppressed": {
                        "type": "object",
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    },
                    "personal_data": {"const": "none"},
                }
            ),
            "distributions": _list(_object({"name": STRING, "media_type": STRING, "url": URL})),
        }
    )
    return {
        "$schema": DIALECT,
        "$id": schema_url,
        "title": "Palabre outcome document",
        "description": "What a published version of a Palabre round's report holds "
        "(see OUTCOME.md). Counts of fewer than privacy.k people are null with "
        '"suppressed": true. Ids are strings with a prefix: ter:, rnd:, stm:, grp:, '
        "prp:, dec:, out:, rsp:, cnl: (councils). council_responses are the answers "
        "recorded when the version was published; later ones come in the next version.",
        **schema,
        "$defs": _defs(),
    }
