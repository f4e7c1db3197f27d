"""CSV that is safe to open in a spreadsheet, and reads back to what was written.

A spreadsheet runs a cell that begins with = + - @ (or a tab or carriage return before one) as a
formula (OWASP "CSV injection"). Every text cell the registry writes goes through `safe_cell`:
such a cell is preceded by an apostrophe, which spreadsheets show as text. A cell that already
begins with an apostrophe gets one more, so `read_cell` can remove exactly one and give back the
original value: export -> import is lossless. Non-text values (numbers, dates) are written as
they are; booleans as true/false; None as an empty cell; lists joined with `;`."""

import csv
import io
from collections.abc import Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
LIST_SEPARATOR = ";"


def safe_cell(value) -> str:
    """One cell as text, quoted against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    if not isinstance(value, str):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return ESCAPE + value if value.startswith(FORMULA_STARTS + (ESCAPE,)) else value


def read_cell(text: str) -> str:
    """The value `safe_cell` wrote (one leading apostrophe removed when it was added)."""
    if text.startswith(ESCAPE) and text[1:].startswith(FORMULA_STARTS + (ESCAPE,)):
        return text[1:]
    return text


def write_csv(columns: list[str], rows: Iterable[Mapping]) -> str:
    """A header line and one line per row, every cell through `safe_cell`, lines ending in CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; also makes csv quote a lone \r
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in columns])
    return buffer.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    """Rows of a CSV written by `write_csv`, every cell through `read_cell` (values stay text)."""
    return [{name: read_cell(value or "") for name, value in row.items() if name is not None}
            for row in csv.DictReader(io.StringIO(text, newline=""))]
