"""Validation at the services' edge: input models checked once, for forms and services alike.

The rules themselves live in the input models (``deliberation.models.inputs``). A service calls
``validate_input`` and gets the first problem as a ``FieldInvalid``; a form calls
``input_problems`` and shows every problem at once beside its field. ``FieldInvalid`` names the
form field an error belongs to.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, TypeVar

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError

from deliberation.errors import Invalid
from deliberation.models.inputs import (
    MAX_COUNT,
    MAX_ID,
    Problems,
    RuleBroken,
    has_control_characters,
    has_visible_text,
    time_zones,
)

__all__ = [
    "MAX_COUNT",
    "MAX_ID",
    "FieldInvalid",
    "has_control_characters",
    "has_visible_text",
    "input_problems",
    "is_time_zone",
    "validate_input",
]

Input = TypeVar("Input", bound=BaseModel)


class FieldInvalid(Invalid):
    """An ``Invalid`` input that belongs to one form field (``field`` is its name)."""

    def __init__(self, message: str | LazyString, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def is_time_zone(name: str) -> bool:
    return name in time_zones()


def input_problems(error: ValidationError) -> dict[str, list[Any]]:
    """The problems of a failed validation by form field (a problem in ``title["fr"]``
    belongs to ``title_fr``), each with its translatable message."""
    problems: dict[str, list[Any]] = defaultdict(list)
    for item in error.errors():
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, Problems):
            for field, message in cause.items:
                problems[field].append(message)
            continue
        field = "_".join(str(part) for part in item["loc"])
        problems[field].append(
            cause.message if isinstance(cause, RuleBroken) else _l("This value is not valid.")
        )
    return dict(problems)


def validate_input(model: type[Input], data: dict[str, Any]) -> Input:
    """``data`` as an instance of ``model``; raises ``FieldInvalid`` with the first problem
    (its field and message), for callers that show one error (CLI, imports)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        field, messages = next(iter(input_problems(error).items()))
        raise FieldInvalid(messages[0], field=field) from error
