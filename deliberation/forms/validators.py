"""Validators and filters shared by the forms of every audience."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import LazyString
from wtforms.validators import StopValidation

from deliberation.services.validation import has_visible_text


def strip_spaces(value: Any) -> Any:
    """A field filter: a text without its leading and trailing spaces."""
    return value.strip() if isinstance(value, str) else value


class VisibleText:
    """Like ``DataRequired``, but a text of spaces, zero-width or BIDI characters and other
    invisible ones is empty too (``has_visible_text``, the rule the services apply)."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __init__(self, message: str | LazyString) -> None:
        self.message = message

    def __call__(self, _form: Any, field: Any) -> None:
        if not has_visible_text(field.data if isinstance(field.data, str) else ""):
            field.errors.clear()
            raise StopValidation(self.message)
