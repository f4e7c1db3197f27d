"""Factories for tests: build records through the services, with overridable defaults."""

from datetime import date

from sqlmodel import Session

from agreements import services
from agreements.meetings import services as meeting_services
from agreements.meetings.models import Meeting
from agreements.meetings.queries import agenda_of
from agreements.meetings.references import DEFAULT_RESOLVERS
from agreements.models import Instrument
from registry.audit import Actor

LEGAL = Actor(name="juriste", remote_addr="127.0.0.1")
DELEGATION = Actor(name="delegue", remote_addr="127.0.0.1")


def create_instrument(session: Session, actor: Actor = LEGAL, **overrides) -> Instrument:
    values = {
        "country_code": "RS",
        "kind": "protocol",
        "title_fr": "Protocole d'essai",
        "signed_on": date(2024, 5, 2),
        "in_force_on": date(2024, 9, 1),
        "risks": ["old_age"],
        "source": "test",
    } | overrides
    instrument = services.create_instrument(session, actor, values)
    session.commit()
    return instrument


def plan(session, **overrides) -> Meeting:
    values = {"country_code": "RS", "kind": "technical_meeting", "starts_on": date(2024, 3, 4),
              "ends_on": date(2024, 3, 5), "place": "Beograd"} | overrides
    meeting = meeting_services.create_meeting(session, DELEGATION, values)
    session.commit()
    return meeting


def head(session, meeting: Meeting, side: str, name: str):
    contact = meeting_services.create_contact(session, DELEGATION, {"name": name, "organisation": "Org", "side": side,
                                                            "country_code": meeting.country_code})
    return meeting_services.add_participant(session, DELEGATION, meeting, contact, {"is_head": True}, meeting.version)


def held_with_minutes(session) -> tuple[Meeting, list]:
    meeting = plan(session)
    for item in agenda_of(session, meeting.id):  # what the earlier Serbian session left open
        meeting_services.update_agenda_item(session, DELEGATION, meeting, item, {"proposed": False}, meeting.version,
                                    DEFAULT_RESOLVERS)
    item = meeting_services.add_agenda_item(session, DELEGATION, meeting, {"title_fr": "Formulaires", "title_partner": "Obrasci"},
                                    meeting.version, DEFAULT_RESOLVERS)
    heads = [head(session, meeting, "france", "Claire Exemple"), head(session, meeting, "partner", "Milica Primer")]
    for status in ("agenda_sent", "held"):
        meeting_services.change_status(session, DELEGATION, meeting, status, meeting.version)
    meeting_services.save_minutes(session, DELEGATION, meeting, [{
        "agenda_item_id": item.id, "discussion_fr": "Échanges.", "discussion_partner": "Rasprava.",
        "decisions": [{"text_fr": "Le formulaire est validé.", "text_partner": "Obrazac je validiran."}],
        "action_items": [{"text_fr": "Publier", "owner": "Cleiss", "due_on": date(2024, 4, 1)}]}],
        meeting.version, DEFAULT_RESOLVERS)
    session.commit()
    return meeting, heads
