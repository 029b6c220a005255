"""An audit entry's details in the reader's words: each key named in their language, roles and
phases by their names, times in the log's time zone, never a raw key such as ``expires_at``.

Details are data recorded by the services (``services.audit.record``): plain JSON values. The
functions return text; the template escapes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from deliberation.forms.admin import ROLE_LABELS
from deliberation.templating import PHASE_NAMES, format_local_datetime

DETAIL_NAMES = {
    "by": _l("By"),
    "council_id": _l("Council"),
    "councils": _l("Councils"),
    "decision": _l("Decision"),
    "email": _l("Email"),
    "expires_at": _l("Expires"),
    "implementation_status": _l("Implementation"),
    "label": _l("Label"),
    "language": _l("Language"),
    "merged": _l("Merged"),
    "outcome_id": _l("Outcome"),
    "owner_email": _l("Owner"),
    "owner_id": _l("Owner"),
    "parts": _l("Parts"),
    "phase": _l("Phase"),
    "prefix": _l("Prefix"),
    "progress": _l("Progress"),
    "reason": _l("Reason"),
    "response_id": _l("Response"),
    "role": _l("Role"),
    "scope": _l("Scope"),
    "sha256": "SHA-256",
    "title": _l("Title"),
    "token_id": _l("API token"),
    "translation": _l("Translation"),
    "twins": _l("Twinned with"),
    "type": _l("Type"),
    "user_id": _l("Account"),
    "version": _l("Version"),
}
"""Names of the details' keys; a key not named here reads as its words ("privacy k")."""
_VALUE_NAMES: dict[str, Mapping[Any, Any]] = {
    "role": ROLE_LABELS,
    "phase": PHASE_NAMES,
}
_CHANGE_KEYS = {"phase", "role", "weight"}
"""Keys whose list value is a change, before → after (as is every entry of ``changes``)."""


def detail_lines(details: Mapping[str, Any], time_zone: str = "UTC") -> list[tuple[str, str]]:
    """One (name, value) line per detail; the entries of ``changes`` (setting → [before,
    after]) each on their own line."""
    lines = []
    for key, value in details.items():
        if key == "changes" and isinstance(value, Mapping):
            lines += [
                (detail_name(name), _text(name, pair, time_zone, change=True))
                for name, pair in value.items()
            ]
        else:
            lines.append((detail_name(key), _text(key, value, time_zone, key in _CHANGE_KEYS)))
    return lines


def detail_name(key: str) -> str:
    """The name of detail ``key`` in the reader's language."""
    return str(DETAIL_NAMES.get(key, key.replace("_", " ")))


def _text(key: str, value: Any, time_zone: str, change: bool = False) -> str:
    """``value`` of detail ``key`` as text: lists joined (a change as "before → after"),
    mappings as "name: value" pairs, times in ``time_zone``, "—" for nothing."""
    if isinstance(value, Mapping):
        return "; ".join(
            f"{detail_name(name)}: {_text(name, item, time_zone)}" for name, item in value.items()
        )
    if isinstance(value, list):
        parts = [_text(key, item, time_zone) for item in value]
        return (" → " if change else ", ").join(parts) if parts else "—"
    if value is None:
        return "—"
    if isinstance(value, str) and key.endswith("_at"):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_local_datetime(when if when.tzinfo else when.replace(tzinfo=UTC), time_zone)
    if isinstance(value, str):
        return str(_VALUE_NAMES.get(key, {}).get(value, value))
    return str(value)


def init_app(app: Flask) -> None:
    """Give the templates ``audit_detail_lines``."""
    app.jinja_env.globals["audit_detail_lines"] = detail_lines
