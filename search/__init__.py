"""Full-text search behind a small API. Knows no domain objects: features hand it
SearchDocuments through their own `search.py` providers."""

from search.api import (Filters, SearchBackend, SearchDocument, SearchHit, SearchQuery, SearchResults,
                        SearchUnavailable, Visibility, make_backend)
from search.syntax import QuerySyntaxError

__all__ = ["Filters", "QuerySyntaxError", "SearchBackend", "SearchDocument", "SearchHit", "SearchQuery",
           "SearchResults", "SearchUnavailable", "Visibility", "make_backend"]
