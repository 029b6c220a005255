"""The forms' base class, whose WTForms messages come in the page's language.

Flask-WTF translates WTForms' own messages ("Not a valid choice.", "This field is required.")
with WTForms' catalogs, and those leave some untranslated in Palabre's languages or get them
wrong: in WTForms 3.3 the German translation of "'%(value)s' is not a valid choice for this
field." is fuzzy (so not compiled: German pages showed it in English) and the Spanish one has
lost its opening quote. Palabre's catalog translates those messages (``WTFORMS_MESSAGES``,
listed for extraction) and is read first; WTForms' catalog translates the others.
"""

from __future__ import annotations

from gettext import NullTranslations
from typing import Any

from flask import current_app
from flask_babel import get_translations
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations

_marker = NullTranslations()
"""Marks messages for extraction (``gettext``/``ngettext`` calls); returns them untranslated."""

WTFORMS_MESSAGES = (
    _marker.ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        2,
    ),
    _marker.ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        2,
    ),
    _marker.gettext("This field cannot be edited."),
    _marker.gettext("This field is disabled and cannot have a value."),
    _marker.gettext("Not a valid time value."),
    _marker.gettext("Not a valid week value."),
    _marker.gettext("Date must be at least %(min)s."),
    _marker.gettext("Date must be at most %(max)s."),
    _marker.gettext("Date must be between %(min)s and %(max)s."),
)
"""WTForms' messages that its catalogs leave untranslated, get wrong or do not have yet (its
date range validator's) in French, Spanish or German: Palabre's catalog translates them."""


class BuiltinMessages:
    """WTForms' translations interface (``gettext``, ``ngettext``): a message Palabre's
    catalog translates comes from there, any other from WTForms' catalog (through Flask-WTF,
    in the request's locale)."""

    def gettext(self, string: str) -> str:
        text: str = get_translations().ugettext(string)
        return text if text != string else str(wtforms_translations.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text: str = get_translations().ungettext(singular, plural, n)
        if text not in (singular, plural):
            return text
        return str(wtforms_translations.ngettext(singular, plural, n))


builtin_messages = BuiltinMessages()


class Form(FlaskForm):
    """Flask-WTF's form (CSRF token, request data), its WTForms messages translated by
    ``BuiltinMessages`` unless ``WTF_I18N_ENABLED`` is off."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return builtin_messages
