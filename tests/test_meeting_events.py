"""The dated history of a meeting (meeting_event): written with every status and schedule
change, and rebuilt from the audit for meetings that existed before the table."""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from agreements.meetings import services
from agreements.meetings.models import Meeting, MeetingEvent
from registry import migrate
from tests.factories import DELEGATION, held_with_minutes, plan


def kinds(session: Session, meeting_id: int) -> list[str]:
    return list(session.exec(select(MeetingEvent.kind).where(MeetingEvent.meeting_id == meeting_id)
                             .order_by(MeetingEvent.id)).all())


def test_every_status_and_schedule_change_is_an_event(session):
    meeting, _heads = held_with_minutes(session)  # planned, agenda sent, held, then minutes drafted
    services.update_meeting(session, DELEGATION, meeting, {"note": "ordre du jour envoyé"}, meeting.version)
    assert kinds(session, meeting.id) == ["planned", "agenda_sent", "held", "minutes_draft"]


def test_moving_a_meeting_records_its_new_schedule(session):
    meeting = plan(session)
    services.update_meeting(session, DELEGATION, meeting, {"starts_on": date(2024, 3, 11), "ends_on": date(2024, 3, 12)},
                            meeting.version)
    services.update_meeting(session, DELEGATION, meeting, {"place": "Paris"}, meeting.version)
    session.commit()
    events = session.exec(select(MeetingEvent).where(MeetingEvent.meeting_id == meeting.id).order_by(MeetingEvent.id)).all()
    assert [(e.kind, e.starts_on, e.place) for e in events] == [
        ("planned", date(2024, 3, 4), "Beograd"), ("rescheduled", date(2024, 3, 11), "Beograd"),
        ("rescheduled", date(2024, 3, 11), "Paris")]


def test_shipped_meetings_have_their_shipped_status(session):
    andorra = session.exec(select(Meeting).where(Meeting.country_code == "AD")).first()
    (event,) = session.exec(select(MeetingEvent).where(MeetingEvent.meeting_id == andorra.id)).all()
    assert (event.kind, event.actor) == ("published", "system:seed")


def test_the_migration_rebuilds_the_history_from_the_audit(empty_engine):
    migrate.upgrade(empty_engine, "0010")  # the revision before 0011_meeting_event
    at = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    meeting_row = dict(id=1, country_code="AD", kind="joint_commission", title_fr="", title_partner="",
                       partner_language="ca", starts_on=date(2024, 5, 6), ends_on=date(2024, 5, 7), place="Andorra la Vella",
                       video=False, status="agenda_sent", audience="public", document_layout="side_by_side",
                       illustrative=False, note="", source="", minutes_revision=0, version=3, created_at=at, updated_at=at)
    audit = [("meeting.create", {"status": "planned"}), ("meeting.update", {"note": "x"}),
             ("meeting.update", {"starts_on": "2024-05-06"}), ("meeting.status", {"status": "agenda_sent"})]
    meta = sa.MetaData()
    meta.reflect(empty_engine, only=["country", "meeting", "audit_entry"])
    with empty_engine.begin() as conn:
        conn.execute(meta.tables["country"].insert(), [dict(code="AD", name_fr="Andorre", name_en="Andorra", languages=["ca"])])
        conn.execute(meta.tables["meeting"].insert(), [meeting_row])
        conn.execute(meta.tables["audit_entry"].insert(), [
            dict(at=at, actor="delegue", remote_addr="", action=action, entity="meeting", entity_id="1", after=after,
                 detail="") for action, after in audit])
    migrate.upgrade(empty_engine)
    with Session(empty_engine) as session:
        events = session.exec(select(MeetingEvent).order_by(MeetingEvent.id)).all()
    assert [(e.kind, e.actor, e.place) for e in events] == [
        ("planned", "delegue", "Andorra la Vella"), ("rescheduled", "delegue", "Andorra la Vella"),
        ("agenda_sent", "delegue", "Andorra la Vella")]
