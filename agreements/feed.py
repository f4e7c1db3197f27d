"""Instruments as feed entries, derived from their revisions (who recorded which date, when).

An instrument recorded by a person gives a `recorded` entry (new instruments and amendments);
its signature, entry into force and termination give an entry each when they are news: shipped
reference data (dated by the fact), a date set or corrected by a later revision, or a date
recorded in advance that has now come. A date recorded with the instrument, already past then,
is told by the `recorded` entry alone. Archived instruments are left out."""

from collections.abc import Iterator

from sqlmodel import Session, col, select

from agreements.labels import KIND_LABELS
from agreements.models import Instrument, InstrumentRevision
from registry import i18n
from registry.feeds import SHIPPED_DATA_ACTOR, FeedEntry, FeedQuery, when_happened, when_recorded
from registry.labels import mark

FACTS = {
    "signed_on": (mark("Signed: %(title)s"), mark("%(kind)s with %(country)s, signed on %(date)s.")),
    "in_force_on": (mark("In force: %(title)s"), mark("%(kind)s with %(country)s, in force from %(date)s.")),
    "terminated_on": (mark("Terminated: %(title)s"), mark("%(kind)s with %(country)s, terminated on %(date)s.")),
}
RECORDED = (mark("New in the registry: %(title)s"), mark("%(kind)s with %(country)s, recorded in the registry."))


def instrument_path(instrument: Instrument) -> str:
    return f"/countries/{instrument.country_code}/instruments/{instrument.slug}"


def instrument_entries(session: Session, query: FeedQuery) -> Iterator[FeedEntry]:
    if query.form_slug or not query.wants("instrument"):
        return
    instruments = select(Instrument).where(Instrument.archived == False)  # noqa: E712 (SQL expression)
    if query.country:
        instruments = instruments.where(Instrument.country_code == query.country)
    found = {i.id: i for i in session.exec(instruments).all()}
    revisions: dict[int, list[InstrumentRevision]] = {}
    for revision in session.exec(select(InstrumentRevision).where(col(InstrumentRevision.instrument_id).in_(list(found)))
                                 .order_by(InstrumentRevision.instrument_id, InstrumentRevision.version)).all():
        revisions.setdefault(revision.instrument_id, []).append(revision)
    for instrument_id, instrument in found.items():
        yield from _entries_of(instrument, revisions.get(instrument_id, []), query.locale)


def _entries_of(instrument: Instrument, revisions: list[InstrumentRevision], locale: str) -> Iterator[FeedEntry]:
    if not revisions:
        return
    first = revisions[0]
    words = dict(title=instrument.title_fr, kind=i18n.gettext(locale, KIND_LABELS.get(instrument.kind, instrument.kind)),
                 country=i18n.country_name(instrument.country_code, locale))
    if first.actor != SHIPPED_DATA_ACTOR:
        yield _entry(instrument, "recorded", when_recorded(first.at, first.actor, None), RECORDED, words, locale)
    for name, wording in FACTS.items():
        day = getattr(instrument, name)
        if day is None:
            continue
        set_by = next((r for r in reversed(revisions) if name in r.changes), first)
        if set_by is first and first.actor != SHIPPED_DATA_ACTOR and day <= first.at.date():
            continue  # already past when recorded: the `recorded` entry told it
        yield _entry(instrument, name.removesuffix("_on"), when_happened(day, set_by.at, set_by.actor), wording,
                     {**words, "date": i18n.format_date(day, locale)}, locale)


def _entry(instrument: Instrument, event: str, updated, wording: tuple[str, str], words: dict, locale: str) -> FeedEntry:
    title, summary = wording
    return FeedEntry(key=f"instrument:{instrument.id}:{event}", updated=updated,
                     title=i18n.gettext(locale, title, **words), summary=i18n.gettext(locale, summary, **words),
                     path=instrument_path(instrument), topic="instrument", country_code=instrument.country_code)
