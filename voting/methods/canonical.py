"""Canonical JSON form of a profile's ballots, and its SHA-256.

The canonical form lets anyone recompute the checksum published with a result. It is the UTF-8
encoding of the JSON text that ``json.dumps(document, ensure_ascii=False, separators=(",", ":"),
sort_keys=True)`` produces for::

    {"ballot_type": "ranked" | "approval" | "score" | "stance",
     "ballots": [entry, ...],
     "candidates": [option names sorted by Unicode code point]}

where each entry is ``[ballot, territory, weight, count]``:

- ``ballot``, aligned with ``candidates`` in that sorted order:
  ranked: a list of dense ranks (1 for the top group, 2 for the next non-empty group...,
  0 for unranked); approval: a list of 0 and 1; score: a list of integers, ``null`` for a blank;
  stance: ``"agree"``, ``"abstain"``, ``"disagree"`` or ``["block", reason]``;
- ``territory``: the label, or ``null``;
- ``weight``: the exact weight of one ballot as a string, ``"p"`` or ``"p/q"`` in lowest terms;
- ``count``: how many identical ballots (same ballot, territory and weight) were cast.

Identical ballots are merged into one entry, and entries are sorted by the UTF-8 bytes of their
own JSON text, so neither the order of casting nor the bulk form of the input changes the hash.
Weights are the ballots' own, before any territory weighting.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from voting.methods.ballots import Ballot, BallotProfile, Block, Choice, RankedProfile, Stance
from voting.methods.errors import MethodError
from voting.methods.profile import STANCE_CODES, BallotKind, IntArray, Profile

# One rendered column: the table of byte tokens and, per row, the index of its token (None for
# a constant).
_Part = tuple[list[bytes], IntArray | None]
# Largest token table formed by joining neighbouring parts.
_PRODUCT_TABLE = 4096


def _text(value: object) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError as error:
        raise MethodError(f"{value!r} is not valid Unicode text") from error


def canonical_json(profile: Profile) -> bytes:
    """The canonical JSON text (UTF-8) of ``profile``'s ballots, as documented above."""
    names = sorted(profile.candidates)
    head = b'{"ballot_type":' + _text(profile.kind.value) + b',"ballots":['
    tail = b'],"candidates":' + _text(names) + b"}"
    if profile.rows == 0:
        return head + tail
    return head + _render(_entry_parts(profile)) + tail


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block.

    Decoding 100,000 ballots builds about a million small lists and dicts; every collection
    the allocations trigger on the way walks the ones already built, which makes decoding and
    grouping them several times slower. Ballots, JSON values and the arrays built from them
    hold no reference cycles, so the collector has nothing to find there; reference counting
    still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def decode_json(text: str | bytes) -> Any:
    """``json.loads`` with the collector paused (see :func:`collector_paused`)."""
    with collector_paused():
        return json.loads(text)


def ballots_sha256(profile: Profile) -> str:
    """Hexadecimal SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(profile)).hexdigest()


def parse_canonical(
    data: bytes,
) -> tuple[BallotKind, tuple[str, ...], BallotProfile | RankedProfile]:
    """Read a canonical JSON text back: its ballot type, candidates and ballots.

    The inverse of :func:`canonical_json` (a blank score is left out of the ballot, a block
    becomes :class:`~voting.methods.ballots.Block`), so counting the returned profile gives the
    same result and the same checksum as the ballots that produced ``data``. Ranked ballots
    come back as a :class:`~voting.methods.ballots.RankedProfile` (one array, no object per
    ballot), the others as a :class:`~voting.methods.ballots.BallotProfile`. It checks the
    document's shape, not that ``data`` is byte for byte canonical: compare
    ``canonical_json`` of the counted profile for that.

    Raises:
        MethodError: ``data`` is not UTF-8 JSON of the documented shape.
    """
    with collector_paused():
        return _parse(data)


def _parse(data: bytes) -> tuple[BallotKind, tuple[str, ...], BallotProfile | RankedProfile]:
    try:
        document = json.loads(data.decode("utf-8"))
        kind = BallotKind(document["ballot_type"])
        candidates = tuple(document["candidates"])
        entries = document["ballots"]
        if not all(isinstance(c, str) for c in candidates) or not isinstance(entries, list):
            raise TypeError("candidates are strings and ballots a list")
        if kind is BallotKind.RANKED:
            return kind, candidates, _ranked(candidates, entries)
        ballots = []
        counts = []
        for ballot, territory, weight, count in entries:
            ballots.append(Ballot(_choice(kind, candidates, ballot), Fraction(weight), territory))
            counts.append(count)
        return kind, candidates, BallotProfile(tuple(ballots), tuple(counts))
    except (ValueError, KeyError, TypeError, ZeroDivisionError, AttributeError) as error:
        raise MethodError(f"not a canonical ballots document: {error}") from error


def _ranked(candidates: tuple[str, ...], entries: list[list[object]]) -> RankedProfile:
    if any(not isinstance(e, list) or len(e) != 4 for e in entries):
        raise TypeError("an entry is [ballot, territory, weight, count]")
    ranks = np.array([e[0] for e in entries]) if entries else np.zeros((0, len(candidates)))
    counts = np.array([e[3] for e in entries], dtype=object)
    if ranks.size and (ranks.dtype.kind != "i" or ranks.shape != (len(entries), len(candidates))):
        raise TypeError("a ranked ballot is one integer rank per candidate")
    if any(isinstance(c, bool) or not isinstance(c, int) for c in counts):
        raise TypeError("a count is an integer")
    territories: list[str | None] = []
    for entry in entries:
        if entry[1] is not None and not isinstance(entry[1], str):
            raise TypeError("a territory is a string or null")
        territories.append(entry[1])
    fractions = {weight: Fraction(str(weight)) for weight in {e[2] for e in entries}}
    weights = tuple(fractions[e[2]] for e in entries)
    return RankedProfile(
        ranks.astype(np.int64).reshape(len(entries), len(candidates)),
        counts=counts.astype(np.int64),
        weights=None if all(w == 1 for w in fractions.values()) else weights,
        territories=tuple(territories),
    )


def _choice(kind: BallotKind, candidates: tuple[str, ...], ballot: object) -> Choice:
    if kind is BallotKind.STANCE:
        if isinstance(ballot, list) and len(ballot) == 2 and ballot[0] == Stance.BLOCK.value:
            return Block(ballot[1])
        if not isinstance(ballot, str):
            raise TypeError(f"a stance is a string or a block, not {ballot!r}")
        return ballot
    if not isinstance(ballot, list) or len(ballot) != len(candidates):
        raise TypeError("a ballot has one value per candidate")
    if kind is BallotKind.SCORE:
        return {c: v for c, v in zip(candidates, ballot, strict=True) if v is not None}
    if kind is BallotKind.APPROVAL:
        return frozenset(c for c, v in zip(candidates, ballot, strict=True) if v)
    depth = max(ballot, default=0)
    return [
        [c for c, v in zip(candidates, ballot, strict=True) if v == rank]
        for rank in range(1, depth + 1)
    ]


def _entry_parts(profile: Profile) -> list[_Part]:
    parts: list[_Part] = [([b"["], None)]
    parts.extend(_ballot_parts(profile))
    parts.append(([b","], None))
    labels = [b"null"] + [_text(t) for t in profile.territories]
    parts.append((labels, profile.territory + 1))
    parts.append(([b","], None))
    parts.append(([_text(str(w)) for w in profile.weights], profile.weight))
    parts.append(([b","], None))
    counts, count_index = np.unique(profile.count, return_inverse=True)
    parts.append(([str(int(c)).encode() for c in counts], count_index.reshape(-1)))
    parts.append(([b"],"], None))
    return parts


def _ballot_parts(profile: Profile) -> list[_Part]:
    if profile.kind is BallotKind.STANCE:
        plain = {
            code: stance for stance, code in STANCE_CODES.items() if stance is not Stance.BLOCK
        }
        table = [_text(plain[code].value) for code in range(len(plain))]
        table += [_text([Stance.BLOCK.value, reason]) for reason in profile.reasons]
        code = profile.values[:, 0]
        index = np.where(code == STANCE_CODES[Stance.BLOCK], len(plain) + profile.reason, code)
        return [(table, index)]
    order = sorted(range(len(profile.candidates)), key=lambda j: profile.candidates[j])
    values = profile.values[:, order].astype(np.int64)
    if profile.kind is BallotKind.SCORE:
        low = int(values.min())
        high = int(values.max())
        table = [b"null"] + [str(v).encode() for v in range(low, high + 1)]
        index = np.where(profile.blank[:, order], 0, values - low + 1)
    else:
        table = [str(v).encode() for v in range(int(values.max()) + 1)]
        index = values
    parts: list[_Part] = [([b"["], None)]
    for column in range(len(order)):
        if column:
            parts.append(([b","], None))
        parts.append((table, index[:, column]))
    parts.append(([b"]"], None))
    return parts


def _render(parts: list[_Part]) -> bytes:
    """Concatenate each row's tokens, sort the rows bytewise and join them with commas.

    Each part's tokens are zero-padded to the part's widest token (JSON text never holds a NUL
    byte), rows are laid side by side and the padding is dropped at the end. Within a part the
    tokens are prefix-free (each ends in a delimiter or closing quote, and constants are shared),
    so two rows first differ inside the first part where their tokens differ: sorting rows by
    the bytewise rank of their token in each part, part after part, sorts their texts bytewise.
    """
    folded: list[tuple[list[bytes], IntArray]] = []
    prefix = b""
    for tokens, index in parts:
        if index is None and folded:
            folded[-1] = ([t + tokens[0] for t in folded[-1][0]], folded[-1][1])
        elif index is None:
            prefix += tokens[0]
        else:
            folded.append(([prefix + t for t in tokens], index))
            prefix = b""
    # Neighbouring parts with small tables become one part over their product (fewer passes).
    merged: list[tuple[list[bytes], IntArray]] = []
    for tokens, index in folded:
        if merged and len(merged[-1][0]) * len(tokens) <= _PRODUCT_TABLE:
            head, head_index = merged[-1]
            merged[-1] = ([a + b for a in head for b in tokens], head_index * len(tokens) + index)
        else:
            merged.append((tokens, index))
    folded = merged
    ranks = []
    for tokens, index in folded:
        position = np.empty(len(tokens), dtype=np.int64)
        position[sorted(range(len(tokens)), key=tokens.__getitem__)] = np.arange(len(tokens))
        ranks.append(position[index])
    if math.prod(len(tokens) for tokens, _ in folded) < 1 << 63:
        key = np.zeros(len(ranks[0]), dtype=np.int64)
        for (tokens, _), rank in zip(folded, ranks, strict=True):
            key = key * len(tokens) + rank
        order = np.argsort(key)
    else:
        order = np.lexsort(ranks[::-1])
    rows = np.concatenate([_table(tokens)[index[order]] for tokens, index in folded], axis=1)
    text = rows.reshape(-1)
    data: bytes = text[text != 0].tobytes()[:-1]
    return data


def _table(tokens: list[bytes]) -> npt.NDArray[np.uint8]:
    """Tokens as rows of a zero-padded byte matrix."""
    width = max(len(t) for t in tokens)
    matrix = np.zeros((len(tokens), width), dtype=np.uint8)
    for i, token in enumerate(tokens):
        matrix[i, : len(token)] = np.frombuffer(token, dtype=np.uint8)
    return matrix
