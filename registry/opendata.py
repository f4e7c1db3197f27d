"""The open-data dump: every public table as CSV and JSON in one ZIP, described by a Frictionless
Data Package (`datapackage.json`: every column, its type, keys), under the Licence Ouverte 2.0
(Etalab), with the date of the extract.

Knows no domain object: each feature describes its own tables (agreements/opendata.py,
agreements/meetings/opendata.py, forms/opendata.py) and the composition root lists them. The
dump is the public view whoever asks (anonymous visibility), read in one consistent snapshot
(registry.db.snapshot_session): a write committed while it is being read is either wholly in it
or not at all."""

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from registry.csv_files import LIST_SEPARATOR, cell_text, write_csv

LICENCE = {"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence version 2.0",
           "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
PACKAGE_NAME = "registre-accords-securite-sociale"
CSV_NOTE = ("CSV: UTF-8, comma-separated, RFC 4180. A cell that begins with = + - @, a tab or a carriage return, "
            "after any apostrophes, is preceded by one more apostrophe so that spreadsheets do not run it as a "
            "formula (registry/csv_files.py); remove that one apostrophe to read the value. Lists are joined "
            f"with '{LIST_SEPARATOR}'.")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Frictionless type: string, integer, boolean, date, datetime
    description: str
    required: bool = False
    is_list: bool = False  # a list: 'a;b' in CSV, an array in JSON
    enum: tuple[str, ...] | None = None

    def schema(self, for_json: bool) -> dict:
        described = {"name": self.name, "type": "array" if self.is_list and for_json else self.type,
                     "description": self.description + (f" (joined with '{LIST_SEPARATOR}' in CSV)" if self.is_list else "")}
        constraints = {**({"required": True} if self.required else {}), **({"enum": list(self.enum)} if self.enum
                                                                            and not self.is_list else {})}
        return {**described, **({"constraints": constraints} if constraints else {})}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict]
    primary_key: list[str]
    foreign_keys: list[dict] = field(default_factory=list)  # Frictionless foreignKeys, naming tables by `name`

    def schema(self, for_json: bool) -> dict:
        suffix = "_json" if for_json else ""
        keys = [{**fk, "reference": {**fk["reference"], "resource": fk["reference"]["resource"] + suffix}}
                for fk in self.foreign_keys]
        return {"fields": [c.schema(for_json) for c in self.columns], "primaryKey": self.primary_key,
                **({"foreignKeys": keys} if keys else {})}


TableProvider = Callable[[object], Iterable[Table]]  # session -> tables


def collect_tables(session, providers: Iterable[TableProvider]) -> list[Table]:
    return [table for provider in providers for table in provider(session)]


def _json_value(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def table_json(table: Table) -> str:
    rows = [{c.name: _json_value(row.get(c.name)) for c in table.columns} for row in table.rows]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def table_csv(table: Table) -> str:
    names = [c.name for c in table.columns]
    rows = ({name: cell_text(row.get(name)) for name in names} for row in table.rows)
    return write_csv(rows, names, mapping=True, lineterminator="\r\n")  # RFC 4180 line ends


def descriptor(tables: list[Table], extracted_at: datetime, source_url: str) -> dict:
    resources = []
    for table in tables:
        common = {"title": table.title, "description": table.description, "type": "table", "encoding": "utf-8"}
        resources.append({"name": table.name, "path": f"data/{table.name}.csv", "format": "csv",
                          "mediatype": "text/csv", **common, "description": f"{table.description} {CSV_NOTE}",
                          "schema": table.schema(for_json=False)})
        resources.append({"name": f"{table.name}_json", "path": f"data/{table.name}.json", "format": "json",
                          "mediatype": "application/json", **common, "schema": table.schema(for_json=True)})
    return {"name": PACKAGE_NAME, "title": "Registre des accords bilatéraux de sécurité sociale",
            "description": "Accords, arrangements administratifs, avenants, formulaires de liaison et leurs versions, "
                           "sessions publiques, décisions et actions, extraits du registre.",
            "created": extracted_at.isoformat(), "licenses": [LICENCE], "homepage": source_url,
            "sources": [{"title": "Registre des accords de sécurité sociale", "path": source_url}],
            "resources": resources}


def readme(tables: list[Table], extracted_at: datetime, source_url: str) -> str:
    lines = ["# Registre des accords bilatéraux de sécurité sociale : données ouvertes", "",
             f"Extrait du {extracted_at.isoformat()} (UTC), depuis {source_url}.", "",
             f"Licence : {LICENCE['title']} (Etalab), {LICENCE['path']}. Réutilisation libre, y compris commerciale, "
             "sous réserve de mentionner la source et la date de l'extrait.", "",
             "Chaque table est fournie en CSV (`data/*.csv`) et en JSON (`data/*.json`) ; `datapackage.json` "
             "(Frictionless Data) décrit chaque colonne.", "", CSV_NOTE, "", "## Tables", ""]
    lines += [f"- `{t.name}` ({len(t.rows)} rows): {t.description}" for t in tables]
    return "\n".join(lines) + "\n"


def dump_zip(tables: list[Table], extracted_at: datetime, source_url: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor(tables, extracted_at, source_url),
                                                        ensure_ascii=False, indent=1) + "\n")
        archive.writestr("README.md", readme(tables, extracted_at, source_url))
        for table in tables:
            archive.writestr(f"data/{table.name}.csv", table_csv(table))
            archive.writestr(f"data/{table.name}.json", table_json(table))
    return buffer.getvalue()


def export_registry(engine, providers: Iterable[TableProvider], source_url: str,
                    extracted_at: datetime | None = None) -> bytes:
    """The whole dump, every table read in one snapshot of the database."""
    from registry.db import snapshot_session
    from registry.models import utcnow

    extracted_at = extracted_at or utcnow().replace(microsecond=0)
    with snapshot_session(engine) as session:
        tables = collect_tables(session, providers)
    return dump_zip(tables, extracted_at, source_url)
