"""Contacts (kept to be chosen again at the next session) and the participants of a meeting."""

from sqlmodel import Session, select

from agreements.meetings.models import Contact, Meeting, MinutesApproval, Participant
from agreements.meetings.services.common import claim_version, refuse_if_frozen
from agreements.meetings.validation import choice_problem, null_problems
from registry import audit
from registry.labels import mark
from registry.models import Country
from registry.problems import Conflict, FieldError, Refused

CONTACT_FIELDS = ("name", "organisation", "function", "side", "country_code", "illustrative")


def create_contact(session: Session, actor: audit.Actor, values: dict) -> Contact:
    problems = [p for p in [choice_problem("side", values.get("side"))] if p]
    if not (values.get("name") or "").strip():
        problems.append(FieldError("name", mark("the name is required"), {}))
    if session.get(Country, (values.get("country_code") or "").upper()) is None:
        problems.append(FieldError("country_code", mark("unknown country code %(value)s"),
                                   {"value": values.get("country_code")}))
    if problems:
        raise Refused(problems)
    contact = Contact(**{k: values[k] for k in CONTACT_FIELDS if k in values})
    contact.name, contact.country_code = contact.name.strip(), contact.country_code.upper()
    session.add(contact)
    session.flush()
    audit.record(session, actor, "contact.create", "contact", contact.id,
                 after=contact.model_dump(mode="json", exclude={"created_at"}))
    return contact


def contacts_for(session: Session, country: str) -> list[Contact]:
    return list(session.exec(select(Contact).where(Contact.country_code == country)
                             .order_by(Contact.side, Contact.name)).all())


def add_participant(session: Session, actor: audit.Actor, meeting: Meeting, contact: Contact, values: dict,
                    expected_version: int | None) -> Participant:
    """`values`: role (at this meeting, default the contact's function), is_head."""
    refuse_if_frozen(meeting)
    if contact.country_code != meeting.country_code:
        raise Refused([FieldError("contact_id", mark("%(name)s is a contact for another country"),
                                  {"name": contact.name})])
    earlier = session.exec(select(Participant).where(Participant.meeting_id == meeting.id,
                                                     Participant.contact_id == contact.id)).first()
    if earlier is not None and not earlier.withdrawn:
        raise Conflict(mark("%(name)s already takes part in this meeting"), name=contact.name)
    if earlier is not None:  # withdrawn earlier, expected again
        return update_participant(session, actor, meeting, earlier, {"withdrawn": False, **values}, expected_version)
    claim_version(session, meeting, expected_version)
    count = len(session.exec(select(Participant.id).where(Participant.meeting_id == meeting.id)).all())
    participant = Participant(meeting_id=meeting.id, contact_id=contact.id, side=contact.side,
                              role=(values.get("role") or contact.function or "").strip(),
                              is_head=bool(values.get("is_head")), position=count + 1)
    session.add(participant)
    session.flush()
    audit.record(session, actor, "meeting.participant.add", "meeting", meeting.id,
                 after={"participant": participant.id, "contact": contact.id, "name": contact.name,
                        "side": participant.side, "is_head": participant.is_head})
    return participant


def update_participant(session: Session, actor: audit.Actor, meeting: Meeting, participant: Participant,
                       changes: dict, expected_version: int | None) -> Participant:
    """`changes`: role, is_head, withdrawn (no longer expected; someone whose approval of the
    minutes is recorded stays)."""
    refuse_if_frozen(meeting)
    unknown = sorted(set(changes) - {"role", "is_head", "withdrawn"})
    if unknown:
        raise Refused([FieldError(name, mark("this field cannot be changed"), {}) for name in unknown])
    if null_problems(changes):
        raise Refused(null_problems(changes))
    if changes.get("withdrawn") and session.exec(select(MinutesApproval).where(
            MinutesApproval.participant_id == participant.id)).first():
        raise Conflict(mark("%(name)s approved the minutes: the approval stays on record with its author"),
                       name=session.get(Contact, participant.contact_id).name)
    claim_version(session, meeting, expected_version)
    before = {k: getattr(participant, k) for k in changes}
    for name, value in changes.items():
        setattr(participant, name, value)
    session.add(participant)
    session.flush()
    audit.record(session, actor, "meeting.participant.update", "meeting", meeting.id,
                 before={"participant": participant.id, **before}, after={"participant": participant.id, **changes})
    return participant
