"""Every CSV file the app writes goes through ``writer``: safe to open in a spreadsheet.

The rule (OWASP, "CSV Injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would be read by Excel, LibreOffice or Google Sheets as a formula, which
can run commands or send the sheet's data elsewhere; such a cell is written with a single
quote in front (``'=1+2``), which spreadsheets show as text. Only text cells are changed:
numbers (a ``-1`` vote, a negative score) are passed as ``int`` or ``float`` and stay numbers,
so a program reading the file gets them back unchanged. A text cell that starts with one of
those characters does come back with the quote in front.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> Any:
    """``cell`` with a ``'`` in front if it is text a spreadsheet would read as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SpreadsheetSafeWriter:
    """``csv.writer`` whose text cells are neutralised (see the module's rule)."""

    def __init__(self, handle: TextIO, *, delimiter: str = ",") -> None:
        self._writer = csv.writer(handle, delimiter=delimiter)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: TextIO, *, delimiter: str = ",") -> SpreadsheetSafeWriter:
    """The CSV writer for every file the app writes (``handle`` opened with ``newline=""``;
    ``delimiter`` ``;`` for the Decidim accountability files)."""
    return SpreadsheetSafeWriter(handle, delimiter=delimiter)
