"""Forms of the facilitators' pages. WTForms parses what was typed; the rules are the input
models' (``deliberation.models.inputs``), checked here so that every error shows at once beside
its field, and holding for the services by construction."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from pydantic import BaseModel, ValidationError
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import CheckboxInput, ListWidget

from deliberation.config import LANGUAGES
from deliberation.forms.base import Form
from deliberation.forms.validators import VisibleText, strip_spaces
from deliberation.messages import lazy_message
from deliberation.models import Eligibility, ModerationMode, Phase, TerritoryKind
from deliberation.models.inputs import (
    MAX_COUNT,
    MAX_INVITE_BATCH,
    DecisionInput,
    InviteBatchInput,
    RoundInput,
    TerritoryInput,
    schedule_date_error,
)
from deliberation.services.moderation import MAX_REASON, Action, TranslationAction
from deliberation.services.round_admin import local_to_utc, proposed_slug
from deliberation.services.time_zones import skipped_local_time
from deliberation.services.validation import has_control_characters, input_problems, is_time_zone
from deliberation.templating import LANGUAGE_NAMES, PHASE_NAMES

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
MAX_CSV_BYTES = 2 * 1024 * 1024
TOPICS = {
    "climate": _l("Climate"),
    "water": _l("Water"),
    "energy": _l("Energy"),
    "biodiversity": _l("Biodiversity"),
    "land": _l("Land and soil"),
    "air": _l("Air"),
    "mobility": _l("Mobility"),
    "food": _l("Food"),
    "housing": _l("Housing"),
    "other": _l("Other commons"),
}
KIND_NAMES = {
    TerritoryKind.MUNICIPALITY: _l("Municipality"),
    TerritoryKind.REGION: _l("Region"),
    TerritoryKind.DISTRICT: _l("District"),
    TerritoryKind.OTHER: _l("Other"),
}
MODERATION_NAMES = {
    ModerationMode.PRE: _l("Before publication: statements wait for review"),
    ModerationMode.POST: _l("After publication: statements are shown at once, then reviewed"),
}


def _printable(_form: Any, field: Any) -> None:
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise FieldError(_l("This text holds a character that is not allowed."))


def _schedule_date(form: Any, field: Any) -> None:
    """A date of a schedule, typed in the form's ``schedule_time_zone()``: within the years a
    schedule allows, and shown on that zone's clocks (not in the hour they skip when they go
    forward). A time they show twice is its first occurrence (``local_to_utc``)."""
    error = schedule_date_error(field.data)
    if error is not None:
        raise FieldError(error)
    zone = form.schedule_time_zone()
    if field.data is not None and skipped_local_time(field.data, zone):
        raise FieldError(
            lazy_message(
                "This time does not exist in %(zone)s: the clocks skip it when they go"
                " forward. Choose another time.",
                zone=zone,
            )
        )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InputForm(Form):
    """A form whose rules are an input model's: after WTForms has parsed the fields,
    ``validate`` builds the model from ``input_data`` and puts each of its problems beside its
    field (or among the form's errors); ``to_fields`` then returns the valid input."""

    input_model: ClassVar[type[BaseModel]]

    def input_data(self) -> dict[str, Any]:
        raise NotImplementedError

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        try:
            self._input = self.input_model.model_validate(self.input_data())
        except ValidationError as error:
            for name, messages in input_problems(error).items():
                field = self._fields.get(name)
                if field is None:
                    self.form_errors.extend(messages)
                elif not field.errors:
                    field.errors = [*field.errors, *messages]
            return False
        return valid

    def to_fields(self) -> Any:
        """The valid input (after ``validate`` returned True)."""
        return self._input


class RoundForm(InputForm):
    """A round's settings; ``title_<lang>``, ``question_<lang>`` and ``framing_<lang>`` are
    added below for every language the app knows."""

    input_model = RoundInput
    slug = StringField(
        _l("Address"),
        filters=[strip_spaces],
        description=_l(
            "Appears in the round's links, for example heat-2026. Left empty, it is made from"
            " the title."
        ),
    )
    languages = MultiCheckboxField(
        _l("Languages offered"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        validators=[DataRequired(_l("Choose at least one language."))],
    )
    topic = SelectField(
        _l("Commons topic"), choices=[SelectChoice(key, label) for key, label in TOPICS.items()]
    )
    time_zone = StringField(
        _l("Time zone"),
        default="UTC",
        filters=[strip_spaces],
        validators=[DataRequired()],
        description=_l("An IANA name such as Europe/Paris; the dates below are in this zone."),
    )
    opens_at = DateTimeLocalField(
        _l("Opens at"), format=DATETIME_FORMATS, validators=[Optional(), _schedule_date]
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"), format=DATETIME_FORMATS, validators=[Optional(), _schedule_date]
    )
    phase = SelectField(
        _l("Phase"),
        choices=[SelectChoice(phase.value, PHASE_NAMES[phase]) for phase in Phase],
        default=Phase.DRAFT.value,
    )
    moderation_mode = SelectField(
        _l("Moderation"),
        choices=[SelectChoice(mode.value, MODERATION_NAMES[mode]) for mode in ModerationMode],
        default=ModerationMode.POST.value,
    )
    max_statement_length = IntegerField(
        _l("Maximum statement length (characters)"),
        default=280,
        validators=[InputRequired()],
    )
    privacy_k = IntegerField(
        _l("Smallest number of people a figure may describe"),
        default=5,
        validators=[InputRequired()],
        description=_l(
            "Privacy: a count of fewer people than this (in a territory, a language or an"
            " opinion group) is hidden, so that nobody can be recognised from the results."
            " 5 is usual; 1 hides nothing."
        ),
    )
    min_votes_for_map = IntegerField(
        _l("Minimum votes before a participant is placed on the map"),
        default=7,
        validators=[InputRequired()],
    )
    retention_days = IntegerField(
        _l("Anonymise participants this many days after the report (empty: keep)"),
        validators=[Optional()],
    )

    def language_fields(self) -> list[tuple[str, Any, Any, Any]]:
        """(language, title, question, framing) fields for every language, in order."""
        return [
            (
                code,
                self[f"title_{code}"],
                self[f"question_{code}"],
                self[f"framing_{code}"],
            )
            for code in LANGUAGES
        ]

    def schedule_time_zone(self) -> str:
        """The zone the dates are typed in; UTC while the zone field is wrong (its own error)."""
        zone = self.time_zone.data or ""
        return zone if is_time_zone(zone) else "UTC"

    def input_data(self) -> dict[str, Any]:
        zone = self.time_zone.data or ""
        local = self.schedule_time_zone()
        languages = tuple(self.languages.data or [])
        known = [code for code in languages if code in LANGUAGES]
        if not self.slug.data and known:
            # Shown again with the form, so that a refused address can be corrected.
            self.slug.data = proposed_slug(self[f"title_{known[0]}"].data or "")
        return {
            "slug": self.slug.data or "",
            "title": {code: self[f"title_{code}"].data or "" for code in known},
            "question": {code: self[f"question_{code}"].data or "" for code in known},
            "framing": {code: self[f"framing_{code}"].data or "" for code in known},
            "topic": self.topic.data or "",
            "languages": languages,
            # A date its field refused stays out: too far, it could not even be converted.
            "opens_at": None if self.opens_at.errors else local_to_utc(self.opens_at.data, local),
            "closes_at": (
                None if self.closes_at.errors else local_to_utc(self.closes_at.data, local)
            ),
            "phase": self.phase.data,
            "moderation_mode": self.moderation_mode.data,
            "max_statement_length": self.max_statement_length.data,
            "time_zone": zone,
            "privacy_k": self.privacy_k.data,
            "min_votes_for_map": self.min_votes_for_map.data,
            "retention_days": self.retention_days.data,
        }


for _code in LANGUAGES:
    _lang = {"lang": _code}
    setattr(
        RoundForm,
        f"title_{_code}",
        StringField(_l("Title"), filters=[strip_spaces], render_kw=_lang),
    )
    setattr(
        RoundForm,
        f"question_{_code}",
        TextAreaField(_l("Question"), filters=[strip_spaces], render_kw=_lang),
    )
    setattr(
        RoundForm,
        f"framing_{_code}",
        TextAreaField(
            _l("Framing"),
            filters=[strip_spaces],
            description=_l("Markdown: **bold**, *italic*, [links](https://example.org), lists."),
            render_kw=_lang,
        ),
    )


class PhaseForm(Form):
    phase = SelectField(
        _l("New phase"), choices=[SelectChoice(phase.value, PHASE_NAMES[phase]) for phase in Phase]
    )


class FacilitatorForm(Form):
    email = EmailField(_l("Email of their account"), validators=[DataRequired()])


class OwnerForm(Form):
    email = EmailField(_l("Email of their account"), validators=[DataRequired()])
    transfer = BooleanField(_l("Transfer: I stop being an owner"))


class AttachTerritoryForm(Form):
    territory = StringField(
        _l("Territory"),
        filters=[strip_spaces],
        validators=[DataRequired()],
        description=_l("Its identifier (slug), as listed on the territories page."),
        render_kw={"list": "territory-choices", "autocomplete": "off"},
    )
    weight = FloatField(
        _l("Weight (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0.001, max=1_000_000, message=_l("A positive number.")),
        ],
    )


class TerritoryForm(InputForm):
    input_model = TerritoryInput
    slug = StringField(
        _l("Identifier"),
        filters=[strip_spaces],
        validators=[DataRequired()],
        description=_l("Lowercase, for example strasbourg."),
    )
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_NAMES.items()]
    )
    iso_3166_2 = StringField(_l("ISO 3166-2 code"))
    eurostat_lau = StringField(_l("Eurostat LAU code"))
    lau_year = IntegerField(_l("LAU year"), validators=[Optional()])
    nuts = StringField(_l("NUTS code"))
    nuts_year = IntegerField(_l("NUTS year"), validators=[Optional()])
    wikidata = StringField(_l("Wikidata identifier"))
    population = IntegerField(_l("Population"), validators=[Optional()])
    population_year = IntegerField(_l("Population year"), validators=[Optional()])
    twins = StringField(
        _l("Twinned with"),
        filters=[strip_spaces],
        description=_l(
            "Identifiers of other territories, separated by commas. A territory you do not own"
            " is asked: the twinning starts once its owners accept."
        ),
    )

    def name_fields(self) -> list[Any]:
        return [self[f"name_{code}"] for code in LANGUAGES]

    def input_data(self) -> dict[str, Any]:
        return {
            "slug": self.slug.data or "",
            "names": {code: self[f"name_{code}"].data or "" for code in LANGUAGES},
            "kind": self.kind.data,
            "iso_3166_2": self.iso_3166_2.data,
            "eurostat_lau": self.eurostat_lau.data,
            "lau_year": self.lau_year.data,
            "nuts": self.nuts.data,
            "nuts_year": self.nuts_year.data,
            "wikidata": self.wikidata.data,
            "population": self.population.data,
            "population_year": self.population_year.data,
            "twin_slugs": tuple(s.strip() for s in (self.twins.data or "").split(",") if s.strip()),
        }


for _code in LANGUAGES:
    setattr(
        TerritoryForm,
        f"name_{_code}",
        StringField(
            lazy_message("Name in %(language)s", language=LANGUAGE_NAMES[_code]),
            filters=[strip_spaces],
            render_kw={"lang": _code},
        ),
    )


class InviteForm(Form):
    territory_id = SelectField(_l("Territory"), coerce=int, validators=[InputRequired()])
    label = StringField(
        _l("Label (optional)"),
        filters=[strip_spaces],
        validators=[Length(max=120), _printable],
        description=_l("For you only, for example: town hall newsletter."),
    )
    single_use = BooleanField(_l("Single use: admits one participant only"))
    max_participants = IntegerField(
        _l("Participant cap (optional)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_COUNT, message=_l("At least 1."))],
    )


class InviteBatchForm(InputForm):
    """Single-use invites for one territory, for decisions only their holders vote in."""

    input_model = InviteBatchInput
    territory_id = SelectField(_l("Territory"), coerce=int, validators=[InputRequired()])
    count = IntegerField(
        _l("Number of invites"),
        default=50,
        validators=[InputRequired(_l("Enter a whole number."))],
        description=lazy_message("From 1 to %(max)s at a time.", max=MAX_INVITE_BATCH),
    )
    label = StringField(
        _l("Label (optional)"),
        filters=[strip_spaces],
        description=_l("For you only, for example: letters of March."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # It shares the invites page with InviteForm: prefixed names keep the field ids apart.
        super().__init__(*args, prefix="batch", **kwargs)

    def input_data(self) -> dict[str, Any]:
        return {
            "territory_id": self.territory_id.data or 0,
            "count": self.count.data or 0,
            "label": self.label.data or "",
        }


class SeedForm(Form):
    text = TextAreaField(
        _l("Statement"),
        filters=[strip_spaces],
        validators=[VisibleText(_l("Write a statement first."))],
    )
    language = SelectField(_l("Language"), validators=[DataRequired()])


class SeedImportForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileSize(MAX_CSV_BYTES, message=_l("The file is larger than 2 MB.")),
        ],
        description=_l(
            "UTF-8, with the header text,language on its first line and one statement per line."
        ),
    )


class ModerationForm(Form):
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice(Action.ACCEPT.value, _l("Accept")),
            SelectChoice(Action.REJECT.value, _l("Reject")),
            SelectChoice(Action.META.value, _l("Flag as meta")),
            SelectChoice(Action.UNMETA.value, _l("Remove the meta flag")),
        ],
    )
    reason = StringField(
        _l("Reason"),
        filters=[strip_spaces],
        validators=[Length(max=MAX_REASON), _printable],
    )


class BulkModerationForm(ModerationForm):
    statement_ids = SelectMultipleField(
        _l("Statements"), coerce=int, validate_choice=False, validators=[Optional()]
    )


class TranslationForm(Form):
    """A facilitator's translation of one statement into one language."""

    language = StringField(_l("Language"), validators=[DataRequired()])
    text = TextAreaField(_l("Translation"), validators=[DataRequired(_l("Write a translation."))])


class TranslationModerationForm(Form):
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice(TranslationAction.ACCEPT.value, _l("Accept")),
            SelectChoice(TranslationAction.REJECT.value, _l("Reject")),
            SelectChoice(TranslationAction.REVIEW.value, _l("Mark as reviewed")),
        ],
    )
    reason = StringField(
        _l("Reason"),
        filters=[strip_spaces],
        validators=[Length(max=MAX_REASON), _printable],
    )


class PoImportForm(Form):
    language = SelectField(_l("Translations into"), validators=[DataRequired()])
    file = FileField(
        _l("PO file"),
        validators=[
            FileRequired(_l("Choose a PO file.")),
            FileSize(MAX_CSV_BYTES, message=_l("The file is larger than 2 MB.")),
        ],
        description=_l("A file exported here, translated in any PO editor (UTF-8)."),
    )


ELIGIBILITY_NAMES = {
    Eligibility.JOINED: _l("Everyone who joined the round"),
    Eligibility.SINGLE_USE_INVITES: _l("Only participants who joined through a single-use invite"),
}


class DecisionForm(InputForm):
    """A decision's rules (``DecisionInput``). The method's own settings are read from the
    registry's setting types by the view and handed in as ``settings``; times are typed in
    the round's ``time_zone``."""

    input_model = DecisionInput
    title = StringField(_l("Title"), filters=[strip_spaces])
    eligibility = RadioField(
        _l("Who may vote"),
        choices=[SelectChoice(key.value, label) for key, label in ELIGIBILITY_NAMES.items()],
        validators=[InputRequired(_l("Choose who may vote."))],
    )
    live_results = BooleanField(_l("Show a live count while ballots are cast"))
    receipts = BooleanField(_l("Give each voter a receipt"))
    opens_at = DateTimeLocalField(
        _l("Opens at"), format=DATETIME_FORMATS, validators=[Optional(), _schedule_date]
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"), format=DATETIME_FORMATS, validators=[Optional(), _schedule_date]
    )

    def __init__(
        self,
        *args: Any,
        method: str = "",
        settings: dict[str, Any] | None = None,
        time_zone: str = "UTC",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.method, self.settings, self.time_zone = method, settings or {}, time_zone

    def schedule_time_zone(self) -> str:
        """The zone the dates are typed in: the round's."""
        return self.time_zone

    def input_data(self) -> dict[str, Any]:
        return {
            "title": self.title.data or "",
            "method": self.method,
            "settings": self.settings,
            "eligibility": self.eligibility.data,
            "live_results": bool(self.live_results.data),
            "receipts": bool(self.receipts.data),
            "opens_at": None
            if self.opens_at.errors
            else local_to_utc(self.opens_at.data, self.time_zone),
            "closes_at": None
            if self.closes_at.errors
            else local_to_utc(self.closes_at.data, self.time_zone),
        }
