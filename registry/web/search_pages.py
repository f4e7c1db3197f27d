"""Search: a page for people and GET /api/search for machines. Audiences come from the
principal, so restricted material never reaches whoever may not see it."""

from dataclasses import asdict, dataclass

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlmodel import Session, select

from registry import i18n
from registry.auth.audiences import PUBLIC, audiences_for
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.labels import LABEL_COLON, SEARCH_KIND_LABELS, mark
from registry.problems import SearchUnavailable
from registry.web.errors import TranslatableHTTPException
from registry.web.i18n_middleware import request_locale
from registry.models import Country
from registry.web.params import BadParameter, parse_choice, parse_year

MAX_QUERY_LENGTH = 200
FIELD_LABELS = {"q": mark("Words to find"), "country": mark("Country"), "kind": mark("Kind"),
                "since": mark("First year"), "until": mark("Last year")}


class SearchDown(TranslatableHTTPException):
    status_code = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": "60"})


@dataclass(frozen=True)
class SearchRequest:
    """What was asked, read from the query string and checked (400 naming the parameter)."""

    text: str = ""
    country: str = ""
    kind: str = ""
    years: tuple[int | None, int | None] = (None, None)

    @classmethod
    def read(cls, q: str | None, country: str | None, kind: str | None, since: str | None,
             until: str | None) -> "SearchRequest":
        text = (q or "").strip()
        if len(text) > MAX_QUERY_LENGTH:
            raise BadParameter("q", text[:40] + "…", "at most 200 characters")
        years = (parse_year("since", since), parse_year("until", until))
        if None not in years and years[0] > years[1]:
            raise BadParameter("until", until, "a year no earlier than the first year")
        return cls(text, (country or "").strip().upper(), parse_choice("kind", kind, SEARCH_KIND_LABELS) or "", years)


def run_query(request: Request, asked: SearchRequest) -> list:
    if not asked.text:
        return []
    principal = current_principal(request)
    try:
        hits = request.app.state.search.query(asked.text, audiences=audiences_for(principal), country=asked.country,
                                              kind=asked.kind, years=asked.years, limit=50)
    except SearchUnavailable:
        raise SearchDown(mark("Search is unavailable for the moment; please try again in a minute.")) from None
    # a delegation member limited to some countries sees restricted material of those countries only
    return [hit for hit in hits if hit.audience == PUBLIC or principal.covers_country(hit.country)]


class SearchController(Controller):
    tags = ["search"]

    @get("/api/search", sync_to_thread=True, guards=[requires(Permission.read_public)],
         summary="Full-text search (French stemming, accents ignored) over what the caller may read; "
                 "since/until: years, inclusive")
    def api(self, request: Request, q: FromQuery[str | None] = None, country: FromQuery[str | None] = None,
            kind: FromQuery[str | None] = None, since: FromQuery[str | None] = None,
            until: FromQuery[str | None] = None) -> list[dict]:
        return [asdict(hit) for hit in run_query(request, SearchRequest.read(q, country, kind, since, until))]

    @get("/search", sync_to_thread=True, guards=[requires(Permission.read_public)], include_in_schema=False)
    def page(self, request: Request, db_session: NamedDependency[Session], q: FromQuery[str | None] = None,
             country: FromQuery[str | None] = None, kind: FromQuery[str | None] = None,
             since: FromQuery[str | None] = None, until: FromQuery[str | None] = None) -> Template:
        countries = db_session.exec(select(Country).order_by(Country.name_fr)).all()
        page = dict(countries=countries, kinds=SEARCH_KIND_LABELS, labels=FIELD_LABELS, hits=[], error="")
        try:
            asked = SearchRequest.read(q, country, kind, since, until)
        except BadParameter as exc:  # the form again, the wrong filter named as the form names it
            locale = request_locale(request)
            field = i18n.gettext(locale, LABEL_COLON, label=i18n.gettext(locale, FIELD_LABELS[exc.name]))
            error = f"{field} {exc.expected_in(locale)}"
            return Template("registry/search.html", status_code=400, context=dict(
                page, asked=SearchRequest((q or "").strip()[:MAX_QUERY_LENGTH]), error=error))
        return Template("registry/search.html", context=dict(page, asked=asked, hits=run_query(request, asked)))
