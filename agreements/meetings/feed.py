"""Meetings as feed entries: planned (with its dates, again when they move), held, minutes
published, dated from the meeting's own history (meeting_event) and dates.

Only the meetings the reader may see are read (visibility.visible_condition): a restricted
meeting is in no feed but a feed of its country's staff. Shipped sessions were loaded long after
they took place: they give no `planned` entry, `held` is dated by their last day and `minutes
published` by the last approval of their minutes."""

from collections.abc import Iterator

from sqlmodel import Session, col, func, select

from agreements.meetings.labels import KIND_LABELS
from agreements.meetings.models import Meeting, MeetingEvent, MeetingStatus, MinutesApproval
from agreements.meetings.services.common import RESCHEDULED
from agreements.meetings.visibility import visible_condition
from registry import i18n
from registry.feeds import SHIPPED_DATA_ACTOR, FeedEntry, FeedQuery, when_happened, when_recorded
from registry.labels import mark

S = MeetingStatus
ORDER = list(S)
PLANNED = (mark("Session planned: %(title)s, %(dates)s"), mark("%(kind)s with %(country)s, %(dates)s."))
RESCHEDULED_WORDING = (mark("Session planned: %(title)s, %(dates)s (new dates)"),
                       mark("%(kind)s with %(country)s, now %(dates)s."))
HELD = (mark("Session held: %(title)s, %(dates)s"), mark("%(kind)s with %(country)s, held %(dates)s."))
PLACE = mark("Place: %(place)s.")
PUBLISHED = (mark("Minutes published: %(title)s, %(dates)s"),
             mark("The minutes of the session of %(dates)s with %(country)s are published."))


def meeting_title_in(meeting: Meeting, locale: str) -> str:
    """Its French title, or its kind and country in the reader's language."""
    return meeting.title_fr or f"{i18n.gettext(locale, KIND_LABELS[meeting.kind])} – " \
                               f"{i18n.country_name(meeting.country_code, locale)}"


def location_of(meeting: Meeting, locale: str) -> str:
    """Its place, and whether it is held by videoconference; empty when neither is known."""
    video = i18n.gettext(locale, mark("videoconference")) if meeting.video else ""
    return f"{meeting.place} ({video})" if meeting.place and video else meeting.place or video


def meeting_entries(session: Session, query: FeedQuery) -> Iterator[FeedEntry]:
    if query.form_slug or not query.wants("meeting"):
        return
    meetings = select(Meeting).where(visible_condition(query.principal))
    if query.country:
        meetings = meetings.where(Meeting.country_code == query.country)
    if query.meeting_kind:
        meetings = meetings.where(Meeting.kind == query.meeting_kind)
    found = {m.id: m for m in session.exec(meetings).all()}
    events: dict[int, list[MeetingEvent]] = {}
    for event in session.exec(select(MeetingEvent).where(col(MeetingEvent.meeting_id).in_(list(found)))
                              .order_by(MeetingEvent.id)).all():
        events.setdefault(event.meeting_id, []).append(event)
    approved = dict(session.exec(select(MinutesApproval.meeting_id, func.max(MinutesApproval.approved_on))
                                 .where(col(MinutesApproval.meeting_id).in_(list(found)))
                                 .group_by(MinutesApproval.meeting_id)).all())
    for meeting_id, meeting in found.items():
        yield from _entries_of(meeting, events.get(meeting_id, []), approved.get(meeting_id), query.locale)


def _entries_of(meeting: Meeting, events: list[MeetingEvent], approved_on, locale: str) -> Iterator[FeedEntry]:
    words = dict(title=meeting_title_in(meeting, locale), kind=i18n.gettext(locale, KIND_LABELS[meeting.kind]),
                 country=i18n.country_name(meeting.country_code, locale), place=location_of(meeting, locale),
                 dates=i18n.format_date_range(meeting.starts_on, meeting.ends_on, locale))
    reached = {e.kind: e for e in events}  # the last time each status was reached
    if events and events[0].actor != SHIPPED_DATA_ACTOR:
        moves = [e for e in events if e.kind == RESCHEDULED]
        last = moves[-1] if moves else events[0]
        yield _entry(meeting, "planned", when_recorded(last.at, last.actor, None),
                     RESCHEDULED_WORDING if moves else PLANNED, words, locale)
    if ORDER.index(S(meeting.status)) >= ORDER.index(S.held):
        held = reached.get(S.held.value)
        yield _entry(meeting, "held", when_happened(meeting.ends_on, held and held.at, held.actor if held else ""),
                     HELD, words, locale)
    if meeting.status == S.published:
        published = reached.get(S.published.value)
        yield _entry(meeting, "minutes_published",
                     when_recorded(published and published.at, published.actor if published else "",
                                   approved_on or meeting.ends_on), PUBLISHED, words, locale)


def _entry(meeting: Meeting, event: str, updated, wording: tuple[str, str], words: dict, locale: str) -> FeedEntry:
    title, summary = wording
    summary = i18n.gettext(locale, summary, **words)
    if words["place"] and wording is not PUBLISHED:
        summary += " " + i18n.gettext(locale, PLACE, **words)
    return FeedEntry(key=f"meeting:{meeting.id}:{event}", updated=updated,
                     title=i18n.gettext(locale, title, **words), summary=summary,
                     path=f"/meetings/{meeting.id}", topic="meeting", country_code=meeting.country_code)
