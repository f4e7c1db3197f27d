"""Search: a page for people and GET /api/search for machines. The reader's visibility (audiences,
and the countries of a delegation member limited to some) goes into the query itself, so
restricted material is never shown, counted in a facet nor suggested to whoever may not see it."""

from dataclasses import asdict
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlmodel import Session, select

from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.labels import LABEL_COLON, RISK_LABELS, SEARCH_KIND_LABELS, mark
from registry.models import Country
from registry.problems import QuerySyntaxError, SearchUnavailable
from registry.web.errors import TranslatableHTTPException
from registry.web.i18n_middleware import request_locale
from registry.web.params import BadParameter
from registry.web.search_params import SORT_LABELS, SearchForm, shown

FIELD_LABELS = {"q": mark("Words to find"), "country": mark("Country"), "kind": mark("Kind"),
                "risk": mark("Branch"), "status": mark("Status"), "since": mark("First year"),
                "until": mark("Last year"), "on": mark("In force on"), "sort": mark("Order"),
                "page": mark("Page"), "per_page": mark("Results per page")}
FACET_LABELS = {"kind": mark("Kind"), "country": mark("Country"), "risk": mark("Branch"),
                "status": mark("Status"), "decade": mark("Decade"), "year": mark("Year")}
REASONS = {
    "empty_query": "",
    "no_words": mark("The query holds no word to look for."),
    "only_stop_words": mark("The query holds only very common words, which are not searched."),
    "only_exclusions": mark("The query only leaves words out: say what to find too."),
    "no_match": mark("No document matches these words and filters."),
    "page_past_end": mark("This page is past the last page of results."),
}


class SearchDown(TranslatableHTTPException):
    status_code = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": "60"})


def read_form(request: Request, db_session: Session, params: dict) -> SearchForm:
    countries = set(db_session.exec(select(Country.code)).all())
    return SearchForm.read(params, countries, request.app.state.search_statuses)


def run_search(request: Request, form: SearchForm):
    """search.api.SearchResults; a query the syntax cannot read is a 400 naming `q`."""
    try:
        return request.app.state.search.ask(form.text, **form.asked(current_principal(request)))
    except QuerySyntaxError as exc:
        raise BadParameter("q", shown(form.text), exc.message) from None
    except SearchUnavailable:
        raise SearchDown(mark("Search is unavailable for the moment; please try again in a minute.")) from None


def api_answer(form: SearchForm, results) -> dict:
    hits = [{**asdict(hit), "dated": hit.dated.isoformat() if hit.dated else None} for hit in results.hits]
    return {"total": results.total, "page": form.page, "per_page": form.per_page, "hits": hits,
            "facets": {name: [{"value": f.value, "count": f.count} for f in counts]
                       for name, counts in results.facets.items()},
            "suggestion": results.suggestion, "reason": results.reason, "widened": results.widened}


def search_url(params: dict[str, str]) -> str:
    return "/search?" + urlencode(params) if params else "/search"


def facet_links(form: SearchForm, results) -> list[dict]:
    """Each facet value as a link that narrows the search (or, when chosen, widens it again)."""
    chosen = {"kind": form.kind, "country": form.country, "risk": form.risk, "status": form.status,
              "decade": str(form.since) if form.since and form.until == form.since + 9 else "",
              "year": str(form.since) if form.since and form.since == form.until else ""}
    sidebar = []
    for name, counts in results.facets.items():
        links = []
        for facet in counts:
            selected = chosen.get(name) == facet.value
            if name in ("decade", "year"):
                last = int(facet.value) + (9 if name == "decade" else 0)
                change = {"since": None, "until": None} if selected else {"since": facet.value, "until": last}
            else:
                change = {name: None if selected else facet.value}
            links.append({"value": facet.value, "count": facet.count, "selected": selected,
                          "url": search_url(form.params(**change))})
        if links:
            sidebar.append({"name": name, "links": links})
    return sidebar


def pages(form: SearchForm, total: int) -> dict:
    last = max(1, -(-total // form.per_page))
    around = range(max(1, form.page - 2), min(last, form.page + 2) + 1)
    return {"last": last, "numbers": [(n, search_url(form.params(page=n if n > 1 else None))) for n in around],
            "previous": search_url(form.params(page=form.page - 1 if form.page > 2 else None))
            if 1 < form.page <= last else "",
            "next": search_url(form.params(page=form.page + 1)) if form.page < last else ""}


def page_context(request: Request, db_session: Session) -> dict:
    return dict(countries=db_session.exec(select(Country).order_by(Country.name_fr)).all(),
                kinds=SEARCH_KIND_LABELS, risks=RISK_LABELS, statuses=request.app.state.search_statuses,
                sorts=SORT_LABELS, labels=FIELD_LABELS, facet_labels=FACET_LABELS, reasons=REASONS,
                results=None, error="")


class SearchController(Controller):
    tags = ["search"]

    @get("/api/search", sync_to_thread=True, guards=[requires(Permission.read_public)],
         summary="Full-text search over what the caller may read, with facet counts and pages",
         description="q: words (all wanted), \"phrases\", prefix*, -exclusion, OR; since/until: years, "
                     "inclusive; on: YYYY-MM-DD (what applied that day); sort: relevance or date; "
                     "page from 1; per_page 1-100. Answers {total, page, per_page, hits, facets, suggestion, "
                     "reason, widened}.")
    def api(self, request: Request, db_session: NamedDependency[Session], q: FromQuery[str | None] = None,
            country: FromQuery[str | None] = None, kind: FromQuery[str | None] = None, risk: FromQuery[str | None] = None,
            status: FromQuery[str | None] = None, since: FromQuery[str | None] = None,
            until: FromQuery[str | None] = None, on: FromQuery[str | None] = None,
            sort: FromQuery[str | None] = None, page: FromQuery[str | None] = None,
            per_page: FromQuery[str | None] = None) -> dict:
        form = read_form(request, db_session, dict(q=q, country=country, kind=kind, risk=risk, status=status,
                                                   since=since, until=until, on=on, sort=sort, page=page,
                                                   per_page=per_page))
        return api_answer(form, run_search(request, form))

    @get("/search", sync_to_thread=True, guards=[requires(Permission.read_public)], include_in_schema=False)
    def page(self, request: Request, db_session: NamedDependency[Session], q: FromQuery[str | None] = None,
             country: FromQuery[str | None] = None, kind: FromQuery[str | None] = None,
             risk: FromQuery[str | None] = None, status: FromQuery[str | None] = None,
             since: FromQuery[str | None] = None, until: FromQuery[str | None] = None,
             on: FromQuery[str | None] = None, sort: FromQuery[str | None] = None,
             page: FromQuery[str | None] = None, per_page: FromQuery[str | None] = None) -> Template:
        context = page_context(request, db_session)
        params = dict(q=q, country=country, kind=kind, risk=risk, status=status, since=since, until=until, on=on,
                      sort=sort, page=page, per_page=per_page)
        try:
            form = read_form(request, db_session, params)
            results = run_search(request, form) if form.text else None
        except BadParameter as exc:  # the form again, the wrong filter named as the form names it
            locale = request_locale(request)
            field = i18n.gettext(locale, LABEL_COLON, label=i18n.gettext(locale, FIELD_LABELS[exc.name]))
            typed = SearchForm(text=(params["q"] or "").strip()[:200])
            return Template("registry/search.html", status_code=400,
                            context=dict(context, form=typed, error=f"{field} {exc.expected_in(locale)}"))
        if results is None:
            return Template("registry/search.html", context=dict(context, form=form))
        return Template("registry/search.html", context=dict(
            context, form=form, results=results, facets=facet_links(form, results), pages=pages(form, results.total),
            suggestion_url=search_url(form.params(q=results.suggestion)) if results.suggestion else "",
            sort_urls={code: search_url(form.params(sort=None if code == "relevance" else code))
                       for code in SORT_LABELS}))
