"""Full-text search behind a small API. Knows no domain objects: features hand it
SearchDocuments through their own `search.py` providers."""

from search.api import SearchBackend, SearchDocument, SearchHit, SearchUnavailable, make_backend

__all__ = ["SearchBackend", "SearchDocument", "SearchHit", "SearchUnavailable", "make_backend"]
