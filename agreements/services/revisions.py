"""Snapshots and field-level differences between revisions."""

from sqlmodel import Session, select

from agreements.models import Instrument, InstrumentRevision
from registry.audit import Actor
from registry.models import utcnow

# what a revision records: everything but bookkeeping columns
TRACKED_FIELDS = (
    "country_code", "slug", "kind", "title_fr", "title_partner", "partner_language", "party_name_fr",
    "party_name_en", "signed_on", "in_force_on", "terminated_on", "retroactive", "risks", "legal_reference", "replaces_text",
    "confidence", "source", "archived",
)


def snapshot(instrument: Instrument) -> dict:
    dumped = instrument.model_dump(mode="json")
    return {name: dumped[name] for name in TRACKED_FIELDS}


def differences(before: dict, after: dict) -> dict:
    return {name: {"before": before.get(name), "after": after.get(name)}
            for name in TRACKED_FIELDS if before.get(name) != after.get(name)}


def record_revision(session: Session, actor: Actor, instrument: Instrument, action: str, before: dict) -> InstrumentRevision:
    after = snapshot(instrument)
    revision = InstrumentRevision(instrument_id=instrument.id, version=instrument.version, at=utcnow(),
                                  actor=actor.name, action=action, snapshot=after, changes=differences(before, after))
    session.add(revision)
    return revision


def revisions_of(session: Session, instrument_id: int) -> list[InstrumentRevision]:
    return list(session.exec(select(InstrumentRevision).where(InstrumentRevision.instrument_id == instrument_id)
                             .order_by(InstrumentRevision.version)).all())
