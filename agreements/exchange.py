"""Export and import of instruments and their links, as JSON or CSV.

Rows are keyed by (country_code, slug), so an import is idempotent: a row equal to what the
registry holds is `unchanged`, a different one is `changed` (a new revision, audited), a new one
`created`, an invalid one `refused` with its errors. A dry run performs the same work in a
transaction that is rolled back, so it reports exactly what a real run would do."""

import json
from dataclasses import asdict, dataclass, field

from pydantic import ValidationError
from sqlmodel import Session, select

from agreements import services
from agreements.models import Instrument, InstrumentLink
from agreements.queries import find_by_slug
from agreements.schemas import InstrumentCreate
from agreements.services.revisions import TRACKED_FIELDS, snapshot
from registry import audit, country_limits
from registry.csv_files import LIST_SEPARATOR, cell_text, read_csv_dicts, write_csv
from registry.problems import Conflict, Refused

FORMAT = "registry-instruments/1"
INSTRUMENT_COLUMNS = list(TRACKED_FIELDS)
LINK_COLUMNS = ["country_code", "from_slug", "kind", "to_slug"]


def export_data(session: Session) -> dict:
    instruments = session.exec(select(Instrument).order_by(Instrument.country_code, Instrument.slug)).all()
    by_id = {i.id: i for i in instruments}
    links = [
        {"country_code": by_id[link.from_id].country_code, "from_slug": by_id[link.from_id].slug,
         "kind": link.kind, "to_slug": by_id[link.to_id].slug}
        for link in session.exec(select(InstrumentLink)).all()
    ]
    links.sort(key=lambda row: tuple(row.values()))
    return {"format": FORMAT, "instruments": [snapshot(i) for i in instruments], "links": links}


def export_json(session: Session) -> str:
    return json.dumps(export_data(session), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _csv(rows: list[dict], columns: list[str]) -> str:
    return write_csv(({k: cell_text(row[k]) for k in columns} for row in rows), columns, mapping=True)


def export_csv(session: Session) -> tuple[str, str]:
    """(instruments.csv, links.csv)."""
    data = export_data(session)
    return _csv(data["instruments"], INSTRUMENT_COLUMNS), _csv(data["links"], LINK_COLUMNS)


def rows_from_csv(text: str) -> list[dict]:
    """Rows of an exported CSV (CsvRefused names a line that cannot be read)."""
    rows = []
    for raw in read_csv_dicts(text):
        row = {k: (v if v != "" else None) for k, v in raw.items() if k is not None}
        if "risks" in row:
            row["risks"] = [r for r in (row["risks"] or "").split(LIST_SEPARATOR) if r]
        if "archived" in row:
            row["archived"] = (row["archived"] or "false").lower() == "true"
        rows.append(row)
    return rows


@dataclass
class RowOutcome:
    row: int
    key: str
    action: str  # created, changed, unchanged, refused
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    dry_run: bool
    instruments: list[RowOutcome] = field(default_factory=list)
    links: list[RowOutcome] = field(default_factory=list)

    def counts(self) -> dict:
        result: dict[str, int] = {}
        for outcome in self.instruments + self.links:
            result[outcome.action] = result.get(outcome.action, 0) + 1
        return result

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "counts": self.counts(),
                "instruments": [asdict(o) for o in self.instruments], "links": [asdict(o) for o in self.links]}


def _import_instrument(session: Session, actor: audit.Actor, number: int, row: dict) -> RowOutcome:
    key = f"{row.get('country_code')}/{row.get('slug')}"
    archived = bool(row.get("archived"))
    payload = {k: v for k, v in row.items() if k in InstrumentCreate.model_fields and v is not None}
    try:
        values = InstrumentCreate.model_validate(payload).values()
    except ValidationError as exc:
        return RowOutcome(number, key, "refused", [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()])
    existing = find_by_slug(session, values["country_code"].upper(), values.get("slug") or "")
    # services check every invariant before writing, so a refused row leaves nothing behind
    try:
        if existing is None:
            instrument = services.create_instrument(session, actor, values)
            if archived:
                services.archive_instrument(session, actor, instrument, instrument.version)
            return RowOutcome(number, key, "created")
        current = snapshot(existing)
        wanted = {**{k: v for k, v in values.items() if k in current}, "archived": archived}
        changed = {k: v for k, v in wanted.items() if k not in ("country_code", "slug") and _differs(current[k], v)}
        if not changed:
            return RowOutcome(number, key, "unchanged")
        services.update_instrument(session, actor, existing, changed, existing.version, action="import")
        return RowOutcome(number, key, "changed", changes=sorted(changed))
    except Refused as exc:
        return RowOutcome(number, key, "refused", [f"{e.field}: {e.message % e.params}" for e in exc.errors])


def _differs(current, wanted) -> bool:
    return current != (wanted.isoformat() if hasattr(wanted, "isoformat") else wanted)


def _import_link(session: Session, actor: audit.Actor, number: int, row: dict) -> RowOutcome:
    country = (row.get("country_code") or "").upper()
    key = f"{country}/{row.get('from_slug')} {row.get('kind')} {row.get('to_slug')}"
    source = find_by_slug(session, country, row.get("from_slug") or "")
    target = find_by_slug(session, country, row.get("to_slug") or "")
    if source is None or target is None:
        return RowOutcome(number, key, "refused", ["unknown instrument: " + (row.get("from_slug") if source is None
                                                                           else row.get("to_slug") or "")])
    exists = session.exec(select(InstrumentLink).where(InstrumentLink.from_id == source.id,
                                                       InstrumentLink.to_id == target.id,
                                                       InstrumentLink.kind == row.get("kind"))).first()
    if exists:
        return RowOutcome(number, key, "unchanged")
    try:
        services.add_link(session, actor, source, target, row.get("kind") or "")
        return RowOutcome(number, key, "created")
    except (Refused, Conflict) as exc:
        return RowOutcome(number, key, "refused", [str(exc)])


def rows_outside_limits(session: Session, instruments: list[dict], links: list[dict]) -> list[tuple[str, str]]:
    """(row, country) of every row naming a country the session's country limits do not cover."""
    outside = []
    for name, rows in (("instruments", instruments), ("links", links)):
        for n, row in enumerate(rows, start=1):
            code = row.get("country_code")
            if isinstance(code, str) and code.strip() and not country_limits.covers(session, code.strip().upper()):
                outside.append((f"{name} row {n}", code.strip().upper()))
    return outside


def refuse_rows_outside_limits(session: Session, instruments: list[dict], links: list[dict]) -> None:
    """An import is one change: a file with rows of a country outside the limits is refused
    whole (403, the rows named), dry run or not, before any row is read further."""
    outside = rows_outside_limits(session, instruments, links)
    if outside:
        countries = ", ".join(sorted({code for _row, code in outside}))
        rows = "; ".join(f"{row} ({code})" for row, code in outside[:20]) + ("; …" if len(outside) > 20 else "")
        raise country_limits.OutsideCountryLimits(country_limits.limits_of(session), countries, rows)


def import_rows(session: Session, actor: audit.Actor, instruments: list[dict], links: list[dict],
                dry_run: bool) -> ImportReport:
    """Apply the rows; the caller commits (or, for a dry run, this rolls back)."""
    refuse_rows_outside_limits(session, instruments, links)
    report = ImportReport(dry_run=dry_run)
    report.instruments = [_import_instrument(session, actor, n, row) for n, row in enumerate(instruments, start=1)]
    report.links = [_import_link(session, actor, n, row) for n, row in enumerate(links, start=1)]
    if dry_run:
        session.rollback()
    else:
        audit.record(session, actor, "instrument.import", "instrument", "", after=report.counts())
    return report
