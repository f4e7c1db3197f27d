"""The home page (what the registry is, a search box, the world map of partner countries as of a
date with its legend and the same data as a table, recent changes) and the index of countries."""

from datetime import date
from itertools import groupby

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlmodel import Session, select

from agreements.labels import KIND_LABELS, STATUS_LABELS
from agreements.queries import InstrumentOnDate, list_instruments, with_status
from agreements.worldmap import CATEGORY_LABELS, EUROPE_VIEW, MapCountry, category_of, render_map
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.collation import sorted_names
from registry.labels import CONFIDENCE_LABELS, LABEL_COLON, mark
from registry.models import Country
from registry.recent import latest
from registry.web.i18n_middleware import request_locale
from registry.web.params import BadParameter, parse_date

READ = [requires(Permission.read_public)]
EARLIEST = date(1900, 1, 1)
A_DATE_SINCE_1900 = mark("a date as YYYY-MM-DD, from 1900-01-01")
RECENT = 8


def as_of_date(on: str | None) -> date:
    """The map's date: today by default; a date before 1900 predates every agreement of the registry."""
    as_of = parse_date("on", on, date.today())
    if as_of < EARLIEST:
        raise BadParameter("on", on, A_DATE_SINCE_1900)
    return as_of


def by_country(session: Session, as_of: date) -> dict[str, list[InstrumentOnDate]]:
    """Every partner's instruments that existed on `as_of` (those signed later are left out)."""
    items = with_status(session, list_instruments(session), as_of)
    return {code: [i for i in group if i.status.existed]
            for code, group in groupby(items, key=lambda i: i.instrument.country_code)}


def main_instrument(items: list[InstrumentOnDate]) -> InstrumentOnDate | None:
    """What the table names for a country: the agreement that applies, else the latest one."""
    agreements = [i for i in items if i.instrument.kind == "agreement"] or items
    applying = [i for i in agreements if i.status.applies]
    return (applying or agreements or [None])[-1]


def map_rows(session: Session, as_of: date, locale: str) -> list[dict]:
    _ = i18n.translations(locale).gettext
    rows = []
    for code, items in by_country(session, as_of).items():
        category = category_of(i.status for i in items)
        rows.append(dict(country=MapCountry(code, i18n.country_name(code, locale), category, f"/countries/{code}",
                                            _(CATEGORY_LABELS[category])), main=main_instrument(items)))
    return sorted_names(rows, lambda row: row["country"].name, locale)


class HomePages(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True, guards=READ)
    def home(self, request: Request, db_session: NamedDependency[Session], on: FromQuery[str | None] = None) -> Template:
        locale = request_locale(request)
        error, as_of = None, date.today()
        try:
            as_of = as_of_date(on)
        except BadParameter as refused:
            error = refused.detail_in(locale)
        rows = map_rows(db_session, as_of, locale)
        _ = i18n.translations(locale).gettext
        title = _(mark("Map of France's partner countries on %(date)s")) % {"date": i18n.format_date(as_of, locale)}
        countries = [row["country"] for row in rows]
        principal = current_principal(request)
        changes = latest([change for provider in request.app.state.recent_changes
                          for change in provider(db_session, principal, date.today(), RECENT)], RECENT)
        return Template("agreements/home.html", status_code=400 if error else 200, context=dict(
            as_of=as_of, typed_on=on if error else as_of.isoformat(), error=error, rows=rows,
            world_map=render_map(countries, title, france_label=i18n.country_name("FR", locale)),
            europe_map=render_map(countries, title, EUROPE_VIEW, interactive=False),
            categories=CATEGORY_LABELS, counts={c: sum(r["country"].category == c for r in rows) for c in CATEGORY_LABELS},
            changes=changes, today=date.today(), label_colon=LABEL_COLON, statuses=STATUS_LABELS, kinds=KIND_LABELS, confidences=CONFIDENCE_LABELS))

    @get("/countries", sync_to_thread=True, guards=READ)
    def countries(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        locale = request_locale(request)
        with_instruments = {i.country_code for i in list_instruments(db_session)}
        countries = [c for c in db_session.exec(select(Country)).all() if c.code in with_instruments]
        named = sorted_names([(c.code, i18n.country_name(c.code, locale)) for c in countries], lambda p: p[1], locale)
        return Template("agreements/countries.html", context=dict(countries=named))
