"""Search: French-aware, accent-insensitive, audience-filtered, on the real whoosh index and,
when a PostgreSQL server is configured, on PostgreSQL full-text search."""

import re

import pytest

from registry import i18n
from registry.composition import reindex
from registry.web.search_pages import FIELD_LABELS
from search import SearchDocument
from search.memory import MemoryBackend
from search.postgres_backend import PostgresBackend
from search.whoosh_backend import WhooshBackend

ON_POSTGRES = pytest.mark.postgres
BACKENDS = ["whoosh", "memory", pytest.param("postgres", marks=ON_POSTGRES)]
# backend x seeded database: the postgres backend lives in the application's PostgreSQL
# database, so "postgres backend on an SQLite database" is not a deployment and is not generated
WITH_SEEDED_DATABASE = pytest.mark.parametrize(("backend", "seeded_database_url"), [
    pytest.param("whoosh", "sqlite", id="whoosh-sqlite"),
    pytest.param("memory", "sqlite", id="memory-sqlite"),
    pytest.param("whoosh", "postgres", marks=ON_POSTGRES, id="whoosh-postgres"),
    pytest.param("memory", "postgres", marks=ON_POSTGRES, id="memory-postgres"),
    pytest.param("postgres", "postgres", marks=ON_POSTGRES, id="postgres-postgres"),
], indirect=True)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    if request.param == "whoosh":
        backend = WhooshBackend(tmp_path / "index")
    elif request.param == "postgres":
        # the seeded database when the test reads one (as an instance would), else an empty one
        seeded = "seeded_database_url" in request.fixturenames
        backend = PostgresBackend(request.getfixturevalue("engine" if seeded else "postgres_engine"))
    else:
        return MemoryBackend()
    assert backend.ensure() is True and backend.ensure() is False
    return backend


@WITH_SEEDED_DATABASE
def test_reindex_holds_every_instrument(session, backend):
    assert reindex(session, backend) >= 151  # every instrument, plus what other features index
    hits = backend.query("sécurité sociale Serbie", country="RS")
    assert hits and hits[0].url.startswith("/countries/RS/instruments/")


@WITH_SEEDED_DATABASE
@pytest.mark.parametrize("query", ["securite sociale", "SÉCURITÉ SOCIALES", "accords"])
def test_accents_case_and_plurals_do_not_matter(session, backend, query):
    reindex(session, backend)
    assert any(hit.country == "RS" for hit in backend.query(query, country="RS"))


def test_every_word_ranks_first_and_any_word_is_the_fallback(backend):
    backend.ensure()
    backend.index([
        SearchDocument(key="f:1", kind="form", title="Demande de pension", body="pension de vieillesse", url="/f/1"),
        SearchDocument(key="f:2", kind="form", title="Âge de la retraite", body="départ à la retraite", url="/f/2"),
        SearchDocument(key="f:3", kind="form", title="Pension de retraite", body="montant", url="/f/3"),
        SearchDocument(key="f:4", kind="form", title="Allocations familiales", body="enfants", url="/f/4"),
    ])
    # one document has every word: it is the only answer, on every backend
    assert [h.key for h in backend.query("pension de retraite")] == ["f:3"]
    assert {h.key for h in backend.query("pension retraite invalidité")} == {"f:1", "f:2", "f:3"}  # none has all
    assert backend.query("pension retraite invalidité")[0].key == "f:3"  # the most words first


def test_a_period_keeps_the_documents_of_those_years(backend):
    backend.ensure()
    backend.index([
        SearchDocument(key="i:1950", kind="instrument", title="Convention générale", body="", url="/i/1950", year=1950),
        SearchDocument(key="i:2014", kind="instrument", title="Accord de sécurité sociale", body="", url="/i/2014",
                       year=2014),
        SearchDocument(key="m:2023", kind="minutes", title="Procès-verbal de sécurité sociale", body="", url="/m/2023",
                       year=2023),
        SearchDocument(key="x:none", kind="form", title="Formulaire de sécurité sociale", body="", url="/x"),
    ])
    assert {h.key for h in backend.query("sécurité sociale", years=(2000, 2020))} == {"i:2014"}
    assert {h.key for h in backend.query("sécurité sociale", years=(2014, None))} == {"i:2014", "m:2023"}
    assert {h.key for h in backend.query("convention", years=(None, 1960))} == {"i:1950"}
    assert {h.key for h in backend.query("sécurité sociale")} == {"i:2014", "m:2023", "x:none"}  # no period: all
    assert [h.year for h in backend.query("convention")] == [1950]


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


def test_indexing_a_key_again_replaces_it(backend):
    backend.index([SearchDocument(key="i:1", kind="instrument", title="Accord initial", body="prestations familiales",
                                  url="/i/1", country="RS")])
    backend.index([SearchDocument(key="i:1", kind="instrument", title="Accord modifié", body="pensions de vieillesse",
                                  url="/i/1-bis", country="RS")])
    assert backend.query("familiales") == []
    assert [(h.key, h.title, h.url) for h in backend.query("vieillesse")] == [("i:1", "Accord modifié", "/i/1-bis")]


@pytest.mark.parametrize("backend", ["whoosh", pytest.param("postgres", marks=ON_POSTGRES)], indirect=True)
def test_highlights_mark_matches_and_escape_the_rest(backend):
    body = ("Point 3 <script>alert(1)</script> : la coordination <img src=x onerror=alert(2)> "
            "des régimes si a < b & c, puis la coordination encore.")
    backend.index([SearchDocument(key="h:1", kind="minutes", title="Procès-verbal", body=body, url="/h/1")])
    [hit] = backend.query("coordination")
    marks = re.compile(r'<b(?: class="[\w ]+")?>coordination</b>')  # whoosh adds a class
    assert marks.search(hit.highlight)
    without_marks = marks.sub("", hit.highlight)
    assert "<" not in without_marks and ">" not in without_marks  # every other bracket is escaped
    assert "&amp;" in hit.highlight and "&lt;" in hit.highlight


def test_search_api_and_page(client, session, search_backend):
    reindex(session, search_backend)
    hits = client.get("/api/search", params={"q": "Serbie"}).json()
    assert any(hit["country"] == "RS" for hit in hits)
    page = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_researchers_narrow_by_country_kind_and_period(client, session, search_backend):
    reindex(session, search_backend)
    asked = {"q": "accord", "country": "rs", "kind": "instrument", "since": "2014", "until": "2018"}
    hits = client.get("/api/search", params=asked).json()
    assert hits and all(h["country"] == "RS" and h["kind"] == "instrument" and 2014 <= h["year"] <= 2018 for h in hits)
    page = client.get("/search", params={**asked, "lang": "fr"}).text
    assert '<option value="RS" selected>Serbie</option>' in page and 'name="since"' in page and 'value="2014"' in page
    assert "Accords et arrangements · Serbie · 2014" in page


@pytest.mark.parametrize(("params", "parameter"), [({"since": "2020", "until": "2019"}, "until"),
                                                   ({"since": "deux mille"}, "since"), ({"kind": "fax"}, "kind")])
def test_a_wrong_filter_is_400_naming_it(client, params, parameter):
    response = client.get("/api/search", params={"q": "accord", **params})
    assert response.status_code == 400 and response.json()["extra"]["parameter"] == parameter
    page = client.get("/search", params={"q": "accord", "lang": "fr", **params}, headers={"Accept": "text/html"})
    label = i18n.gettext("fr", FIELD_LABELS[parameter])  # the page names the filter as its form does
    assert page.status_code == 400 and re.search(rf'role="alert">{re.escape(label)}\u00a0: [^<]+</p>', page.text)
    assert f'value="accord"' in page.text  # the words typed stay in the form


def test_overlong_query_is_400(client):
    response = client.get("/api/search", params={"q": "x" * 500})
    assert response.status_code == 400 and response.json()["extra"]["parameter"] == "q"


@WITH_SEEDED_DATABASE
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
