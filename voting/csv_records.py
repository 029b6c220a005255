"""Strict CSV reading shared by every import: the Pol.is reader (``voting.opinions``) and the
app's own imports (``deliberation.csv_files.read_rows``).

Read with ``csv.reader(strict=True)``: a quote left open (even on the last line, which a lenient
reader would close at the end of the file), or text after a closing quote, makes the record
invalid instead of guessing what was meant. It lives here, in the pure package, because
``voting`` never imports ``deliberation``.
"""

import csv
import io
from collections.abc import Iterator


def csv_records(text: str) -> Iterator[tuple[int, list[str] | None]]:
    """Every record of the CSV ``text`` (already decoded) as (line, cells).

    ``line`` is the 1-based line the record starts on (a quoted cell may span lines); ``cells``
    is None when the record is not valid CSV, and reading goes on after it. A blank line is a
    record with no cells.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            record: list[str] | None = next(reader)
        except StopIteration:
            return
        except csv.Error:
            record = None
        previous_end = reader.line_num
        yield start, record
