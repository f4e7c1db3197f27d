"""The world map of the home page: partner countries coloured by the status of France's
instruments with each as of a date, drawn as server-side SVG from shipped Natural Earth shapes
(`countries.json`, built by `build_world_map.py`; licences beside it)."""

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from markupsafe import Markup

from agreements.status import Status
from registry.labels import mark

# Map categories, most applicable first: a country takes the first one any of its instruments has
CATEGORY_LABELS = {
    "in_force": mark("In force"),
    "in_force_unrecorded": mark("In force, date of entry into force not recorded"),
    "signed": mark("Signed, not yet in force"),
    "ended": mark("Ended"),
    "date_unknown": mark("Date unknown"),
    "none": mark("No agreement on that date"),
}
FROM_STATUS = {Status.signed: "signed", Status.terminated: "ended", Status.superseded: "ended",
               Status.date_unknown: "date_unknown"}
# a European inset: its countries are a few pixels wide on the world map
EUROPE_VIEW = (455.0, 40.0, 135.0, 80.0)
WORLD_VIEW = None  # the whole map
MIN_VISIBLE = 4.0  # map units: smaller partners get a round marker, so they can be seen and hit


@dataclass(frozen=True)
class MapCountry:
    code: str
    name: str
    category: str
    url: str
    status_text: str  # the category in the page's language, for the link's accessible name


def category_of(statuses) -> str:
    """The map category of a country from the DatedStatus of its instruments on the date."""
    found = set()
    for status in statuses:
        if status.status is Status.in_force:
            found.add("in_force_unrecorded" if status.in_force_date_unknown else "in_force")
        elif status.status in FROM_STATUS:
            found.add(FROM_STATUS[status.status])
    return next((category for category in CATEGORY_LABELS if category in found), "none")


@lru_cache(maxsize=1)
def shapes() -> dict:
    text = resources.files("agreements.worldmap").joinpath("countries.json").read_text(encoding="utf-8")
    return json.loads(text)


def _intersects(box, view) -> bool:
    x, y, w, h = view
    return box[2] >= x and box[0] <= x + w and box[3] >= y and box[1] <= y + h


def _marker(box, scale: float) -> Markup:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return Markup('<circle class="marker" cx="{:.1f}" cy="{:.1f}" r="{:.1f}"/>').format(cx, cy, 3.0 * scale)


def render_map(countries: list[MapCountry], title: str, view: tuple | None = WORLD_VIEW, *,
               interactive: bool = True, france_label: str = "France") -> Markup:
    """The SVG: every shape grey, partners coloured and, when `interactive`, each a link named
    "<country>: <status>" (keyboard and screen readers reach it). The inset is a second view
    of the same shapes for the pointer only (hidden from assistive technology, out of the tab
    order): the world map and the table already give every country once."""
    data = shapes()
    full = (0.0, 0.0, data["width"], data["height"])
    box_of_view = view or full
    scale = box_of_view[2] / full[2]
    partners = {c.code: c for c in countries}
    parts = []
    for land in data["other_land"]:
        parts.append(Markup('<path class="land" d="{}"/>').format(land))
    for code, shape in data["countries"].items():
        if view and not _intersects(shape["box"], view):
            continue
        parts.append(_shape(code, shape, partners.get(code), scale, interactive, france_label))
    x, y, w, h = box_of_view
    hidden = '' if interactive else ' aria-hidden="true" focusable="false"'
    role = ' role="group"' if interactive else ''
    return Markup('<svg class="world-map" viewBox="{:g} {:g} {:g} {:g}" xmlns="http://www.w3.org/2000/svg"'
                  '{}{} aria-label="{}">{}</svg>').format(
        x, y, w, h, Markup(role), Markup(hidden), title, Markup("").join(parts))


def _shape(code: str, shape: dict, partner: MapCountry | None, scale: float, interactive: bool,
           france_label: str) -> Markup:
    if code == "FR":
        return Markup('<path class="land map-france" d="{}"><title>{}</title></path>').format(shape["d"], france_label)
    if partner is None:
        return Markup('<path class="land" d="{}"/>').format(shape["d"])
    small = max(shape["box"][2] - shape["box"][0], shape["box"][3] - shape["box"][1]) < MIN_VISIBLE * scale
    body = Markup('<path class="land partner map-{}" d="{}"/>').format(partner.category, shape["d"])
    if small:
        body += Markup('<g class="map-{}">{}</g>').format(partner.category, _marker(shape["box"], scale))
    name = f"{partner.name}: {partner.status_text}"
    tab = '' if interactive else ' tabindex="-1"'
    return Markup('<a href="{}" aria-label="{}" data-country="{}" data-category="{}"{}><title>{}</title>{}</a>').format(
        partner.url, name, code, partner.category, Markup(tab), name, body)
