"""Forms of the proposal pages. Lengths are shown to the browser here; the services check every
rule (length, markup, statements of the round) again, so any caller gets the same answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from deliberation.models.proposals import (
    MAX_DISPLAY_NAME,
    MAX_MESSAGE,
    MAX_REASON,
    MAX_TEXT,
    MAX_TITLE,
)


class DisplayNameMixin:
    display_name = StringField(
        _l("Your display name (optional)"),
        description=_l("Shown beside what you write. Leave it empty to appear as “a participant”."),
        render_kw={"maxlength": MAX_DISPLAY_NAME, "autocomplete": "nickname"},
    )


class ProposalForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("This cannot be empty."))],
        render_kw={"maxlength": MAX_TITLE},
    )
    text = TextAreaField(
        _l("Text"),
        validators=[DataRequired(_l("This cannot be empty."))],
        description=_l(
            "Markdown: a blank line starts a new paragraph, *italics*, **bold**, - lists."
        ),
        render_kw={"maxlength": MAX_TEXT, "rows": 14},
    )
    message = StringField(
        _l("What did you change? (optional)"),
        render_kw={"maxlength": MAX_MESSAGE},
    )


class NewProposalForm(DisplayNameMixin, ProposalForm):
    language = SelectField(_l("Language of the text"), validators=[DataRequired()])


class EditProposalForm(DisplayNameMixin, ProposalForm):
    base_version = HiddenField(validators=[InputRequired()])


class AmendmentForm(DisplayNameMixin, FlaskForm):
    paragraph = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    replacement = TextAreaField(
        _l("The paragraph as you would write it"),
        validators=[DataRequired(_l("This cannot be empty."))],
        render_kw={"maxlength": MAX_TEXT, "rows": 6},
    )
    rationale = TextAreaField(
        _l("Why this change?"),
        validators=[DataRequired(_l("This cannot be empty."))],
        render_kw={"maxlength": MAX_REASON, "rows": 3},
    )


class RejectAmendmentForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for rejecting"),
        validators=[DataRequired(_l("This cannot be empty."))],
        render_kw={"maxlength": MAX_REASON, "rows": 2},
    )


class MergeForm(FlaskForm):
    first = SelectField(_l("First proposal"), coerce=int, validators=[InputRequired()])
    second = SelectField(_l("Second proposal"), coerce=int, validators=[InputRequired()])
    title = StringField(
        _l("Title of the merged proposal"),
        validators=[DataRequired(_l("This cannot be empty."))],
        render_kw={"maxlength": MAX_TITLE},
    )
    text = TextAreaField(
        _l("Text of the merged proposal (empty: both texts one after the other)"),
        render_kw={"maxlength": MAX_TEXT, "rows": 8},
    )
