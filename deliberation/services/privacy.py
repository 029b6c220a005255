"""Statistical disclosure control: the one suppression rule behind every count Palabre shows.

Pages, the snapshot JSON, CSV files, the Pol.is export and the facilitators' counts all go
through these functions, with the round's privacy threshold ``k``:

1. **Primary suppression.** A count of people ``n`` with ``0 < n < k`` is hidden. Zero is
   shown: nobody can be singled out in an empty cell.
2. **Complementary suppression.** Counts are shown in tables whose rows or columns add up to
   totals that are shown too. Wherever a row or column that adds up has exactly one hidden cell,
   the smallest other cell of that line is hidden as well (non-zero cells first, then the first
   in order on ties), and this is repeated until no such line has exactly one hidden cell. A
   hidden count can then never be recovered by subtracting the shown cells from a total. (We
   suppress rather than round: rounded counts would still add up to the wrong totals.)
3. **Derived results.** A rate, share, score or statistic computed from a hidden cell is hidden
   with it; a group or territory cell hides its agree / disagree / pass split as a whole.

The privacy notice (``templates/participate/_privacy_notice.html``) states the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

Table = Sequence[Sequence[int]]
Mask = list[list[bool]]


def is_small(count: int, k: int) -> bool:
    """Whether ``count`` people is a primary-suppressed count under threshold ``k``."""
    return 0 < count < k


def _complete_line(values: Sequence[int], hidden: list[bool]) -> bool:
    """Hide one more cell of the line if exactly one is hidden; whether anything changed."""
    if sum(hidden) != 1 or len(values) < 2:
        return False
    candidates = [i for i, h in enumerate(hidden) if not h]
    partner = min(candidates, key=lambda i: (values[i] == 0, values[i], i))
    hidden[partner] = True
    return True


def complementary(
    table: Table, hidden: Sequence[Sequence[bool]], *, rows: bool = True, columns: bool = True
) -> Mask:
    """``hidden`` plus the complementary cells of ``table`` (rule 2).

    Args:
        table: (n_rows, n_columns) counts.
        hidden: same shape, the cells already hidden (primary or derived).
        rows, columns: whether rows, respectively columns, add up to a shown total.
    Returns:
        A new mask of the same shape.
    """
    mask = [list(line) for line in hidden]
    changed = True
    while changed:
        changed = False
        if rows:
            for values, line in zip(table, mask, strict=True):
                changed |= _complete_line(values, line)
        if columns and mask:
            for j in range(len(mask[0])):
                column = [line[j] for line in mask]
                if _complete_line([values[j] for values in table], column):
                    for line, h in zip(mask, column, strict=True):
                        line[j] = h
                    changed = True
    return mask


def suppression_mask(table: Table, k: int, *, rows: bool = True, columns: bool = True) -> Mask:
    """Which cells of ``table`` are hidden under threshold ``k`` (rules 1 and 2)."""
    primary = [[is_small(v, k) for v in line] for line in table]
    return complementary(table, primary, rows=rows, columns=columns)


def line_mask(values: Sequence[int], k: int) -> list[bool]:
    """Which cells of one line of counts that adds up to a shown total are hidden under
    threshold ``k``: ``suppression_mask([values], k)[0]``, at the cost of one line (a column of
    one cell has nothing to complete; a line completed once has two cells hidden, done)."""
    hidden = [is_small(v, k) for v in values]
    _complete_line(values, hidden)
    return hidden


def suppress_table(
    table: Table, k: int, *, rows: bool = True, columns: bool = True
) -> list[list[int | None]]:
    """``table`` with its hidden cells as None (rules 1 and 2)."""
    mask = suppression_mask(table, k, rows=rows, columns=columns)
    return [
        [None if h else int(v) for v, h in zip(values, line, strict=True)]
        for values, line in zip(table, mask, strict=True)
    ]


def suppress_line(values: Sequence[int], k: int) -> list[int | None]:
    """One line of counts that adds up to a shown total, its hidden cells as None."""
    return [None if h else int(v) for v, h in zip(values, line_mask(values, k), strict=True)]
