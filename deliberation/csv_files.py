"""Every CSV file the app writes goes through ``writer``: safe to open in a spreadsheet; every
CSV file it imports goes through ``read_rows``, which names each problem by its line (its strict
CSV reading, ``voting.csv_records``, is the Pol.is reader's too).

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
from dataclasses import dataclass
from typing import Any, TextIO

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from deliberation.messages import lazy_message
from voting.csv_records import csv_records

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


@dataclass(frozen=True)
class LineProblem:
    """Why line ``line`` (1-based, the header is line 1) of an import cannot be used."""

    line: int
    reason: str | LazyString


@dataclass(frozen=True)
class CsvRow:
    """A line of an imported file: its number (where it starts) and its cells."""

    line: int
    cells: list[str]


def _utf8_problems(data: bytes) -> list[LineProblem]:
    problems = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(
                LineProblem(number, _l("This line is not UTF-8 text: save the file as UTF-8."))
            )
    return problems


def read_rows(
    data: bytes, *, header: tuple[str, ...], max_rows: int
) -> tuple[list[CsvRow], list[LineProblem]]:
    """The lines of a UTF-8 CSV file under its ``header`` line (compared without case or
    spaces), blank lines skipped, and every problem found: not UTF-8, no or another header,
    invalid CSV, another number of columns, more than ``max_rows`` lines. A caller checks the
    cells of each row and imports all or nothing."""
    names = ",".join(header)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], _utf8_problems(data)
    if not content.strip():
        return [], [
            LineProblem(
                1, lazy_message("The file is empty: it needs the header %(header)s.", header=names)
            )
        ]
    rows: list[CsvRow] = []
    problems: list[LineProblem] = []
    header_done = False
    lines = 0
    for start, record in csv_records(content):
        if record is None:
            problems.append(
                LineProblem(start, _l("This line is not valid CSV (check its quotes)."))
            )
            continue
        if not header_done:
            header_done = True
            if [cell.strip().lower() for cell in record] != list(header):
                return [], [
                    LineProblem(
                        start,
                        lazy_message(
                            "The first line must be the header %(header)s; found %(found)s.",
                            header=names,
                            found=",".join(record) or "-",
                        ),
                    )
                ]
            continue
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        lines += 1
        if lines > max_rows:
            problems.append(
                LineProblem(start, lazy_message("At most %(n)d lines per file.", n=max_rows))
            )
            break
        if len(record) != len(header):
            problems.append(
                LineProblem(
                    start,
                    lazy_message(
                        "Columns on this line: %(n)d; %(needed)d are needed: %(header)s.",
                        n=len(record),
                        needed=len(header),
                        header=names,
                    ),
                )
            )
            continue
        rows.append(CsvRow(start, record))
    if not header_done:
        problems.insert(
            0, LineProblem(1, lazy_message("The file needs the header %(header)s.", header=names))
        )
    return rows, problems
