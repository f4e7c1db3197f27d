"""Create, update and archive instruments."""

import re
import unicodedata

from sqlmodel import Session

from agreements.models import Instrument
from agreements.queries import find_by_slug
from agreements.services.revisions import TRACKED_FIELDS, record_revision, snapshot
from agreements.validation import choice_problems, date_problems
from registry import audit, dates
from registry.labels import mark
from registry.models import Country, utcnow
from registry.problems import FieldError, Refused
from registry.versioning import claim_version

EDITABLE_FIELDS = tuple(name for name in TRACKED_FIELDS if name not in ("country_code", "slug"))
KIND_WORDS = {"agreement": "accord", "administrative_arrangement": "arrangement", "amendment": "avenant",
              "protocol": "protocole", "exchange_of_letters": "echange-de-lettres"}


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100]


def unique_slug(session: Session, country: str, values: dict) -> str:
    base = slugify(values.get("slug") or f"{values.get('signed_on') or 'sans-date'}-{KIND_WORDS.get(values['kind'], 'texte')}")
    slug, n = base, 1
    while find_by_slug(session, country, slug) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


DATE_FIELDS = ("signed_on", "in_force_on", "terminated_on")


def _check(values: dict, written: tuple[str, ...] = DATE_FIELDS) -> None:
    """`written`: the dates this write sets (an edit leaves a date stored earlier alone)."""
    problems = [p for name in written for p in [dates.problem(name, values.get(name))] if p]
    problems = problems or date_problems(values.get("signed_on"), values.get("in_force_on"),
                                         values.get("terminated_on"), bool(values.get("retroactive")))
    problems = choice_problems(values) + problems
    if problems:
        raise Refused(problems)


def create_instrument(session: Session, actor: audit.Actor, values: dict) -> Instrument:
    """`values` holds the instrument's fields (country_code and title_fr required)."""
    country = session.get(Country, (values.get("country_code") or "").upper())
    if country is None:
        raise Refused([FieldError("country_code", mark("unknown country code %(value)s"),
                                  {"value": values.get("country_code")})])
    _check(values)
    fields = {name: values[name] for name in EDITABLE_FIELDS if name in values}
    instrument = Instrument(country_code=country.code, slug=unique_slug(session, country.code, values), **fields)
    session.add(instrument)
    session.flush()
    record_revision(session, actor, instrument, "create", before={})
    audit.record(session, actor, "instrument.create", "instrument", instrument.id, after=snapshot(instrument))
    return instrument


def update_instrument(session: Session, actor: audit.Actor, instrument: Instrument, changes: dict,
                      expected_version: int, action: str = "update") -> Instrument:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise Refused([FieldError(name, mark("this field cannot be changed"), {}) for name in unknown])
    merged = {**snapshot(instrument), **{k: v for k, v in changes.items()}}
    for name in DATE_FIELDS:
        merged[name] = changes.get(name, getattr(instrument, name))
    _check(merged, tuple(name for name in DATE_FIELDS if name in changes))
    before = snapshot(instrument)
    claim_version(session, instrument, expected_version)
    for name, value in changes.items():
        setattr(instrument, name, value)
    instrument.updated_at = utcnow()
    session.add(instrument)
    session.flush()
    revision = record_revision(session, actor, instrument, action, before)
    audit.record(session, actor, f"instrument.{action}", "instrument", instrument.id,
                 before={k: v["before"] for k, v in revision.changes.items()},
                 after={k: v["after"] for k, v in revision.changes.items()})
    return instrument


def archive_instrument(session: Session, actor: audit.Actor, instrument: Instrument, expected_version: int,
                       archived: bool = True) -> Instrument:
    return update_instrument(session, actor, instrument, {"archived": archived}, expected_version,
                             action="archive" if archived else "unarchive")
