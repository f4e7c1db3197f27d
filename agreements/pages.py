"""HTML pages of the agreements: home (countries and their agreements) and a country page."""

from datetime import date
from itertools import groupby

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlmodel import Session, select

from agreements.controllers import get_country_or_404
from agreements.labels import KIND_LABELS, STATUS_LABELS
from agreements.queries import list_instruments, with_status
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.labels import CONFIDENCE_LABELS, RISK_LABELS
from registry.models import Country, Institution, LiaisonBody
from registry.web.params import parse_date

LABELS = dict(kinds=KIND_LABELS, statuses=STATUS_LABELS, risks=RISK_LABELS, confidences=CONFIDENCE_LABELS)


def main_instruments(items: list) -> list:
    """The agreements themselves; arrangements and amendments are on the country page."""
    return [i for i in items if i.instrument.kind == "agreement"] or items


class AgreementPages(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True, guards=[requires(Permission.read_public)])
    def home(self, db_session: NamedDependency[Session], on: FromQuery[str | None] = None) -> Template:
        as_of = parse_date("on", on, date.today())
        countries = {c.code: c for c in db_session.exec(select(Country)).all()}
        items = with_status(db_session, list_instruments(db_session), as_of)
        by_country = [(countries[code], main_instruments(list(group)))
                      for code, group in groupby(items, key=lambda i: i.instrument.country_code)]
        by_country.sort(key=lambda pair: pair[0].name_fr)
        return Template("agreements/home.html", context=dict(by_country=by_country, as_of=as_of,
                                                             total=len(items), **LABELS))

    @get("/countries/{code:str}", sync_to_thread=True, guards=[requires(Permission.read_public)])
    def country(self, db_session: NamedDependency[Session], code: FromPath[str], on: FromQuery[str | None] = None) -> Template:
        country = get_country_or_404(db_session, code)
        as_of = parse_date("on", on, date.today())
        items = with_status(db_session, list_instruments(db_session, country=country.code), as_of)
        bodies = db_session.exec(select(LiaisonBody).where(LiaisonBody.country_code == country.code)).all()
        institutions = db_session.exec(select(Institution).where(Institution.country_code == country.code)).all()
        return Template("agreements/country.html", context=dict(
            country=country, items=items, as_of=as_of, bodies=bodies, institutions=institutions, **LABELS))
