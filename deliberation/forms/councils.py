"""Forms of the council pages (the rules are ``deliberation.models.council_inputs``')."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from deliberation.config import LANGUAGES
from deliberation.forms.base import Form
from deliberation.forms.facilitate import InputForm
from deliberation.forms.validators import strip_spaces
from deliberation.messages import lazy_message
from deliberation.models import ImplementationStatus, ResponseDecision, TokenScope
from deliberation.models.council_inputs import CouncilInput, CouncilResponseInput
from deliberation.services.api_tokens import MAX_LABEL
from deliberation.templating import LANGUAGE_NAMES


class CouncilForm(InputForm):
    input_model = CouncilInput
    slug = StringField(
        _l("Identifier"),
        filters=[strip_spaces],
        validators=[DataRequired()],
        description=_l("Lowercase, for example strasbourg-council."),
    )
    territory = StringField(
        _l("Territory"),
        filters=[strip_spaces],
        validators=[DataRequired()],
        description=_l("Its identifier (slug), as listed on the territories page."),
        render_kw={"list": "territory-choices", "autocomplete": "off"},
    )
    oparl_body = StringField(
        _l("OParl body address"),
        filters=[strip_spaces],
        description=_l("The URL of the council's OParl body, if it publishes one."),
    )
    website = StringField(_l("Website"), filters=[strip_spaces])
    wikidata = StringField(_l("Wikidata identifier"), filters=[strip_spaces])

    def name_fields(self) -> list[Any]:
        return [self[f"name_{code}"] for code in LANGUAGES]

    def input_data(self) -> dict[str, Any]:
        return {
            "slug": self.slug.data or "",
            "names": {code: self[f"name_{code}"].data or "" for code in LANGUAGES},
            "territory_slug": self.territory.data or "",
            "oparl_body": self.oparl_body.data,
            "website": self.website.data,
            "wikidata": self.wikidata.data,
        }


for _code in LANGUAGES:
    setattr(
        CouncilForm,
        f"name_{_code}",
        StringField(
            lazy_message("Name in %(language)s", language=LANGUAGE_NAMES[_code]),
            filters=[strip_spaces],
            render_kw={"lang": _code},
        ),
    )


SCOPE_NAMES = {
    TokenScope.READ: _l("Read: rounds, statements, outcomes"),
    TokenScope.RESPOND: _l("Respond: read, and answer outcomes for this council"),
}


class TokenForm(Form):
    label = StringField(
        _l("Label"),
        filters=[strip_spaces],
        validators=[DataRequired(), Length(max=MAX_LABEL)],
        description=_l("For you, for example: council information system."),
    )
    scope = SelectField(
        _l("Scope"),
        choices=[SelectChoice(scope.value, name) for scope, name in SCOPE_NAMES.items()],
    )


class ClerkForm(Form):
    email = EmailField(_l("Email of the clerk"), validators=[DataRequired(), Length(max=254)])


DECISION_NAMES = {
    ResponseDecision.ACCEPTED: _l("Accepted"),
    ResponseDecision.PARTIALLY_ACCEPTED: _l("Partially accepted"),
    ResponseDecision.REJECTED: _l("Rejected"),
    ResponseDecision.UNDER_REVIEW: _l("Under review"),
    ResponseDecision.NOT_COMPETENT: _l("Not competent"),
}
IMPLEMENTATION_NAMES = {
    ImplementationStatus.NOT_STARTED: _l("Not started"),
    ImplementationStatus.IN_PROGRESS: _l("In progress"),
    ImplementationStatus.COMPLETED: _l("Completed"),
    ImplementationStatus.ABANDONED: _l("Abandoned"),
}


class CouncilResponseForm(InputForm):
    """A clerk's answer to an outcome: the same fields and rules as the API's
    (``CouncilResponseInput``)."""

    input_model = CouncilResponseInput
    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice(value.value, name) for value, name in DECISION_NAMES.items()],
    )
    reason = TextAreaField(_l("Reason"), filters=[strip_spaces])
    reason_language = SelectField(
        _l("Language of the text"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    decided_at = DateField(_l("Decided on (optional)"), validators=[Optional()])
    reference_url = StringField(
        _l("The council's own record (optional)"),
        filters=[strip_spaces],
        description=_l("The address of the council's decision: a web page or an OParl paper."),
    )
    oparl_paper = BooleanField(_l("This address is an OParl paper"))
    implementation_status = SelectField(
        _l("Implementation"),
        choices=[
            SelectChoice("", _l("Not said")),
            *(SelectChoice(value.value, name) for value, name in IMPLEMENTATION_NAMES.items()),
        ],
    )
    progress = IntegerField(_l("Progress in percent (optional)"), validators=[Optional()])

    def input_data(self) -> dict[str, Any]:
        """The model's fields; a problem with ``reference.url`` belongs to ``reference_url``."""
        decided = self.decided_at.data
        url = self.reference_url.data
        return {
            "decision": self.decision.data,
            "reason": self.reason.data or "",
            "reason_language": self.reason_language.data or None,
            "decided_at": datetime.combine(decided, time(), UTC) if decided else None,
            "reference": {"url": url, "kind": "oparl-paper" if self.oparl_paper.data else "url"}
            if url
            else None,
            "implementation_status": self.implementation_status.data or None,
            "progress": self.progress.data,
        }
