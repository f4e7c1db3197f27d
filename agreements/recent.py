"""Recent changes the agreements package knows: instruments signed, and meetings held or planned."""

from datetime import date

from sqlmodel import Session, col, select

from agreements.meetings.models import Meeting
from agreements.meetings.queries import list_meetings
from agreements.meetings.search import meeting_title
from agreements.models import Instrument
from registry.labels import mark
from registry.models import Country
from registry.recent import RecentChange

KIND_CHANGE = {"amendment": mark("Amendment signed"), "administrative_arrangement": mark("Arrangement signed")}
SIGNED = mark("Instrument signed")
MEETING = mark("Meeting")


def recent_instruments(session: Session, principal, today: date, limit: int) -> list[RecentChange]:
    rows = session.exec(select(Instrument).where(Instrument.archived == False,  # noqa: E712 (SQL)
                                                 col(Instrument.signed_on).is_not(None), Instrument.signed_on <= today)
                        .order_by(col(Instrument.signed_on).desc()).limit(limit)).all()
    return [RecentChange(i.signed_on, KIND_CHANGE.get(i.kind, SIGNED), i.title_fr,
                         f"/countries/{i.country_code}/instruments/{i.slug}") for i in rows]


def recent_meetings(session: Session, principal, today: date, limit: int) -> list[RecentChange]:
    meetings: list[Meeting] = [m for m in list_meetings(session, principal) if m.starts_on <= today][-limit:]
    countries = {c.code: c for c in session.exec(select(Country)).all()}
    return [RecentChange(m.starts_on, MEETING, meeting_title(m, countries.get(m.country_code)), f"/meetings/{m.id}")
            for m in meetings]
