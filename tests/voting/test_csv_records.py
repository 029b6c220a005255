"""The strict CSV reading shared by the Pol.is reader and the app's imports."""

from voting.csv_records import csv_records


def test_records_carry_the_line_they_start_on() -> None:
    text = 'a,b\n"two\nlines",x\n\nc,d\n'
    assert list(csv_records(text)) == [
        (1, ["a", "b"]),
        (2, ["two\nlines", "x"]),
        (4, []),
        (5, ["c", "d"]),
    ]


def test_a_quote_left_open_on_the_last_line_is_not_valid() -> None:
    assert list(csv_records('a,b\nc,"open')) == [(1, ["a", "b"]), (2, None)]


def test_reading_goes_on_after_text_after_a_closing_quote() -> None:
    assert list(csv_records('a,b\n"c" d,e\nf,g\n')) == [(1, ["a", "b"]), (2, None), (3, ["f", "g"])]
