"""Links between instruments: implements, amends, supersedes. No cycles, no cross-country links."""

from sqlmodel import Session, select

from agreements.models import Instrument, InstrumentLink, LinkKind
from registry import audit
from registry.labels import mark
from registry.problems import Conflict, FieldError, Refused


def ancestors(session: Session, instrument_id: int) -> set[int]:
    """Every instrument reachable from `instrument_id` by following links to their targets."""
    seen: set[int] = set()
    frontier = [instrument_id]
    while frontier:
        targets = session.exec(select(InstrumentLink.to_id).where(InstrumentLink.from_id.in_(frontier))).all()
        frontier = [t for t in targets if t not in seen]
        seen.update(frontier)
    return seen


def add_link(session: Session, actor: audit.Actor, source: Instrument, target: Instrument, kind: str) -> InstrumentLink:
    if kind not in LinkKind.__members__:
        raise Refused([FieldError("kind", mark("%(value)s is not one of: %(accepted)s"),
                                  {"value": kind, "accepted": ", ".join(LinkKind.__members__)})])
    if source.id == target.id:
        raise Conflict(mark("an instrument cannot be linked to itself"))
    if source.country_code != target.country_code:
        raise Conflict(mark("instruments of %(source)s and %(target)s are unrelated: links stay within one country"),
                       source=source.country_code, target=target.country_code)
    if source.id in ancestors(session, target.id) | {target.id}:
        raise Conflict(mark("this link would make a cycle: %(target)s already depends on %(source)s"),
                       source=source.slug, target=target.slug)
    duplicate = session.exec(select(InstrumentLink).where(
        InstrumentLink.from_id == source.id, InstrumentLink.to_id == target.id, InstrumentLink.kind == kind)).first()
    if duplicate:
        raise Conflict(mark("this link already exists"))
    link = InstrumentLink(from_id=source.id, to_id=target.id, kind=kind)
    session.add(link)
    session.flush()
    audit.record(session, actor, "instrument.link", "instrument", source.id,
                 after={"kind": kind, "from": source.slug, "to": target.slug, "country": source.country_code})
    return link
