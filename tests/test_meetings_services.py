"""Meeting writes: statuses in order, minutes as revisions, approvals by every head of
delegation, frozen approved minutes; every refusal leaves the record unchanged."""

from datetime import date

import pytest
from sqlmodel import select

from agreements.meetings import services
from agreements.meetings.models import Contact, Meeting, MinutesRevision
from agreements.meetings.queries import agenda_of
from agreements.meetings.references import DEFAULT_RESOLVERS
from agreements.models import Instrument
from registry.models import AuditEntry
from registry.problems import Conflict, Refused, StaleVersion

from tests.factories import DELEGATION, head, held_with_minutes, plan


def test_end_before_start_is_refused_and_nothing_is_written(session):
    before = len(session.exec(select(Meeting)).all())
    with pytest.raises(Refused) as refused:
        plan(session, ends_on=date(2024, 3, 1))
    session.rollback()
    assert [e.field for e in refused.value.errors] == ["ends_on"]
    assert len(session.exec(select(Meeting)).all()) == before


def test_statuses_move_one_step_at_a_time(session):
    meeting = plan(session, country_code="IN", starts_on=date(2024, 1, 10), ends_on=None)
    with pytest.raises(Conflict) as conflict:
        services.change_status(session, DELEGATION, meeting, "published", meeting.version)
    assert {name: str(value) for name, value in conflict.value.params.items()} == {
        "current": "planned", "requested": "published", "allowed": "agenda_sent"}
    with pytest.raises(Conflict, match="agenda is empty|proposed agenda items"):
        services.change_status(session, DELEGATION, meeting, "agenda_sent", meeting.version)
    session.rollback()
    assert session.get(Meeting, meeting.id).status == "planned"


def test_a_meeting_cannot_be_held_before_it_starts(session):
    meeting = plan(session, country_code="IN", starts_on=date(2099, 1, 10), ends_on=None)
    services.add_agenda_item(session, DELEGATION, meeting, {"title_fr": "Point"}, meeting.version, DEFAULT_RESOLVERS)
    for item in agenda_of(session, meeting.id):
        if item.proposed:
            services.update_agenda_item(session, DELEGATION, meeting, item, {"withdrawn": True, "proposed": False},
                                        meeting.version, DEFAULT_RESOLVERS)
    services.change_status(session, DELEGATION, meeting, "agenda_sent", meeting.version)
    with pytest.raises(Conflict, match="2099-01-10"):
        services.change_status(session, DELEGATION, meeting, "held", meeting.version)


def test_minutes_revisions_grow_only_when_the_text_changes(session):
    meeting, _heads = held_with_minutes(session)
    assert meeting.status == "minutes_draft" and meeting.minutes_revision == 1
    item = [i for i in agenda_of(session, meeting.id) if i.title_fr == "Formulaires"][0]
    version = meeting.version
    assert services.save_minutes(session, DELEGATION, meeting, [{"agenda_item_id": item.id,
                                                                 "discussion_fr": "Échanges."}],
                                 version, DEFAULT_RESOLVERS) is None
    assert meeting.version == version  # nothing changed, nothing claimed
    revision = services.save_minutes(session, DELEGATION, meeting, [{"agenda_item_id": item.id,
                                                                     "discussion_fr": "Échanges nourris."}],
                                     version, DEFAULT_RESOLVERS)
    session.commit()
    assert revision.number == 2 and meeting.minutes_revision == 2
    numbers = session.exec(select(MinutesRevision.number).where(MinutesRevision.meeting_id == meeting.id)).all()
    assert sorted(numbers) == [1, 2]
    with pytest.raises(StaleVersion):
        services.save_minutes(session, DELEGATION, meeting, [{"agenda_item_id": item.id, "discussion_fr": "Perdu"}],
                              version, DEFAULT_RESOLVERS)


def test_approval_needs_every_head_and_then_the_minutes_are_frozen(session):
    meeting, (french, serbian) = held_with_minutes(session)
    services.approve_minutes(session, DELEGATION, meeting, french.id, date(2024, 3, 20), meeting.version)
    session.commit()
    with pytest.raises(Conflict) as conflict:
        services.change_status(session, DELEGATION, meeting, "minutes_approved", meeting.version)
    assert conflict.value.params["names"] == "Milica Primer"
    session.rollback()
    with pytest.raises(Conflict, match="cannot become"):
        services.change_status(session, DELEGATION, meeting, "published", meeting.version)
    session.rollback()
    services.approve_minutes(session, DELEGATION, meeting, serbian.id, date(2024, 3, 21), meeting.version)
    services.change_status(session, DELEGATION, meeting, "minutes_approved", meeting.version)
    session.commit()
    assert meeting.approved_revision == 1 and len(meeting.approved_sha256) == 64
    item = agenda_of(session, meeting.id)[-1]
    for write in (lambda: services.save_minutes(session, DELEGATION, meeting, [{"agenda_item_id": item.id,
                                                                                "discussion_fr": "Changé"}],
                                                meeting.version, DEFAULT_RESOLVERS),
                  lambda: services.update_agenda_item(session, DELEGATION, meeting, item, {"title_fr": "Autre"},
                                                      meeting.version, DEFAULT_RESOLVERS),
                  lambda: services.update_meeting(session, DELEGATION, meeting, {"place": "Paris"}, meeting.version)):
        with pytest.raises(Conflict, match="approved"):
            write()
        session.rollback()
    assert session.get(Meeting, meeting.id).minutes_revision == 1
    services.update_meeting(session, DELEGATION, meeting, {"audience": "staff"}, meeting.version)  # still allowed
    services.change_status(session, DELEGATION, meeting, "published", meeting.version)
    session.commit()
    actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.entity == "meeting",
                                                                        AuditEntry.entity_id == str(meeting.id))).all()]
    assert actions.count("meeting.minutes.approve") == 2 and actions.count("meeting.status") >= 5


def test_a_decision_links_what_it_changed_and_a_wrong_target_is_refused(session):
    meeting, _heads = held_with_minutes(session)
    accord = session.exec(select(Instrument).where(Instrument.slug == "2014-11-06-accord")).one()
    item = agenda_of(session, meeting.id)[-1]
    payload = lambda target_id: [{"agenda_item_id": item.id, "decisions": [{  # noqa: E731
        "text_fr": "Le formulaire est validé.", "effects": [{"target_kind": "instrument", "target_id": target_id}]}]}]
    with pytest.raises(Refused) as refused:
        services.save_minutes(session, DELEGATION, meeting, payload(999999), meeting.version, DEFAULT_RESOLVERS)
    assert refused.value.errors[0].field == "items[0].decisions[0].effects[0].target_id"
    session.rollback()
    services.save_minutes(session, DELEGATION, meeting, payload(accord.id), meeting.version, DEFAULT_RESOLVERS)
    session.commit()
    from agreements.meetings.models import DecisionEffect

    assert session.exec(select(DecisionEffect.target_id).where(DecisionEffect.target_kind == "instrument")).all()


def test_contacts_are_kept_for_the_next_session(session):
    meeting, _heads = held_with_minutes(session)
    known = session.exec(select(Contact).where(Contact.country_code == "RS", Contact.name == "Milica Primer")).all()
    assert known  # the shipped Serbian contact and the one added here carry the same name
    later = plan(session, starts_on=date(2024, 9, 2), ends_on=None)
    participant = services.add_participant(session, DELEGATION, later, known[0], {}, later.version)
    assert participant.side == "partner"
    with pytest.raises(Conflict, match="already takes part"):
        services.add_participant(session, DELEGATION, later, known[0], {}, later.version)


def test_a_link_dropped_from_the_draft_is_withdrawn_not_deleted(session):
    from agreements.meetings.models import DecisionEffect
    from agreements.meetings.queries import decisions_of, effects_of

    meeting, _heads = held_with_minutes(session)
    accord = session.exec(select(Instrument).where(Instrument.slug == "2014-11-06-accord")).one()
    decision = decisions_of(session, meeting.id)[0]
    sent = lambda effects: [{"agenda_item_id": decision.agenda_item_id, "decisions": [{  # noqa: E731
        "id": decision.id, "text_fr": decision.text_fr, "effects": effects}]}]
    link = {"target_kind": "instrument", "target_id": accord.id, "description": "entrée en vigueur"}
    services.save_minutes(session, DELEGATION, meeting, sent([link]), meeting.version, DEFAULT_RESOLVERS)
    services.save_minutes(session, DELEGATION, meeting, sent([]), meeting.version, DEFAULT_RESOLVERS)
    session.commit()
    rows = session.exec(select(DecisionEffect).where(DecisionEffect.decision_id == decision.id)).all()
    assert [(r.target_id, r.withdrawn, r.description) for r in rows] == [(accord.id, True, "entrée en vigueur")]
    assert effects_of(session, [decision.id]) == {}
    # linked again without a description (as the HTML form sends it): the same row comes back with its own
    services.save_minutes(session, DELEGATION, meeting, sent([{"target_kind": "instrument", "target_id": accord.id}]),
                          meeting.version, DEFAULT_RESOLVERS)
    session.commit()
    assert [(e.id, e.description) for e in effects_of(session, [decision.id])[decision.id]] == [
        (rows[0].id, "entrée en vigueur")]


def test_a_participant_is_withdrawn_kept_and_can_come_back(session):
    from agreements.meetings.models import Participant
    from agreements.meetings.queries import participants_of

    meeting, heads = held_with_minutes(session)
    expert = services.create_contact(session, DELEGATION, {"name": "Expert Exemple", "side": "france",
                                                           "country_code": "RS"})
    added = services.add_participant(session, DELEGATION, meeting, expert, {"role": "expert"}, meeting.version)
    services.update_participant(session, DELEGATION, meeting, added, {"withdrawn": True}, meeting.version)
    session.commit()
    assert expert.id not in {c.id for _p, c in participants_of(session, meeting.id)}
    assert session.get(Participant, added.id).withdrawn  # kept for the record
    again = services.add_participant(session, DELEGATION, meeting, expert, {"role": "expert"}, meeting.version)
    assert again.id == added.id and not again.withdrawn
    services.approve_minutes(session, DELEGATION, meeting, heads[0].id, date(2024, 3, 6), meeting.version)
    session.commit()
    with pytest.raises(Conflict, match="approved the minutes"):
        services.update_participant(session, DELEGATION, meeting, heads[0], {"withdrawn": True}, meeting.version)
    session.rollback()
    assert not session.get(Participant, heads[0].id).withdrawn


def test_an_instrument_unlinked_from_a_meeting_is_withdrawn_and_comes_back_when_relinked(session):
    from agreements.meetings.models import MeetingInstrument
    from agreements.meetings.queries import instruments_of

    serbian = session.exec(select(Instrument).where(Instrument.country_code == "RS").order_by(Instrument.id)).all()[:2]
    meeting = plan(session, instrument_ids=[i.id for i in serbian])
    services.update_meeting(session, DELEGATION, meeting, {"instrument_ids": [serbian[0].id]}, meeting.version)
    assert [i.id for i in instruments_of(session, meeting.id)] == [serbian[0].id]
    services.update_meeting(session, DELEGATION, meeting, {"instrument_ids": [i.id for i in serbian]}, meeting.version)
    links = session.exec(select(MeetingInstrument).where(MeetingInstrument.meeting_id == meeting.id)).all()
    assert len(links) == 2 and not any(link.withdrawn for link in links)  # the same rows, never deleted
