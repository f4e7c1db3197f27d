"""Search over the shipped content, through the application: every backend indexes it all, the
researchers' queries find the right documents, the API and page answer with facets, pages and
suggestions, and every bad input is a 400 naming its parameter (or an empty result saying why).
The behaviour each backend shares is in tests/test_search_contract.py."""

import re

import pytest

from registry import i18n
from registry.composition import reindex
from registry.web.search_pages import FIELD_LABELS
from search import SearchDocument
from search.postgres_backend import PostgresBackend
from search.tantivy_backend import TantivyBackend
from search.whoosh_backend import WhooshBackend
from search.memory import MemoryBackend
from tests.search_helpers import find

ON_POSTGRES = pytest.mark.postgres
# backend x seeded database: the postgres backend lives in the application's PostgreSQL
# database, so "postgres backend on an SQLite database" is not a deployment and is not generated
WITH_SEEDED_DATABASE = pytest.mark.parametrize(("backend", "seeded_database_url"), [
    pytest.param("tantivy", "sqlite", id="tantivy-sqlite"),
    pytest.param("whoosh", "sqlite", id="whoosh-sqlite"),
    pytest.param("memory", "sqlite", id="memory-sqlite"),
    pytest.param("tantivy", "postgres", marks=ON_POSTGRES, id="tantivy-postgres"),
    pytest.param("postgres", "postgres", marks=ON_POSTGRES, id="postgres-postgres"),
], indirect=True)


@pytest.fixture
def backend(request, tmp_path, engine):
    made = {"tantivy": lambda: TantivyBackend(tmp_path / "tantivy"), "whoosh": lambda: WhooshBackend(tmp_path / "w"),
            "memory": MemoryBackend, "postgres": lambda: PostgresBackend(engine)}[request.param]()
    made.ensure()
    return made


@WITH_SEEDED_DATABASE
def test_reindex_holds_every_instrument_form_and_minutes_item(session, backend):
    assert reindex(session, backend) >= 151 + 35 + 9  # instruments, forms, meetings (and their minutes)
    hits = find(backend, "sécurité sociale Serbie", country="RS").hits
    assert hits and hits[0].url.startswith("/countries/RS/instruments/")


@WITH_SEEDED_DATABASE
def test_a_country_and_a_topic_without_accents_put_that_country_minutes_item_first(session, backend):
    reindex(session, backend)
    [first, *_] = find(backend, "creances andorre").hits
    assert first.kind == "minutes" and "Apurement et régularisation des créances" in first.title
    assert first.country == "AD"


@WITH_SEEDED_DATABASE
def test_a_country_is_found_by_its_names_in_every_language_it_has(session, backend):
    reindex(session, backend)
    for name in ("Serbie", "Serbia", "Srbija", "Србија"):
        assert {h.country for h in find(backend, name, per_page=50).hits} == {"RS"}, name


@WITH_SEEDED_DATABASE
def test_words_naming_a_kind_find_documents_of_that_kind(session, backend):
    reindex(session, backend)
    assert {h.kind for h in find(backend, "formulaires serbie").hits[:10]} == {"form"}
    assert find(backend, "procès-verbal andorre").hits[0].kind == "minutes"
    assert find(backend, "commission mixte andorre").hits[0].kind in ("meeting", "minutes")
    assert find(backend, "arrangement administratif serbie").hits[0].kind == "instrument"


# --- the API ---------------------------------------------------------------------------------------

@pytest.fixture
def indexed(session, search_backend):
    reindex(session, search_backend)
    return search_backend


def test_search_api_answers_total_page_hits_facets_and_suggestion(client, indexed):
    answer = client.get("/api/search", params={"q": "Serbie", "per_page": "5"}).json()
    assert set(answer) == {"total", "page", "per_page", "hits", "facets", "suggestion", "reason", "widened"}
    assert answer["total"] > 5 and len(answer["hits"]) == 5 and answer["page"] == 1
    assert all(hit["country"] == "RS" for hit in answer["hits"])
    assert {"kind", "country", "risk", "status", "decade", "year"} <= set(answer["facets"])
    assert sum(f["count"] for f in answer["facets"]["kind"]) == answer["total"]
    second = client.get("/api/search", params={"q": "Serbie", "per_page": "5", "page": "2"}).json()
    assert {h["key"] for h in second["hits"]}.isdisjoint({h["key"] for h in answer["hits"]})
    assert client.get("/api/search", params={"q": "creances andore"}).json()["suggestion"] == "creances andorre"


def test_researchers_narrow_by_country_kind_branch_period_and_day(client, indexed):
    asked = {"q": "accord", "country": "rs", "kind": "instrument", "since": "2014", "until": "2018"}
    hits = client.get("/api/search", params=asked).json()["hits"]
    assert hits and all(h["country"] == "RS" and h["kind"] == "instrument" and 2014 <= h["year"] <= 2018 for h in hits)
    in_force = client.get("/api/search", params={"q": "convention", "country": "RS", "on": "2024-01-01",
                                                 "kind": "instrument"}).json()["hits"]
    assert all(h["year"] != 1950 for h in in_force)  # the Yugoslav convention ended for Serbia on 2023-12-01
    before = client.get("/api/search", params={"q": "convention", "country": "RS", "on": "2020-01-01",
                                               "kind": "instrument"}).json()["hits"]
    assert any(h["year"] == 1950 for h in before)
    old_age = client.get("/api/search", params={"q": "pension", "risk": "old_age"}).json()
    assert old_age["total"] and all("old_age" in h["risks"] for h in old_age["hits"])
    dated = client.get("/api/search", params={"q": "serbie", "sort": "date"}).json()["hits"]
    days = [h["dated"] for h in dated if h["dated"]]
    assert days == sorted(days, reverse=True)


@pytest.mark.parametrize(("params", "parameter"), [
    ({"since": "2020", "until": "2019"}, "until"), ({"since": "deux mille"}, "since"), ({"kind": "fax"}, "kind"),
    ({"country": "ZZ"}, "country"), ({"risk": "lunar"}, "risk"), ({"status": "asleep"}, "status"),
    ({"on": "2023-13-01"}, "on"), ({"sort": "random"}, "sort"), ({"page": "0"}, "page"), ({"page": "-1"}, "page"),
    ({"page": "x"}, "page"), ({"per_page": "0"}, "per_page"), ({"per_page": "10000"}, "per_page"),
    ({"q": "x" * 1000}, "q"), ({"q": '"sécurité sociale'}, "q"), ({"q": "*"}, "q"), ({"q": "-"}, "q"),
    ({"q": "a\x00b"}, "q"), ({"q": " OR ".join(["mot"] * 50)}, "q"), ({"q": "OR"}, "q"),
])
def test_a_wrong_parameter_is_400_naming_it_on_the_api_and_the_page(client, params, parameter):
    response = client.get("/api/search", params={"q": "accord", **params})
    assert response.status_code == 400 and response.json()["extra"]["parameter"] == parameter
    page = client.get("/search", params={"q": "accord", "lang": "fr", **params}, headers={"Accept": "text/html"})
    label = i18n.gettext("fr", FIELD_LABELS[parameter])  # the page names the filter as its form does
    assert page.status_code == 400 and re.search(rf'role="alert">{re.escape(label)}\u00a0: [^<]+</p>', page.text)
    assert "Traceback" not in page.text


def test_a_syntax_error_is_explained_in_the_reader_language(client):
    french = client.get("/api/search", params={"q": '"sécurité', "lang": "fr"}).json()["detail"]
    english = client.get("/api/search", params={"q": '"sécurité', "lang": "en"}).json()["detail"]
    assert "guillemets" in french and "quotes in pairs" in english


@pytest.mark.parametrize(("q", "reason"), [("a", "only_stop_words"), ("le la les", "only_stop_words"),
                                           ("!!! ???", "no_words"), ("-brésil", "only_exclusions")])
def test_a_query_with_nothing_to_find_is_an_empty_result_saying_why(client, indexed, q, reason):
    answer = client.get("/api/search", params={"q": q}).json()
    assert (answer["total"], answer["hits"], answer["reason"]) == (0, [], reason)
    page = client.get("/search", params={"q": q, "lang": "en"})
    assert page.status_code == 200 and 'role="status"' in page.text


def test_a_page_past_the_end_is_empty_and_says_so(client, indexed):
    answer = client.get("/api/search", params={"q": "Serbie", "page": "500"}).json()
    assert answer["total"] > 0 and answer["hits"] == [] and answer["reason"] == "page_past_end"


# --- visibility, per role ------------------------------------------------------------------------------

def test_facet_counts_never_include_restricted_minutes_for_those_who_may_not_see_them(indexed, client, login_as):
    gabon = {"q": "pensions", "country": "GA"}  # Gabon's meetings and minutes are all restricted

    def restricted_counted(answer) -> int:
        return sum(f["count"] for f in answer["facets"].get("kind", []) if f["value"] in ("minutes", "meeting"))

    public = client.get("/api/search", params=gabon).json()
    assert restricted_counted(public) == 0 and all(h["kind"] not in ("minutes", "meeting") for h in public["hits"])
    for role in ("researcher", "caisse"):
        assert restricted_counted(login_as(role).get("/api/search", params=gabon).json()) == 0, role
    for role in ("delegation", "legal", "admin"):
        staff = login_as(role).get("/api/search", params=gabon).json()
        assert restricted_counted(staff) > 0 and staff["total"] == public["total"] + restricted_counted(staff), role
    elsewhere = login_as("delegation", countries=("RS",)).get("/api/search", params=gabon).json()
    assert restricted_counted(elsewhere) == 0 and elsewhere["total"] == public["total"]
    everywhere = client.get("/api/search", params={"q": "pensions", "kind": "minutes"}).json()
    assert "GA" not in {f["value"] for f in everywhere["facets"]["country"]}


def test_country_limited_staff_see_restricted_hits_of_their_countries_only(app, search_backend, login_as):
    search_backend.index([
        SearchDocument(key="m:rs", kind="minutes", title="Procès-verbal restreint Serbie", body="preuve", url="/m/rs",
                       country="RS", audience="staff"),
        SearchDocument(key="m:ga", kind="minutes", title="Procès-verbal restreint Gabon", body="preuve", url="/m/ga",
                       country="GA", audience="staff"),
    ])
    limited = login_as("delegation", countries=("RS",)).get("/api/search", params={"q": "preuve"}).json()
    assert {h["key"] for h in limited["hits"]} == {"m:rs"} and limited["total"] == 1
    legal = login_as("legal").get("/api/search", params={"q": "preuve"}).json()
    assert {h["key"] for h in legal["hits"]} == {"m:rs", "m:ga"}


# --- the page -----------------------------------------------------------------------------------------

def test_the_page_shows_facets_that_narrow_pages_sort_and_escapes_what_was_typed(client, indexed):
    page = client.get("/search", params={"q": "Serbie", "lang": "fr", "per_page": "5"}).text
    assert 'aria-label="Affiner les résultats"' in page and "<h2>Nature</h2>" in page
    narrowing = re.search(r'<a href="(/search\?[^"]*kind=form[^"]*)">Formulaires de liaison</a>', page)
    assert narrowing and "per_page=5" in narrowing.group(1)
    assert 'rel="next"' in page and 'aria-current="page">1<' in page and "Page 1 sur" in page
    assert "Les plus récents d’abord" in page
    escaped = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert escaped.status_code == 200 and "<script>alert(1)</script>" not in escaped.text
    assert "&lt;script&gt;" in escaped.text


def test_the_page_offers_the_corrected_query(client, indexed):
    page = client.get("/search", params={"q": "creances andore", "lang": "fr"}).text
    assert re.search(r'Vouliez-vous dire\u00a0: <a href="/search\?q=creances\+andorre">creances andorre</a>', page)
    english = client.get("/search", params={"q": "creances andore", "lang": "en"}).text
    assert "Did you mean:" in english


def test_every_filter_of_the_page_has_a_label(client, indexed):
    page = client.get("/search", params={"q": "Serbie", "lang": "fr"}).text
    for control in re.findall(r'<(?:input|select)[^>]* id="(\w+)"', page):
        assert f'<label for="{control}">' in page, control
