"""Search: a page for people and GET /api/search for machines. Audiences come from the
principal, so restricted material never reaches whoever may not see it."""

from dataclasses import asdict

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from registry.auth.audiences import PUBLIC, audiences_for
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.labels import mark
from registry.problems import SearchUnavailable
from registry.web.errors import TranslatableHTTPException
from registry.web.params import BadParameter

MAX_QUERY_LENGTH = 200


class SearchDown(TranslatableHTTPException):
    status_code = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": "60"})


def run_query(request: Request, q: str | None, country: str | None, kind: str | None) -> list:
    text = (q or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise BadParameter("q", text[:40] + "…", "at most 200 characters")
    if not text:
        return []
    principal = current_principal(request)
    try:
        hits = request.app.state.search.query(text, audiences=audiences_for(principal),
                                              country=(country or "").upper(), kind=kind or "", limit=50)
    except SearchUnavailable:
        raise SearchDown(mark("Search is unavailable for the moment; please try again in a minute.")) from None
    # a delegation member limited to some countries sees restricted material of those countries only
    return [hit for hit in hits if hit.audience == PUBLIC or principal.covers_country(hit.country)]


class SearchController(Controller):
    tags = ["search"]

    @get("/api/search", sync_to_thread=True, guards=[requires(Permission.read_public)],
         summary="Full-text search (French stemming, accents ignored) over what the caller may read")
    def api(self, request: Request, q: FromQuery[str | None] = None, country: FromQuery[str | None] = None,
            kind: FromQuery[str | None] = None) -> list[dict]:
        return [asdict(hit) for hit in run_query(request, q, country, kind)]

    @get("/search", sync_to_thread=True, guards=[requires(Permission.read_public)], include_in_schema=False)
    def page(self, request: Request, q: FromQuery[str | None] = None, country: FromQuery[str | None] = None,
             kind: FromQuery[str | None] = None) -> Template:
        hits = run_query(request, q, country, kind)
        return Template("registry/search.html", context={"q": q or "", "hits": hits})
