"""Meetings as iCalendar (RFC 5545, with the `icalendar` package): one `.ics` per meeting, and
subscribable calendars per country and for every session the reader may see.

A session is an all-day event over its days (DTEND is the day after the last, as the RFC wants),
with both languages' titles, its place or videoconference and its page. Its UID never changes;
SEQUENCE is the number of times its dates or place moved (meeting_event rows `rescheduled`), so a
calendar that imported it replaces the old occurrence. DTSTAMP and LAST-MODIFIED are the
meeting's last change, so the file only changes when the meeting does."""

import uuid
from datetime import timedelta

from icalendar import Calendar, Event
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlmodel import Session, col, func, select

from agreements.controllers import get_country_or_404
from agreements.meetings.controllers import visible_meeting_or_404
from agreements.meetings.feed import location_of, meeting_title_in
from agreements.meetings.labels import KIND_LABELS
from agreements.meetings.models import Meeting, MeetingEvent
from agreements.meetings.services.common import RESCHEDULED
from agreements.meetings.visibility import visible_condition
from registry import i18n
from registry.auth.audiences import PUBLIC
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.feeds import etag_of, xml_text
from registry.labels import mark
from registry.models import as_utc
from registry.web.i18n_middleware import request_locale

UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:liaison-registry:meeting")
PRODID = "-//Registre des accords de securite sociale//liaison-registry//FR"
ICS = "text/calendar"  # Litestar adds the charset of text types
READ = [requires(Permission.read_public)]


def meeting_uid(meeting: Meeting) -> str:
    return str(uuid.uuid5(UID_NAMESPACE, f"meeting:{meeting.id}"))


def sequences(session: Session, meeting_ids: list[int]) -> dict[int, int]:
    """How many times each meeting was rescheduled."""
    if not meeting_ids:
        return {}
    rows = session.exec(select(MeetingEvent.meeting_id, func.count()).where(
        col(MeetingEvent.meeting_id).in_(meeting_ids), MeetingEvent.kind == RESCHEDULED)
        .group_by(MeetingEvent.meeting_id)).all()
    return dict(rows)


def both_titles(meeting: Meeting, locale: str) -> str:
    french = meeting_title_in(meeting, locale)
    partner = meeting.title_partner.strip()
    return f"{french} / {partner}" if partner and partner != french else french


def meeting_event(meeting: Meeting, sequence: int, base_url: str, locale: str) -> Event:
    url = f"{base_url.rstrip('/')}/meetings/{meeting.id}"
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", sequence)
    event.add("dtstamp", as_utc(meeting.updated_at))
    event.add("last-modified", as_utc(meeting.updated_at))
    event.add("created", as_utc(meeting.created_at))
    event.add("dtstart", meeting.starts_on)
    event.add("dtend", meeting.ends_on + timedelta(days=1))
    event.add("summary", xml_text(both_titles(meeting, locale)))
    lines = [meeting_title_in(meeting, locale), meeting.title_partner,
             f"{i18n.gettext(locale, KIND_LABELS[meeting.kind])} – {i18n.country_name(meeting.country_code, locale)}", url]
    event.add("description", xml_text("\n".join(line for line in lines if line)))
    if location_of(meeting, locale):
        event.add("location", xml_text(location_of(meeting, locale)))
    event.add("url", url)
    event.add("categories", [i18n.gettext(locale, KIND_LABELS[meeting.kind])])
    event.add("status", "CONFIRMED")
    event.add("class", "PUBLIC" if meeting.audience == PUBLIC else "CONFIDENTIAL")
    return event


def calendar_of(session: Session, meetings: list[Meeting], name: str, base_url: str, locale: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    counts = sequences(session, [m.id for m in meetings])
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, counts.get(meeting.id, 0), base_url, locale))
    return calendar.to_ical()


def visible_meetings(session: Session, principal, country: str | None = None) -> list[Meeting]:
    query = select(Meeting).where(visible_condition(principal))
    if country:
        query = query.where(Meeting.country_code == country)
    return list(session.exec(query.order_by(Meeting.starts_on, Meeting.id)).all())


def ics_response(request: Request, body: bytes, filename: str) -> Response[bytes]:
    principal = current_principal(request)
    etag = etag_of(body)
    headers = {"ETag": etag, "Vary": "Cookie, Authorization, Accept-Language",
               "Cache-Control": "private, no-cache" if principal.is_authenticated else "no-cache",
               "Content-Disposition": f'inline; filename="{filename}"'}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=ICS, headers=headers)


class CalendarController(Controller):
    tags = ["feeds and calendars"]

    @get("/meetings/{meeting_id:int}/calendar.ics", sync_to_thread=True, guards=READ,
         summary="One session as iCalendar (same UID when it moves, SEQUENCE incremented)")
    def one(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int]) -> Response[bytes]:
        meeting = visible_meeting_or_404(request, db_session, meeting_id)
        locale = request_locale(request)
        body = calendar_of(db_session, [meeting], meeting_title_in(meeting, locale), str(request.base_url), locale)
        return ics_response(request, body, f"session-{meeting.id}.ics")

    @get("/countries/{code:str}/calendar.ics", sync_to_thread=True, guards=READ,
         summary="The sessions with a country the reader may see, as a subscribable calendar")
    def country(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str]) -> Response[bytes]:
        country = get_country_or_404(db_session, code)
        locale = request_locale(request)
        name = i18n.gettext(locale, mark("Sessions with %(country)s"), country=i18n.country_name(country.code, locale))
        meetings = visible_meetings(db_session, current_principal(request), country.code)
        return ics_response(request, calendar_of(db_session, meetings, name, str(request.base_url), locale),
                            f"sessions-{country.code}.ics")

    @get("/calendar.ics", sync_to_thread=True, guards=READ,
         summary="Every session the reader may see, as a subscribable calendar")
    def everything(self, request: Request, db_session: NamedDependency[Session]) -> Response[bytes]:
        locale = request_locale(request)
        name = i18n.gettext(locale, mark("Sessions of the registry of social-security agreements"))
        meetings = visible_meetings(db_session, current_principal(request))
        return ics_response(request, calendar_of(db_session, meetings, name, str(request.base_url), locale),
                            "sessions.ics")
