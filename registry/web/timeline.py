"""A server-rendered SVG timeline: one lane per item, segments for periods, marks for events.

Domain-free: features build lanes (instruments, meetings, form versions) and this draws them."""

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup, escape

LANE_HEIGHT = 26
LABEL_WIDTH = 300
PLOT_WIDTH = 760
AXIS_HEIGHT = 28
# What one timeline draws is bounded whatever the data: at most MAX_TICKS years on the axis, MAX_LANES
# lanes (a last line counts the others), one mark or period per pixel column and kind in a lane.
# A page render is thus bounded by drawing, not by a timeout that would leave a thread busy.
MAX_TICKS = 12
MAX_LANES = 60
MARK_SHAPES = {"signed": "circle", "in_force": "diamond", "terminated": "cross", "event": "circle"}


@dataclass(frozen=True)
class Segment:
    start: date
    end: date
    css_class: str  # e.g. "in_force", "signed", "terminated"
    title: str = ""


@dataclass(frozen=True)
class Mark:
    on: date
    kind: str  # a key of MARK_SHAPES
    title: str


@dataclass(frozen=True)
class Lane:
    label: str
    url: str = ""
    css_class: str = ""
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    marks: tuple[Mark, ...] = field(default_factory=tuple)


def _span(lanes: list[Lane], today: date) -> tuple[date, date]:
    """Whole years around every date drawn and today, whatever dates the database holds."""
    days = [d for lane in lanes for d in [*(s.start for s in lane.segments), *(s.end for s in lane.segments),
                                          *(m.on for m in lane.marks)]]
    start = min(days, default=today)
    end = max([*days, today])
    return date(start.year, 1, 1), date(end.year + 1, 1, 1) if end.year < date.max.year else date.max


class _Scale:
    def __init__(self, start: date, end: date) -> None:
        self.start, self.total = start, max((end - start).days, 1)

    def x(self, day: date) -> float:
        return round(LABEL_WIDTH + PLOT_WIDTH * (day - self.start).days / self.total, 1)


def year_step(years: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, 100… years that puts at most MAX_TICKS years on the
    axis: any span gets a step (a fixed table once ran out and the page never answered)."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if years / (factor * magnitude) <= MAX_TICKS:
                return factor * magnitude
        magnitude *= 10


def _axis(scale: _Scale, start: date, end: date, height: int) -> list[str]:
    step = year_step(end.year - start.year)
    parts = []
    for year in range(start.year + (-start.year % step), end.year + 1, step):
        x = scale.x(date(year, 1, 1))
        parts.append(f'<line class="grid" x1="{x}" y1="{AXIS_HEIGHT - 6}" x2="{x}" y2="{height}"/>'
                     f'<text class="year" x="{x}" y="{AXIS_HEIGHT - 10}" text-anchor="middle">{year}</text>')
    return parts


def _mark(scale: _Scale, mark: Mark, y: float) -> str:
    x = scale.x(mark.on)
    title = f"<title>{escape(mark.title)}</title>"
    shape = MARK_SHAPES.get(mark.kind, "circle")
    if shape == "diamond":
        return f'<path class="mark {mark.kind}" d="M{x} {y - 6}l6 6l-6 6l-6 -6z">{title}</path>'
    if shape == "cross":
        return f'<path class="mark {mark.kind}" d="M{x - 5} {y - 5}l10 10M{x + 5} {y - 5}l-10 10">{title}</path>'
    return f'<circle class="mark {mark.kind}" cx="{x}" cy="{y}" r="4.5">{title}</circle>'


def one_per_pixel(items, place) -> list:
    """The first of the items drawn at the same place: what cannot be told apart is drawn once."""
    seen: dict = {}
    for item in items:
        seen.setdefault(place(item), item)
    return list(seen.values())


def _lane(scale: _Scale, lane: Lane, index: int) -> str:
    top = AXIS_HEIGHT + index * LANE_HEIGHT
    middle = top + LANE_HEIGHT / 2
    label = escape(lane.label if len(lane.label) <= 48 else lane.label[:47] + "…")
    text = f'<text class="label" x="4" y="{middle + 4}">{label}<title>{escape(lane.label)}</title></text>'
    if lane.url:
        text = f'<a href="{escape(lane.url)}">{text}</a>'
    bars = [
        f'<rect class="period {s.css_class}" x="{scale.x(s.start)}" y="{middle - 5}" '
        f'width="{max(scale.x(s.end) - scale.x(s.start), 1.5)}" height="10"><title>{escape(s.title)}</title></rect>'
        for s in one_per_pixel(lane.segments, lambda s: (round(scale.x(s.start)), round(scale.x(s.end)), s.css_class))
    ]
    marks = [_mark(scale, m, middle) for m in one_per_pixel(lane.marks, lambda m: (round(scale.x(m.on)), m.kind))]
    return f'<g class="lane {escape(lane.css_class)}">{text}{"".join(bars)}{"".join(marks)}</g>'


def render_timeline(lanes: list[Lane], today: date, title: str, as_of: date | None = None) -> Markup:
    start, end = _span(lanes, today)
    scale = _Scale(start, end)
    drawn, left_out = lanes[:MAX_LANES], max(len(lanes) - MAX_LANES, 0)
    rows = len(drawn) + (1 if left_out else 0)
    height = AXIS_HEIGHT + LANE_HEIGHT * max(rows, 1) + 8
    width = LABEL_WIDTH + PLOT_WIDTH + 20
    # role=group, not img: an image may hold no links, and each lane's label is one (axe nested-interactive)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="group" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    parts += _axis(scale, start, end, height)
    parts += [_lane(scale, lane, i) for i, lane in enumerate(drawn)]
    if left_out:  # a number, no words: the timeline knows no language
        y = AXIS_HEIGHT + len(drawn) * LANE_HEIGHT + LANE_HEIGHT / 2 + 4
        parts.append(f'<text class="label more" x="4" y="{y}">… +{left_out}</text>')
    if as_of is not None and start <= as_of <= end:
        x = scale.x(as_of)
        parts.append(f'<line class="as-of" x1="{x}" y1="{AXIS_HEIGHT - 6}" x2="{x}" y2="{height}">'
                     f'<title>{escape(as_of.isoformat())}</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))
