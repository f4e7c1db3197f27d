"""Who sees and who edits a meeting. One rule for pages, API, documents and search:

- a public meeting is seen by everyone; its participants, minutes, decisions and action items
  only once the minutes are published, except by staff of its country;
- a restricted meeting (audience "staff") is seen only by principals holding read_staff whose
  country limits cover its country; to anyone else it does not exist (404, never 403);
- edit_meetings is needed to change anything, and a delegation member limited to countries
  edits only the meetings of those countries."""

from sqlalchemy import or_, true

from agreements.meetings.models import Meeting, MeetingStatus
from registry.auth.audiences import PUBLIC
from registry.auth.permissions import Permission
from registry.auth.principal import Principal


def is_staff_of(principal: Principal, country_code: str) -> bool:
    return principal.reads_restricted_of(country_code)


def can_see(principal: Principal, meeting: Meeting) -> bool:
    return meeting.audience == PUBLIC or is_staff_of(principal, meeting.country_code)


def shows_minutes(principal: Principal, meeting: Meeting) -> bool:
    """Participants, minutes, decisions and action items: published, or staff of the country."""
    return can_see(principal, meeting) and (meeting.status == MeetingStatus.published
                                            or is_staff_of(principal, meeting.country_code))


def can_edit(principal: Principal, meeting_country: str) -> bool:
    return principal.can(Permission.edit_meetings) and principal.covers_country(meeting_country)


def visible_condition(principal: Principal):
    """SQL condition keeping the meetings `principal` may see."""
    if not principal.can(Permission.read_staff):
        return Meeting.audience == PUBLIC
    if not principal.countries:
        return true()
    return or_(Meeting.audience == PUBLIC, Meeting.country_code.in_(principal.countries))


def minutes_visible_condition(principal: Principal):
    """SQL condition keeping the meetings whose minutes and decisions `principal` may read."""
    published = Meeting.status == MeetingStatus.published.value
    if not principal.can(Permission.read_staff):
        return (Meeting.audience == PUBLIC) & published
    if not principal.countries:
        return true()
    return ((Meeting.audience == PUBLIC) & published) | Meeting.country_code.in_(principal.countries)
