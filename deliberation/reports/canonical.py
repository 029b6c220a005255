"""The canonical JSON of a document and its SHA-256: what a published version's checksum is over.

Canonical form: JSON (RFC 8259) with object keys sorted by code point, no whitespace at all
(separators ``,`` and ``:``), non-ASCII characters written as themselves (not ``\\u`` escapes),
encoded in UTF-8, no trailing newline; NaN and infinities are refused. Numbers are written as
Python writes them (integers without a decimal point, floats in their shortest round-trip
form). Anyone can recompute the checksum of a downloaded document with, for example::

    python -c "import json,sys,hashlib; d=json.load(sys.stdin); print(hashlib.sha256(json.dumps(
        d, sort_keys=True, ensure_ascii=False, separators=(',', ':'), allow_nan=False
    ).encode()).hexdigest())" < outcome.json
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """The canonical UTF-8 bytes of ``document`` (see the module docstring)."""
    return json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def sha256(document: Mapping[str, Any]) -> str:
    """The hex SHA-256 of the canonical JSON of ``document``."""
    return hashlib.sha256(canonical_json(document)).hexdigest()
