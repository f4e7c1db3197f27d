"""Meeting marks on the country timeline: one lane per kind of meeting, a mark per session."""

from collections.abc import Callable
from datetime import date

from agreements.meetings.labels import KIND_LABELS
from agreements.meetings.models import Meeting
from registry.labels import mark
from registry.web.timeline import Lane, Mark, Segment

Translate = Callable[[str], str]
FormatDate = Callable[[date], str]


def meeting_lanes(meetings: list[Meeting], _: Translate, fmt: FormatDate) -> list[Lane]:
    lanes = []
    for kind, label in KIND_LABELS.items():
        sessions = [meeting for meeting in meetings if meeting.kind == kind]
        if not sessions:
            continue
        marks = tuple(Mark(s.starts_on, "event", _(mark("Session of %(date)s")) % {"date": fmt(s.starts_on)})
                      for s in sessions)
        # a session of several days is also drawn as a short period
        segments = tuple(Segment(s.starts_on, s.ends_on, "meeting", _(label)) for s in sessions if s.ends_on > s.starts_on)
        lanes.append(Lane(label=f"{_(label)} ({len(sessions)})",
                          url=f"/meetings?country={sessions[0].country_code}", css_class=f"meeting {kind}",
                          segments=segments, marks=marks))
    return lanes
