"""The outcome form (publishing and deleting are buttons: CSRF is checked on every POST)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from deliberation.config import LANGUAGES
from deliberation.forms.facilitate import InputForm, MultiCheckboxField
from deliberation.forms.validators import strip_spaces
from deliberation.models import OutcomeKind
from deliberation.models.reports import OutcomeInput, OutcomeTranslationInput
from deliberation.templating import LANGUAGE_NAMES

KIND_NAMES = {
    OutcomeKind.RECOMMENDATION: _l("Recommendation"),
    OutcomeKind.DECISION: _l("Decision"),
    OutcomeKind.QUESTION_TO_COUNCIL: _l("Question to the council"),
    OutcomeKind.MINORITY_REPORT: _l("Minority report"),
}


class OutcomeForm(InputForm):
    """An outcome; the view fills the choices of ``statement_ids`` (the round's candidate
    statements), ``proposal_ids`` and ``decision_ids`` (its public proposals and counted
    decisions) and ``council_ids`` (every council)."""

    input_model = OutcomeInput
    kind = SelectField(
        _l("Type"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_NAMES.items()]
    )
    language = SelectField(
        _l("Written in"), choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    )
    title = StringField(_l("Title"), filters=[strip_spaces])
    text = TextAreaField(_l("Text"), filters=[strip_spaces])
    rationale = TextAreaField(_l("Rationale (optional)"), filters=[strip_spaces])
    statement_ids = MultiCheckboxField(
        _l("Derived from these statements"), coerce=int, validate_choice=False
    )
    proposal_ids = MultiCheckboxField(
        _l("Derived from these proposals"), coerce=int, validate_choice=False
    )
    decision_ids = MultiCheckboxField(
        _l("Derived from these decisions"), coerce=int, validate_choice=False
    )
    council_ids = MultiCheckboxField(
        _l("Addressed to these councils"), coerce=int, validate_choice=False
    )
    response_due = DateField(_l("Response due by (optional)"), validators=[Optional()])
    review_date = DateField(_l("Review date (optional)"), validators=[Optional()])

    def input_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.data,
            "language": self.language.data,
            "title": self.title.data or "",
            "text": self.text.data or "",
            "rationale": self.rationale.data or "",
            "statement_ids": tuple(self.statement_ids.data or ()),
            "proposal_ids": tuple(self.proposal_ids.data or ()),
            "decision_ids": tuple(self.decision_ids.data or ()),
            "council_ids": tuple(self.council_ids.data or ()),
            "response_due": self.response_due.data,
            "review_date": self.review_date.data,
        }


class OutcomeTranslationForm(InputForm):
    """The facilitators' translation of an outcome into one language; the view limits
    ``language`` to the round's other languages."""

    input_model = OutcomeTranslationInput
    language = SelectField(_l("Into"))
    title = StringField(_l("Title"), filters=[strip_spaces])
    text = TextAreaField(_l("Text"), filters=[strip_spaces])
    rationale = TextAreaField(_l("Rationale"), filters=[strip_spaces])

    def input_data(self) -> dict[str, Any]:
        return {
            "language": self.language.data,
            "title": self.title.data or "",
            "text": self.text.data or "",
            "rationale": self.rationale.data or "",
        }
