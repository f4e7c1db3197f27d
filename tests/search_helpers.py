"""Asking a search backend as the application does (search.service.search), in one line."""

from search import Filters, SearchQuery, Visibility
from search.service import search

STAFF = Visibility(("public", "staff"))


def find(backend, text: str, **options):
    """`options`: visibility, sort, page, per_page, and any Filters field (country, kind, years, on…)."""
    visibility = options.pop("visibility", Visibility())
    query_fields = {k: options.pop(k) for k in ("sort", "page", "per_page") if k in options}
    return search(backend, SearchQuery(text, visibility, Filters(**options), **query_fields))


def keys(backend, text: str, **options) -> list[str]:
    return [hit.key for hit in find(backend, text, **options).hits]
