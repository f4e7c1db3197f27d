"""Search: French-aware, accent-insensitive, audience-filtered, on the real whoosh index."""

import pytest

from registry.composition import reindex
from search import SearchDocument
from search.memory import MemoryBackend
from search.whoosh_backend import WhooshBackend


@pytest.fixture(params=["whoosh", "memory"])
def backend(request, tmp_path):
    if request.param == "whoosh":
        backend = WhooshBackend(tmp_path / "index")
        assert backend.ensure() is True and backend.ensure() is False
        return backend
    return MemoryBackend()


def test_reindex_holds_every_instrument(session, backend):
    assert reindex(session, backend) >= 151  # every instrument, plus what other features index
    hits = backend.query("sécurité sociale Serbie", country="RS")
    assert hits and hits[0].url.startswith("/countries/RS/instruments/")


@pytest.mark.parametrize("query", ["securite sociale", "SÉCURITÉ SOCIALES", "accords"])
def test_accents_case_and_plurals_do_not_matter(session, backend, query):
    reindex(session, backend)
    assert any(hit.country == "RS" for hit in backend.query(query, country="RS"))


def test_staff_documents_stay_hidden_from_the_public(backend):
    backend.ensure()
    backend.index([
        SearchDocument(key="m:1", kind="minutes", title="Procès-verbal restreint", body="négociation confidentielle",
                       url="/m/1", country="RS", audience="staff"),
        SearchDocument(key="m:2", kind="minutes", title="Procès-verbal public", body="négociation publique",
                       url="/m/2", country="RS"),
    ])
    assert [h.key for h in backend.query("négociation")] == ["m:2"]
    assert {h.key for h in backend.query("négociation", audiences=("public", "staff"))} == {"m:1", "m:2"}


def test_removed_documents_are_gone(backend):
    backend.ensure()
    backend.index([SearchDocument(key="x:1", kind="x", title="Échange de lettres", body="", url="/x")])
    backend.remove(["x:1"])
    assert backend.query("échange") == []


def test_search_api_and_page(client, session, search_backend):
    reindex(session, search_backend)
    hits = client.get("/api/search", params={"q": "Serbie"}).json()
    assert any(hit["country"] == "RS" for hit in hits)
    page = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_overlong_query_is_400(client):
    response = client.get("/api/search", params={"q": "x" * 500})
    assert response.status_code == 400 and response.json()["extra"]["parameter"] == "q"


@pytest.mark.parametrize("query", ['accord AND "sécurité', "(((", "title:", "*", "AND OR NOT", "' OR 1=1 --", "\\"])
def test_odd_queries_never_fail(session, backend, query):
    reindex(session, backend)
    assert isinstance(backend.query(query), list)


def test_country_limited_staff_see_restricted_hits_of_their_countries_only(app, search_backend, login_as):
    search_backend.index([
        SearchDocument(key="m:rs", kind="minutes", title="Procès-verbal restreint Serbie", body="preuve", url="/m/rs",
                       country="RS", audience="staff"),
        SearchDocument(key="m:ga", kind="minutes", title="Procès-verbal restreint Gabon", body="preuve", url="/m/ga",
                       country="GA", audience="staff"),
    ])
    limited = login_as("delegation", countries=("RS",))
    assert {h["key"] for h in limited.get("/api/search", params={"q": "preuve"}).json()} == {"m:rs"}
    legal = login_as("legal")
    assert {h["key"] for h in legal.get("/api/search", params={"q": "preuve"}).json()} == {"m:rs", "m:ga"}
