"""Load the meetings shipped in data/history.toml. A meeting is created only when no meeting of
that country, kind and first day exists: a second load creates nothing, and an edit made in the
registry is never overwritten. Rows are audited as `seed.create` by `system:seed`.

The file's format: [[contacts]] (key, country, side, name, organisation, function) and
[[meetings]] with the meeting's fields, `instruments` (slugs), `participants` (contact keys,
`head = true` for the heads of delegation) and [[meetings.items]] (titles, discussion, and
lists of `decisions` and `action_items`). A decision may name its `effects` (instruments by
slug) and `form_validations`: the meeting reference of the form validations it made, which the
composition root turns into links to the form versions validated by both liaison bodies."""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from sqlmodel import Session, select

from agreements.meetings.models import (ActionItem, AgendaItem, Contact, Decision, Meeting, MeetingInstrument,
                                        MeetingStatus, MinutesApproval, MinutesRevision, Participant)
from agreements.meetings.queries import agenda_of, decisions_of, heads_of
from agreements.meetings.references import Resolvers, Target
from agreements.meetings.services.common import record_event
from agreements.meetings.services.minutes import content_sha256, link_effect, minutes_content
from agreements.models import Instrument
from registry import audit

SEED_ACTOR = audit.Actor.system("system:seed")
WITH_MINUTES = (MeetingStatus.minutes_draft, MeetingStatus.minutes_approved, MeetingStatus.published)
APPROVED = (MeetingStatus.minutes_approved, MeetingStatus.published)
# (session, meeting reference written on form validations) -> the form versions both sides validated there
ValidatedForms = Callable[[Session, str], list[Target]]


@dataclass
class HistoryReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int = 1) -> None:
        self.created[table] = self.created.get(table, 0) + count


def read_history() -> dict:
    text = resources.files("agreements.meetings").joinpath("data", "history.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def find_meeting(session: Session, spec: dict) -> Meeting | None:
    return session.exec(select(Meeting).where(Meeting.country_code == spec["country"], Meeting.kind == spec["kind"],
                                              Meeting.starts_on == spec["starts_on"])).first()


def _created(session: Session, obj, table: str, report: HistoryReport, snapshot: bool = True) -> None:
    session.add(obj)
    session.flush()
    report.add(table)
    if snapshot:
        audit.record(session, SEED_ACTOR, "seed.create", table, obj.id, after=obj.model_dump(mode="json"))


def _contact(session: Session, spec: dict, report: HistoryReport) -> Contact:
    found = session.exec(select(Contact).where(Contact.country_code == spec["country"], Contact.name == spec["name"],
                                               Contact.organisation == spec.get("organisation", ""))).first()
    if found:
        return found
    contact = Contact(name=spec["name"], organisation=spec.get("organisation", ""), function=spec.get("function", ""),
                      side=spec["side"], country_code=spec["country"], illustrative=True)
    _created(session, contact, "contact", report)
    return contact


def _instrument(session: Session, country: str, slug: str) -> Instrument:
    instrument = session.exec(select(Instrument).where(Instrument.country_code == country,
                                                       Instrument.slug == slug)).first()
    if instrument is None:
        raise ValueError(f"agreements/meetings/data/history.toml: no instrument {slug} for {country}")
    return instrument


def _meeting(session: Session, spec: dict, source: str, contacts: dict, report: HistoryReport) -> Meeting:
    meeting = Meeting(country_code=spec["country"], kind=spec["kind"], title_fr=spec.get("title_fr", ""),
                      title_partner=spec.get("title_partner", ""), starts_on=spec["starts_on"],
                      ends_on=spec.get("ends_on", spec["starts_on"]), place=spec.get("place", ""),
                      video=spec["kind"] == "videoconference" or spec.get("video", False), status=spec["status"],
                      audience=spec.get("audience", "public"), document_layout=spec.get("document_layout", "side_by_side"),
                      illustrative=True, note=spec.get("note", ""), source=spec.get("source", source))
    from registry.models import Country

    meeting.partner_language = spec.get("partner_language") or (session.get(Country, meeting.country_code).languages
                                                                or ["fr"])[0]
    _created(session, meeting, "meeting", report)
    record_event(session, SEED_ACTOR.name, meeting, meeting.status)  # the status shipped, reached before the load
    for slug in spec.get("instruments", []):
        session.add(MeetingInstrument(meeting_id=meeting.id, instrument_id=_instrument(session, meeting.country_code, slug).id))
    for position, entry in enumerate(spec.get("participants", []), start=1):
        contact = _contact(session, contacts[entry["contact"]], report)
        session.add(Participant(meeting_id=meeting.id, contact_id=contact.id, side=contact.side, role=contact.function,
                                is_head=entry.get("head", False), position=position))
        report.add("participant")
    for position, item_spec in enumerate(spec.get("items", []), start=1):
        _item(session, meeting, position, item_spec, report)
    return meeting


def _item(session: Session, meeting: Meeting, position: int, spec: dict, report: HistoryReport) -> None:
    item = AgendaItem(meeting_id=meeting.id, position=position, title_fr=spec["title_fr"],
                      title_partner=spec.get("title_partner", ""), description=spec.get("description", ""),
                      origin=spec.get("origin", ""), discussion_fr=spec.get("discussion_fr", ""),
                      discussion_partner=spec.get("discussion_partner", ""))
    session.add(item)
    session.flush()
    report.add("agenda_item")
    for n, d in enumerate(spec.get("decisions", []), start=1):
        session.add(Decision(meeting_id=meeting.id, agenda_item_id=item.id, position=n, text_fr=d["text_fr"],
                             text_partner=d.get("text_partner", ""), status=d.get("status", "agreed")))
        report.add("decision")
    for n, a in enumerate(spec.get("action_items", []), start=1):
        session.add(ActionItem(meeting_id=meeting.id, agenda_item_id=item.id, position=n, text_fr=a["text_fr"],
                               text_partner=a.get("text_partner", ""), owner=a.get("owner", ""),
                               due_on=a.get("due_on"), status=a.get("status", "open")))
        report.add("action_item")
    session.flush()


def _minutes(session: Session, meeting: Meeting, report: HistoryReport) -> None:
    """Revision 1 of the minutes, approved by every head of delegation when the status says so."""
    if meeting.status not in WITH_MINUTES:
        return
    content = minutes_content(session, meeting)
    revision = MinutesRevision(meeting_id=meeting.id, number=1, content=content, sha256=content_sha256(content),
                               actor=SEED_ACTOR.name)
    session.add(revision)
    meeting.minutes_revision = 1
    report.add("minutes_revision")
    if meeting.status in APPROVED:
        for participant, _contact in heads_of(session, meeting.id):
            session.add(MinutesApproval(meeting_id=meeting.id, revision=1, sha256=revision.sha256,
                                        participant_id=participant.id, side=participant.side,
                                        recorded_by=SEED_ACTOR.name, approved_on=meeting.ends_on))
            report.add("minutes_approval")
        meeting.approved_revision, meeting.approved_sha256 = 1, revision.sha256
    session.add(meeting)
    session.flush()


def _follow_up(session: Session, spec: dict, meeting: Meeting, by_key: dict[str, Meeting]) -> None:
    """Closing sessions of action items and decisions, once every meeting of the file exists."""
    items = agenda_of(session, meeting.id)
    for item, item_spec in zip(items, spec.get("items", [])):
        actions = session.exec(select(ActionItem).where(ActionItem.agenda_item_id == item.id)
                               .order_by(ActionItem.position)).all()
        for action, a in zip(actions, item_spec.get("action_items", [])):
            if a.get("closed_in") in by_key:
                action.closed_in_meeting_id = by_key[a["closed_in"]].id
                session.add(action)
        decisions = [d for d in decisions_of(session, meeting.id) if d.agenda_item_id == item.id]
        for decision, d in zip(decisions, item_spec.get("decisions", [])):
            if d.get("status_in") in by_key:
                decision.status_meeting_id = by_key[d["status_in"]].id
                session.add(decision)


def _effects(session: Session, spec: dict, meeting: Meeting, resolvers: Resolvers,
             validated_forms: ValidatedForms | None) -> int:
    """Links from decisions to what they changed; run on every load (idempotent), so form
    versions shipped after the meetings are linked too."""
    linked = 0
    items = agenda_of(session, meeting.id, include_withdrawn=True)
    for item, item_spec in zip(items, spec.get("items", [])):
        decisions = {d.text_fr: d for d in decisions_of(session, meeting.id) if d.agenda_item_id == item.id}
        for d in item_spec.get("decisions", []):
            decision = decisions.get(d["text_fr"])
            if decision is None:  # changed in the registry since it was shipped: leave it alone
                continue
            for effect in d.get("effects", []):
                instrument = _instrument(session, meeting.country_code, effect["slug"])
                link_effect(session, SEED_ACTOR, decision, "instrument", instrument.id, effect.get("description", ""),
                            resolvers)
                linked += 1
            if d.get("form_validations") and validated_forms:
                for target in validated_forms(session, d["form_validations"]):
                    link_effect(session, SEED_ACTOR, decision, target.kind, target.id,
                                "validée par les deux organismes de liaison", resolvers)
                    linked += 1
    return linked


def seed_history(session: Session, resolvers: Resolvers, validated_forms: ValidatedForms | None = None) -> dict[str, int]:
    """Create the shipped meetings that are missing; returns created rows per table."""
    data = read_history()
    contacts = {c["key"]: c for c in data.get("contacts", [])}
    report = HistoryReport()
    by_key: dict[str, Meeting] = {}
    created: list[tuple[dict, Meeting]] = []
    for spec in data.get("meetings", []):
        existing = find_meeting(session, spec)
        if existing is None:
            existing = _meeting(session, spec, data.get("source", ""), contacts, report)
            created.append((spec, existing))
        by_key[spec["key"]] = existing
    for spec, meeting in created:
        _follow_up(session, spec, meeting, by_key)
        _minutes(session, meeting, report)
    for spec in data.get("meetings", []):
        _effects(session, spec, by_key[spec["key"]], resolvers, validated_forms)
    session.flush()
    return report.created
