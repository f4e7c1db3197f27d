"""Batches: up to 10,000 rows from CSV or JSON Lines -> a ZIP of documents and report.csv.

Invalid rows are reported, never a reason to drop valid ones. DOCX renders run in the render
pool (both cores); PDF conversions go through the warm LibreOffice, restarted if it dies."""

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from forms.fields import FieldSpec, FieldType, parse_fields, put_dotted
from forms.generation.generate import check_data, render
from forms.generation.jobs import RenderJob, render_filled_docx_chunk
from registry import i18n, json_limits
from registry.csv_files import CsvRefused, read_csv, write_csv
from registry.documents.provenance import pdf_from_docx
from registry.documents.workers import RenderFailed
from registry.labels import Message, mark

MAX_ROWS = 10_000
CHUNK_ROWS = 20  # rows per worker task: fewer round trips, still both cores busy
TRUE_WORDS = {"1", "true", "yes", "oui", "da", "sim", "x", "✓"}


class BatchRefused(ValueError):
    """The whole input is unusable (encoding, columns, size): nothing is generated."""

    status_code = 400

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params)
        self.message, self.params = message, params


@dataclass
class BatchResult:
    documents: int = 0
    rejected: list[tuple[int, str, str, str, str]] = field(default_factory=list)  # row, field, fr, partner, message
    archive: bytes = b""


def column_names(specs: list[FieldSpec]) -> dict[str, str]:
    """Accepted header -> field name: the field name, its French label, its partner label."""
    names: dict[str, str] = {}
    for spec in specs:
        for header in (spec.name, spec.label_fr, spec.label_partner):
            names.setdefault(header.strip().casefold(), spec.name)
    return names


AT_CELL = mark("row %(row)s, column %(column)s")
AT_LINE = mark("line %(line)s")


def _cell(spec: FieldSpec, raw: str, row: int, column: str):
    text = raw.strip()
    if text == "":
        return None
    if spec.type == FieldType.checkbox:
        return text.casefold() in TRUE_WORDS
    if spec.type in (FieldType.rows, FieldType.address):
        try:
            return json_limits.loads(text, Message(AT_CELL, {"row": row, "column": column}))
        except json_limits.JsonRefused as exc:
            if exc.message == json_limits.TOO_DEEP:
                raise BatchRefused(exc.message, **exc.params) from None
            return text  # left for the schema check to refuse, with the field's name
    return text


def rows_from_csv(raw: bytes, specs: list[FieldSpec]) -> list[dict]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchRefused(mark("the CSV file is not UTF-8 (byte %(position)s); save it as CSV UTF-8"),
                           position=exc.start) from None
    first_line = text.split("\n", 1)[0]
    # spreadsheets in France export with ";": take the separator the header uses most
    delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    try:
        return _rows(read_csv(text, delimiter), specs)
    except CsvRefused as exc:
        raise BatchRefused(exc.message, **exc.params) from None


def _rows(reader, specs: list[FieldSpec]) -> list[dict]:
    header = next(reader, None)
    if not header:
        raise BatchRefused(mark("the CSV file has no header line"))
    names, by_name = column_names(specs), {s.name: s for s in specs}
    unknown = [h for h in header if h.strip().casefold() not in names]
    if unknown:
        raise BatchRefused(mark("unknown columns: %(columns)s; expected field names or labels"),
                           columns=", ".join(unknown))
    fields_of_columns = [names[h.strip().casefold()] for h in header]
    rows = []
    for number, cells in enumerate(reader, start=1):
        if number > MAX_ROWS:
            raise BatchRefused(mark("more than %(max)s rows; split the file"), max=f"{MAX_ROWS:,}")
        row: dict = {}
        for name, header_cell, cell in zip(fields_of_columns, header, cells, strict=False):
            value = _cell(by_name[name], cell, number, header_cell)
            if value is not None:
                put_dotted(row, name, value)
        rows.append(row)
    return rows


def rows_from_jsonl(raw: bytes) -> list[dict]:
    rows = []
    for number, line in enumerate(raw.decode("utf-8-sig", errors="strict").splitlines(), start=1):
        if not line.strip():
            continue
        if len(rows) >= MAX_ROWS:
            raise BatchRefused(mark("more than %(max)s rows; split the file"), max=f"{MAX_ROWS:,}")
        try:
            row = json_limits.loads(line, Message(AT_LINE, {"line": number}))
        except json_limits.JsonRefused as exc:
            if exc.message == json_limits.TOO_DEEP:
                raise BatchRefused(exc.message, **exc.params) from None
            raise BatchRefused(mark("line %(line)s is not a JSON object"), line=number) from None
        if not isinstance(row, dict):
            raise BatchRefused(mark("line %(line)s is not a JSON object"), line=number)
        rows.append(row)
    return rows


def read_rows(raw: bytes, media: str, job: RenderJob) -> list[dict]:
    if media == "jsonl":
        try:
            return rows_from_jsonl(raw)
        except UnicodeDecodeError as exc:
            raise BatchRefused(mark("the file is not UTF-8 (byte %(position)s)"), position=exc.start) from None
    return rows_from_csv(raw, parse_fields(job.fields))


def safe_name(value: object, fallback: str) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:80]
    return text or fallback


def _lookup(row: dict, dotted: str):
    for key in dotted.split("."):
        row = row.get(key) if isinstance(row, dict) else None
    return row


def run_batch(job: RenderJob, rows: list[dict], fmt: str, pool, converter, name_field: str = "",
              stem: str = "document", progress: Callable[[int], None] | None = None,
              locale: str = "en") -> BatchResult:
    """`locale`: the language of report.csv's messages (its columns stay as they are)."""
    result = BatchResult()
    valid = []
    for number, row in enumerate(rows, start=1):
        problems = check_data(job, row, locale)
        if problems:
            result.rejected += [(number, p.field, p.label_fr, p.label_partner, p.message) for p in problems]
        else:
            valid.append((number, row))
    buffer, used = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, data in _documents(job, valid, fmt, pool, converter, result, locale):
            name = f"{stem}_{safe_name(_lookup(rows[number - 1], name_field) if name_field else '', f'{number:05d}')}"
            while name in used:
                name = f"{name}-{number}"
            used.add(name)
            archive.writestr(f"{name}.{fmt}", data)
            result.documents += 1
            if progress:
                progress(result.documents)
        archive.writestr("report.csv", report_csv(result.rejected))
    result.archive = buffer.getvalue()
    return result


def _documents(job: RenderJob, valid: list[tuple[int, dict]], fmt: str, pool, converter, result: BatchResult,
               locale: str):
    """(row number, bytes) for each valid row; a row that fails to render is reported, not fatal."""
    if job.template_kind == "pdf":
        for number, row in valid:
            yield number, render(job, row, fmt, pool, converter)
        return
    chunks = [valid[start:start + CHUNK_ROWS] for start in range(0, len(valid), CHUNK_ROWS)]
    arguments = ((job, [row for _, row in chunk]) for chunk in chunks)
    rendered = pool.run_all(render_filled_docx_chunk, arguments, key=job.key, timeout=pool.timeout * CHUNK_ROWS)
    for chunk, documents in zip(chunks, rendered, strict=True):
        if isinstance(documents, RenderFailed):
            message = i18n.gettext(locale, documents.message, **documents.params)
            result.rejected += [(number, "", "", "", message) for number, _ in chunk]
            continue
        for (number, _), docx in zip(chunk, documents, strict=True):
            yield number, pdf_from_docx(converter, docx) if fmt == "pdf" else docx


def report_csv(rejected: list[tuple]) -> str:
    return write_csv(rejected, ["row", "field", "label_fr", "label_partner", "error"])
