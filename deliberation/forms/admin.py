"""Forms of the admins' pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Length

from deliberation.forms.base import Form
from deliberation.models import Role

ROLE_NAMES = {Role.FACILITATOR: _l("Facilitator"), Role.ADMIN: _l("Administrator")}
# Every role's name, for showing accounts; clerks get theirs from a council's owners, not here.
ROLE_LABELS = {**ROLE_NAMES, Role.COUNCIL: _l("Council clerk")}


def _role_field(label: str) -> SelectField:
    return SelectField(
        label, choices=[SelectChoice(role.value, name) for role, name in ROLE_NAMES.items()]
    )


class AccountInviteForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = _role_field(_l("Role"))


class RoleForm(Form):
    role = _role_field(_l("New role"))
