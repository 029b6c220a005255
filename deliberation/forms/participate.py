"""Forms of the citizens' pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired

from deliberation.forms.validators import VisibleText
from deliberation.messages import lazy_message


class JoinForm(FlaskForm):
    language = SelectField(_l("Your language in this round"), validators=[DataRequired()])
    accept = BooleanField(
        _l("I have read the privacy notice"),
        validators=[DataRequired(_l("Please read and accept the privacy notice to take part."))],
    )


class StatementForm(FlaskForm):
    text = TextAreaField(
        _l("Your statement"),
        validators=[VisibleText(_l("Write a statement first."))],
    )
    confirm_duplicate = BooleanField(_l("Submit it anyway"))


def statement_form(max_length: int, **kwargs: object) -> StatementForm:
    """A statement form whose text area carries the round's length limit."""
    form = StatementForm(**kwargs)
    form.text.render_kw = {"maxlength": max_length}
    form.text.description = lazy_message(
        "One short idea that others can agree or disagree with, in at most %(n)d characters.",
        n=max_length,
    )
    return form
