"""Every CSV the registry writes, and what it reads back: spreadsheet-safe and bounded.

Writing: a cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or
a carriage return: `=HYPERLINK(…)`, `@SUM(…)`) is prefixed with a single quote, as OWASP advises
for CSV injection; a cell that already starts with quotes before such a character gets one more,
so the prefix can always be told from the data. Negative numbers and phone numbers (`-1`,
`+33 1 …`) are prefixed too: the spreadsheet shows them as text, which they are here (slugs,
labels, dates; the registry exports no signed quantity).

Reading (imports of the registry's own exports, and batch files): exactly one such quote is
removed, so export → import → export gives the same file. A cell larger than the csv module's
limit (128 KiB) or a broken quote is a CsvRefused naming the line, never a csv.Error.
tests/test_csv_files.py fails if a module writes CSV without `write_csv`."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from registry.labels import mark

LIST_SEPARATOR = ";"  # a list in one cell: risks, languages…
FORMULA = re.compile(r"^'*[=+\-@\t\r]")
QUOTED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")
# 131,072 characters: the csv module's default limit, checked here as well because the limit is
# process-wide and a library may raise it (frictionless sets it to sys.maxsize when imported)
CELL_LIMIT = 128 * 1024
UNREADABLE = mark("line %(line)s of the CSV file cannot be read: %(reason)s")
CELL_TOO_LARGE = mark("line %(line)s of the CSV file holds a cell longer than %(max)s characters (or a quote "
                      "that is never closed)")


class CsvRefused(ValueError):
    """The file cannot be read as CSV; `message` is a catalog msgid, `params` says where."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params)
        self.message, self.params = message, params


def cell_text(value) -> str:
    """How a value is written in a cell: None empty, booleans true/false, lists joined with `;`,
    dates and times in ISO 8601, anything else as str() (then `write_csv` makes it safe)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if FORMULA.match(text) else text


def from_spreadsheet(text: str) -> str:
    """The value `spreadsheet_safe` was given."""
    return text[1:] if QUOTED_FORMULA.match(text) else text


def write_csv(rows: Iterable, header: list[str], *, mapping: bool = False, lineterminator: str = "\n") -> str:
    """The CSV of `rows` (sequences, or dicts keyed by `header` when `mapping`), every cell safe."""
    out, line = io.StringIO(), io.StringIO()
    # with "\r\n" as its terminator, the writer quotes any cell holding \r or \n: with "\n" alone a
    # cell holding \r would be written bare and make the file unreadable
    writer = csv.writer(line, lineterminator="\r\n")

    def write(cells: Iterable) -> None:
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
        out.write(line.getvalue()[:-2] + lineterminator)
        line.seek(0)
        line.truncate()

    write(header)
    for row in rows:
        write([row.get(name) for name in header] if mapping else row)
    return out.getvalue()


def read_csv(text: str, delimiter: str = ",") -> Iterator[list[str]]:
    """Rows of cells, each as it was before `spreadsheet_safe`; CsvRefused names the bad line."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num or 1
            if "field larger than field limit" in str(exc):
                raise CsvRefused(CELL_TOO_LARGE, line=line, max=f"{CELL_LIMIT:,}") from None
            raise CsvRefused(UNREADABLE, line=line, reason=str(exc)) from None
        if any(len(cell) > CELL_LIMIT for cell in cells):
            raise CsvRefused(CELL_TOO_LARGE, line=reader.line_num, max=f"{CELL_LIMIT:,}")
        yield [from_spreadsheet(cell) for cell in cells]


def read_csv_dicts(text: str) -> Iterator[dict[str, str]]:
    """Like csv.DictReader (the first line names the columns), through read_csv."""
    rows = read_csv(text)
    header = next(rows, None) or []
    for cells in rows:
        if cells:  # csv.DictReader skips blank lines too
            yield dict(zip(header, cells, strict=False)) | {name: "" for name in header[len(cells):]}
