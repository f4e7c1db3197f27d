"""The spreadsheet-safe CSV writer: formulas never run in a spreadsheet, and what was written
reads back identical (export -> import is lossless)."""

import csv
import io
from datetime import date

import pytest

from registry.spreadsheet_csv import read_csv, safe_cell, write_csv

HOSTILE = ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd", "'=already", "''", "'", "plain", "", "naïve – ok"]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_cell_starts_like_a_formula_and_every_value_reads_back(value):
    text = write_csv(["v"], [{"v": value}])
    (cell,) = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert read_csv(text) == [{"v": value}]


def test_values_that_are_not_text():
    assert [safe_cell(v) for v in (None, True, False, 3, date(2023, 12, 1), ["old_age", "sickness"])] == [
        "", "true", "false", "3", "2023-12-01", "old_age;sickness"]


def test_a_hand_written_apostrophe_is_kept():
    """Only an apostrophe the writer added (before a formula start or another apostrophe) is removed."""
    assert read_csv("v\n'abc\n") == [{"v": "'abc"}]


def test_instrument_export_quotes_a_formula_title_and_imports_it_back(session):
    from agreements import exchange
    from tests.factories import create_instrument

    create_instrument(session, title_fr='=HYPERLINK("http://x","clic")', slug="2024-05-02-formule")
    instruments_csv, _links = exchange.export_csv(session)
    cells = [row["title_fr"] for row in csv.DictReader(io.StringIO(instruments_csv, newline=""))]
    assert "'=HYPERLINK(\"http://x\",\"clic\")" in cells and not any(c.startswith("=") for c in cells)
    (row,) = [r for r in exchange.rows_from_csv(instruments_csv) if r["slug"] == "2024-05-02-formule"]
    assert row["title_fr"] == '=HYPERLINK("http://x","clic")'
