"""The lanes of a country's timeline: one per instrument, from signature to termination."""

from collections.abc import Callable
from datetime import date

from agreements.queries import InstrumentOnDate
from registry.labels import mark
from registry.web.timeline import Lane, Mark, Segment

Translate = Callable[[str], str]
FormatDate = Callable[[date], str]


def instrument_lane(item: InstrumentOnDate, today: date, url: str, _: Translate, fmt: FormatDate) -> Lane:
    i = item.instrument
    end = i.terminated_on or today
    segments, marks = [], []
    if i.signed_on:
        marks.append(Mark(i.signed_on, "signed", _(mark("Signed on %(date)s")) % {"date": fmt(i.signed_on)}))
    if i.in_force_on:
        marks.append(Mark(i.in_force_on, "in_force", _(mark("In force from %(date)s")) % {"date": fmt(i.in_force_on)}))
        if i.signed_on and i.signed_on < i.in_force_on:
            segments.append(Segment(i.signed_on, i.in_force_on, "signed", _(mark("Signed, not in force"))))
        segments.append(Segment(i.in_force_on, end, "in_force", _(mark("In force"))))
    elif i.signed_on:
        segments.append(Segment(i.signed_on, end, "applied", _(mark("In force (date of entry into force not recorded)"))))
    if i.terminated_on:
        marks.append(Mark(i.terminated_on, "terminated", _(mark("Ended on %(date)s")) % {"date": fmt(i.terminated_on)}))
    year = i.signed_on.year if i.signed_on else "—"
    return Lane(label=f"{year} · {i.title_fr}", url=url, css_class=f"kind-{i.kind}",
                segments=tuple(segments), marks=tuple(marks))


def country_lanes(items: list[InstrumentOnDate], today: date, _: Translate, fmt: FormatDate) -> list[Lane]:
    return [
        instrument_lane(item, today, f"/countries/{item.instrument.country_code}/instruments/{item.instrument.slug}", _, fmt)
        for item in items if item.instrument.signed_on or item.instrument.in_force_on
    ]
