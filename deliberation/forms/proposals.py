"""Forms of the proposal pages. Their rules are the input models' (``ProposalInput`` and
friends): each form shows every problem beside its field, and the services take only valid
input. What depends on the round (its languages, its statements, a paragraph) the services
check."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from deliberation.forms.base import Form
from deliberation.forms.facilitate import MAX_CSV_BYTES, InputForm
from deliberation.models.proposals import (
    MAX_DISPLAY_NAME,
    MAX_HIDDEN_REASON,
    MAX_MESSAGE,
    MAX_REASON,
    MAX_TEXT,
    MAX_TITLE,
    AmendmentInput,
    AmendmentTranslationInput,
    EditInput,
    HideInput,
    MergeInput,
    ProposalInput,
    ProposalTranslationInput,
    RejectionInput,
)


def _title() -> StringField:
    return StringField(_l("Title"), render_kw={"maxlength": MAX_TITLE})


def _text() -> TextAreaField:
    return TextAreaField(
        _l("Text"),
        description=_l(
            "Markdown: a blank line starts a new paragraph, *italics*, **bold**, - lists."
        ),
        render_kw={"maxlength": MAX_TEXT, "rows": 14},
    )


def _message() -> StringField:
    return StringField(_l("What did you change? (optional)"), render_kw={"maxlength": MAX_MESSAGE})


def _display_name() -> StringField:
    return StringField(
        _l("Your display name (optional)"),
        description=_l("Shown beside what you write. Leave it empty to appear as “a participant”."),
        render_kw={"maxlength": MAX_DISPLAY_NAME, "autocomplete": "nickname"},
    )


class NewProposalForm(InputForm):
    """``statements`` are the linked statements' ids (checkboxes drawn by the page)."""

    input_model = ProposalInput
    title = _title()
    text = _text()
    language = SelectField(_l("Language of the text"))
    message = _message()
    display_name = _display_name()
    statements = SelectMultipleField(validate_choice=False)

    def input_data(self) -> dict[str, Any]:
        return {
            "title": self.title.data or "",
            "text": self.text.data or "",
            "language": self.language.data or "",
            "message": self.message.data or "",
            "display_name": self.display_name.data or "",
            "statements": self.statements.data or [],
        }


class EditProposalForm(InputForm):
    input_model = EditInput
    title = _title()
    text = _text()
    message = _message()
    display_name = _display_name()
    base_version = HiddenField()

    def input_data(self) -> dict[str, Any]:
        return {
            "title": self.title.data or "",
            "text": self.text.data or "",
            "message": self.message.data or "",
            "display_name": self.display_name.data or "",
            "base_version": self.base_version.data,
        }


class AmendmentForm(InputForm):
    input_model = AmendmentInput
    paragraph = HiddenField()
    replacement = TextAreaField(
        _l("The paragraph as you would write it"), render_kw={"maxlength": MAX_TEXT, "rows": 6}
    )
    rationale = TextAreaField(
        _l("Why this change?"), render_kw={"maxlength": MAX_REASON, "rows": 3}
    )
    display_name = _display_name()

    def input_data(self) -> dict[str, Any]:
        return {
            "paragraph": self.paragraph.data,
            "replacement": self.replacement.data or "",
            "rationale": self.rationale.data or "",
            "display_name": self.display_name.data or "",
        }


class ProposalTranslationForm(InputForm):
    """A translation of a proposal (by a facilitator, or a participant who helps translate);
    the view offers the languages its author may translate into."""

    input_model = ProposalTranslationInput
    language = SelectField(_l("Into"))
    title = _title()
    text = _text()

    def input_data(self) -> dict[str, Any]:
        return {
            "language": self.language.data,
            "title": self.title.data or "",
            "text": self.text.data or "",
        }


class AmendmentTranslationForm(InputForm):
    """A translation of an amendment's paragraph and rationale, as ``ProposalTranslationForm``."""

    input_model = AmendmentTranslationInput
    language = SelectField(_l("Into"))
    text = TextAreaField(
        _l("The paragraph, translated"), render_kw={"maxlength": MAX_TEXT, "rows": 6}
    )
    rationale = TextAreaField(
        _l("The rationale, translated"), render_kw={"maxlength": MAX_REASON, "rows": 3}
    )

    def input_data(self) -> dict[str, Any]:
        return {
            "language": self.language.data,
            "text": self.text.data or "",
            "rationale": self.rationale.data or "",
        }


class RejectAmendmentForm(InputForm):
    input_model = RejectionInput
    reason = StringField(_l("Reason for rejecting"), render_kw={"maxlength": MAX_REASON})

    def input_data(self) -> dict[str, Any]:
        return {"reason": self.reason.data or ""}


class MergeForm(InputForm):
    """``language`` offers the round's languages (set by the view)."""

    input_model = MergeInput
    first = SelectField(_l("First proposal"), validate_choice=False)
    second = SelectField(_l("Second proposal"), validate_choice=False)
    title = StringField(_l("Title of the merged proposal"), render_kw={"maxlength": MAX_TITLE})
    text = TextAreaField(
        _l("Text of the merged proposal (empty: both texts one after the other)"),
        render_kw={"maxlength": MAX_TEXT, "rows": 8},
    )
    language = SelectField(_l("Language of the text"))

    def input_data(self) -> dict[str, Any]:
        return {
            "first": self.first.data,
            "second": self.second.data,
            "title": self.title.data or "",
            "language": self.language.data or "",
            "text": self.text.data or "",
        }


class HideForm(InputForm):
    """A facilitator hides a proposal, an amendment or a display name, with a reason."""

    input_model = HideInput
    reason = StringField(_l("Reason to hide"), render_kw={"maxlength": MAX_HIDDEN_REASON})

    def input_data(self) -> dict[str, Any]:
        return {"reason": self.reason.data or ""}


class ProposalImportForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileSize(MAX_CSV_BYTES, message=_l("The file is larger than 2 MB.")),
        ],
        description=_l(
            "UTF-8, with the header title,text,language,statements on its first line and one "
            "proposal per line."
        ),
    )
