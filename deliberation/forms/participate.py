"""Forms of the citizens' pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from deliberation.forms.base import Form
from deliberation.forms.facilitate import MultiCheckboxField
from deliberation.forms.validators import VisibleText
from deliberation.messages import lazy_message


class ReadingForm(Form):
    """Which of the round's languages a participant reads, and whether they help translate."""

    reads = MultiCheckboxField(_l("Languages you read"))
    translates = BooleanField(
        _l(
            "I read several of these languages and can help: now and then, translate or review a statement."
        )
    )


class JoinForm(ReadingForm):
    language = SelectField(_l("Your language in this round"), validators=[DataRequired()])
    accept = BooleanField(
        _l("I have read the privacy notice"),
        validators=[DataRequired(_l("Please read and accept the privacy notice to take part."))],
    )


class NoticeForm(Form):
    accept = BooleanField(
        _l("I have read the new privacy notice"),
        validators=[DataRequired(_l("Please read and accept the privacy notice to go on."))],
    )


class StatementForm(Form):
    text = TextAreaField(
        _l("Your statement"),
        validators=[VisibleText(_l("Write a statement first."))],
    )
    language = SelectField(
        _l("Written in"),
        description=_l("Leave it to detection, or say which language you write in."),
        default="",
    )
    confirm_duplicate = BooleanField(_l("Submit it anyway"))


class StatementLanguageForm(Form):
    language = SelectField(_l("Written in"), validators=[DataRequired()])


def statement_form(
    max_length: int, languages: list[tuple[str, str]], **kwargs: object
) -> StatementForm:
    """A statement form whose text area carries the round's length limit, and whose language
    choice offers detection first, then ``languages`` (code, name)."""
    form = StatementForm(**kwargs)
    form.language.choices = [("", _l("Detect the language")), *languages]
    form.text.render_kw = {"maxlength": max_length}
    form.text.description = lazy_message(
        "One short idea that others can agree or disagree with, in at most %(n)d characters.",
        n=max_length,
    )
    return form


class TranslationTaskForm(Form):
    text = TextAreaField(
        _l("Your translation"), validators=[DataRequired(_l("Write a translation."))]
    )


class EmailNoticeForm(Form):
    """An address to be told of a round's next steps (checked by the service)."""

    email = EmailField(_l("Your email address"), validators=[DataRequired(), Length(max=254)])
