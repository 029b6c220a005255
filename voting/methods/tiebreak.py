"""The seeded tie-break order, the last resort after a method's own secondary rules.

The order is fixed by a seed chosen when voting opens and published at close, so anyone can
recompute it: each option's key is the SHA-256 of the UTF-8 text ``f"{seed}:{name}"``, and
options are ordered by the hexadecimal digest, smallest first (first is favoured). It depends
neither on the names' alphabetical order nor on the order the options were created or passed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def tiebreak_order(candidates: tuple[str, ...], seed: int) -> tuple[int, ...]:
    """Candidate indices in the seeded tie-break order, most favoured first."""

    def key(index: int) -> str:
        return hashlib.sha256(f"{seed}:{candidates[index]}".encode()).hexdigest()

    return tuple(sorted(range(len(candidates)), key=key))


def first_in_order(options: Iterable[int], order: tuple[int, ...]) -> int:
    """The option among ``options`` that comes first in ``order``."""
    position = {option: rank for rank, option in enumerate(order)}
    return min(options, key=position.__getitem__)
