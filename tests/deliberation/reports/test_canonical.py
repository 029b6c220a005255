"""The canonical JSON a version's SHA-256 is over."""

from __future__ import annotations

import hashlib
import math

import pytest

from deliberation.reports.canonical import canonical_json, sha256


def test_canonical_form_sorts_keys_without_whitespace_in_utf8() -> None:
    document = {"b": [1, 2.5, None, True], "a": {"z": "Straßburg", "y": "é"}}
    expected = '{"a":{"y":"é","z":"Straßburg"},"b":[1,2.5,null,true]}'.encode()
    assert canonical_json(document) == expected
    assert sha256(document) == hashlib.sha256(expected).hexdigest()


def test_key_order_does_not_change_the_checksum() -> None:
    assert sha256({"a": 1, "b": {"c": 2, "d": 3}}) == sha256({"b": {"d": 3, "c": 2}, "a": 1})


def test_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        canonical_json({"rate": math.nan})
