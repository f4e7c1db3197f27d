"""The search contract, the same on every backend: analysis, query syntax, filters, facets,
visibility, highlights, pagination, sort, as-of, typos. Each test runs on tantivy, whoosh,
memory and (with REGISTRY_TEST_POSTGRES_URL) PostgreSQL. Where a backend lacks a capability
(`backend.capabilities`, shown in the README table) the test checks what it does instead."""

from datetime import date

import pytest

from search import QuerySyntaxError, SearchDocument, Visibility
from search.memory import MemoryBackend
from search.postgres_backend import PostgresBackend
from search.tantivy_backend import TantivyBackend
from search.whoosh_backend import WhooshBackend
from tests.search_helpers import STAFF, find, keys

BACKENDS = ["tantivy", "whoosh", "memory", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    if request.param == "memory":
        return MemoryBackend()
    if request.param == "tantivy":
        made = TantivyBackend(tmp_path / "tantivy")
    elif request.param == "whoosh":
        made = WhooshBackend(tmp_path / "whoosh")
    else:
        made = PostgresBackend(request.getfixturevalue("postgres_engine"))
    assert made.ensure() is True and made.ensure() is False
    return made


def doc(key: str, title: str, body: str = "", **fields) -> SearchDocument:
    return SearchDocument(key=key, kind=fields.pop("kind", "form"), title=title, body=body, url=f"/{key}", **fields)


# --- analysis ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["securite sociale", "SÉCURITÉ SOCIALES", "Sécurité", "electricite", "régimes",
                                   "electriques"])
def test_accents_case_and_plurals_do_not_matter(backend, query):
    backend.index([doc("a:1", "Accord de sécurité sociale", "Électricité et gaz : régime spécial des industries "
                                                           "électriques")])
    assert keys(backend, query) == ["a:1"]


def test_a_title_match_ranks_above_a_text_match(backend):
    backend.index([doc("body", "Arrangement administratif", "sur le détachement des salariés et autres sujets"),
                   doc("title", "Détachement des travailleurs", "arrangement")])
    assert keys(backend, "détachement") == ["title", "body"]


def test_context_words_find_a_document_without_being_its_text(backend):
    backend.index([doc("m:1", "Commission mixte franco-andorrane – Apurement des créances", "relevés contradictoires",
                       context="Andorre Andorra", country="AD", kind="minutes"),
                   doc("m:2", "Créances hospitalières", "relevés", country="ES", kind="minutes")])
    assert keys(backend, "creances andorre") == ["m:1"]
    assert keys(backend, "andorra") == ["m:1"]


def test_every_word_first_then_any_word_with_more_words_higher(backend):
    backend.index([doc("f:1", "Demande de transfert", "transfert de fonds"),
                   doc("f:2", "Délai de liquidation", "liquidation rapide"),
                   doc("f:3", "Transfert et liquidation", "montant"),
                   doc("f:4", "Allocations familiales", "enfants")])
    assert keys(backend, "transfert liquidation") == ["f:3"]
    results = find(backend, "transfert liquidation escompte")  # nobody has all three
    assert {h.key for h in results.hits} == {"f:1", "f:2", "f:3"} and results.hits[0].key == "f:3"
    assert results.widened == "any_word"


# --- syntax ------------------------------------------------------------------------------------

def test_phrases_prefixes_exclusions_and_alternatives(backend):
    backend.index([doc("d:1", "Certificat de détachement", "salarié détaché au Brésil", country="BR"),
                   doc("d:2", "Attestation de détachement", "travailleur détaché en Serbie", country="RS"),
                   doc("d:3", "Allocations familiales", "enfants à charge", country="RS"),
                   doc("d:4", "Pension de vieillesse", "retraite du travailleur", country="MA")])
    assert set(keys(backend, "détach*")) == {"d:1", "d:2"}
    assert set(keys(backend, "detachem*")) == {"d:1", "d:2"}  # a prefix longer than the stem still finds
    assert keys(backend, "détachement -brésil") == ["d:2"]
    assert keys(backend, 'détachement -"salarié détaché"') == ["d:2"]
    assert set(keys(backend, "allocations OR vieillesse")) == {"d:3", "d:4"}
    assert keys(backend, '"travailleur détaché"') == ["d:2"]
    assert keys(backend, '"détaché travailleur"') == []  # a phrase keeps its order


@pytest.mark.parametrize("query", ['"sécurité', "accord OR", "OR accord", "accord OR OR pension", "-", "*", "ab*",
                                   "dé*ch", "a\x00b", "' OR 1=1 --", "x " * 101, " OR ".join(["mot"] * 10),
                                   " ".join(f"mot{n}" for n in range(13)), "-brésil OR serbie"])
def test_a_query_the_syntax_cannot_read_is_refused_with_its_reason(backend, query):
    with pytest.raises(QuerySyntaxError) as refused:
        find(backend, query)
    assert refused.value.message  # a catalog message the pages translate (tests/test_search.py)


@pytest.mark.parametrize(("query", "reason"), [("", "empty_query"), ("le la de", "only_stop_words"),
                                               ("x", "only_stop_words"), ("!!! ???", "no_words"),
                                               ("-brésil", "only_exclusions"), ("(((", "no_words"),
                                               ("zzzzzz", "no_match")])
def test_nothing_to_find_says_why(backend, query, reason):
    backend.index([doc("a", "Le la les de", "et ou")])
    results = find(backend, query)
    assert (results.total, results.hits, results.reason) == (0, [], reason)


@pytest.mark.parametrize("query", ["title:", "AND NOT", "\\", "a & b | !c", "'; DROP TABLE x; --",
                                   "é" * 150, "retraite:*", "<script>", "1=1; DROP TABLE x"])
def test_odd_characters_are_only_words(backend, query):
    backend.index([doc("a", "Accord", "texte")])
    assert find(backend, query).total == 0


# --- filters, as-of, visibility ------------------------------------------------------------------

def corpus() -> list[SearchDocument]:
    return [
        doc("i:1950", "Convention générale de sécurité sociale", kind="instrument", country="RS", risks=("old_age",),
            status="superseded", dated=date(1950, 1, 5), valid_from=date(1951, 1, 1), valid_until=date(2023, 12, 1)),
        doc("i:2014", "Accord de sécurité sociale", kind="instrument", country="RS", risks=("old_age", "sickness"),
            status="in_force", dated=date(2014, 11, 6), valid_from=date(2023, 12, 1)),
        doc("f:1", "Formulaire de sécurité sociale", kind="form", country="BR", risks=("old_age",),
            status="published", dated=date(2023, 9, 1), valid_from=date(2023, 9, 1)),
        doc("m:1", "Procès-verbal de sécurité sociale", kind="minutes", country="RS", status="published",
            dated=date(2023, 10, 19), valid_from=date(2023, 10, 19)),
        doc("m:2", "Procès-verbal restreint de sécurité sociale", kind="minutes", country="GA", audience="staff",
            status="published", dated=date(2023, 5, 12), valid_from=date(2023, 5, 12)),
        doc("x:none", "Note de sécurité sociale", kind="meeting", country="IN"),
    ]


def test_filters_combine(backend):
    backend.index(corpus())
    assert set(keys(backend, "sécurité sociale", country="RS")) == {"i:1950", "i:2014", "m:1"}
    assert set(keys(backend, "sécurité sociale", country="RS", kind="instrument")) == {"i:1950", "i:2014"}
    assert set(keys(backend, "sécurité sociale", risk="sickness")) == {"i:2014"}
    assert set(keys(backend, "sécurité sociale", risk="old_age", status="in_force")) == {"i:2014"}
    assert set(keys(backend, "sécurité sociale", years=(2000, 2020))) == {"i:2014"}
    assert set(keys(backend, "sécurité sociale", years=(2014, None))) == {"i:2014", "f:1", "m:1"}
    assert set(keys(backend, "sécurité sociale", years=(None, 1960))) == {"i:1950"}
    assert set(keys(backend, "sécurité sociale")) == {"i:1950", "i:2014", "f:1", "m:1", "x:none"}


def test_as_of_a_day_keeps_what_applied_that_day(backend):
    backend.index(corpus())
    assert set(keys(backend, "sécurité sociale", on=date(2023, 11, 30))) == {"i:1950", "f:1", "m:1"}
    assert set(keys(backend, "sécurité sociale", on=date(2023, 12, 1))) == {"i:2014", "f:1", "m:1"}
    assert set(keys(backend, "sécurité sociale", on=date(1950, 6, 1))) == set()
    assert set(keys(backend, "sécurité sociale", country="RS", on=date(2024, 1, 1))) == {"i:2014", "m:1"}


def test_restricted_documents_are_never_shown_counted_or_suggested_to_the_public(backend):
    backend.index(corpus() + [doc("m:3", "Preuve d'existence confidentielle", "pensionnés gabonais", kind="minutes",
                                  country="GA", audience="staff", status="published")])
    public = find(backend, "sécurité sociale")
    assert "m:2" not in {h.key for h in public.hits} and public.total == 5
    assert {f.value for f in public.facets["country"]} == {"RS", "BR", "IN"}
    assert sum(f.count for f in public.facets["kind"]) == 5
    assert find(backend, "confidentielle").total == 0
    assert find(backend, "confidentiele").suggestion == ""  # a word only restricted documents hold
    staff = find(backend, "sécurité sociale", visibility=STAFF)
    assert staff.total == 6 and {"GA": 1} == {f.value: f.count for f in staff.facets["country"] if f.value == "GA"}
    assert find(backend, "confidentiele", visibility=STAFF).suggestion == "confidentielle"


def test_a_delegation_limited_to_countries_sees_restricted_documents_of_those_countries_only(backend):
    backend.index([doc("m:rs", "Procès-verbal restreint Serbie", "preuve", country="RS", audience="staff"),
                   doc("m:ga", "Procès-verbal restreint Gabon", "preuve", country="GA", audience="staff"),
                   doc("m:pub", "Procès-verbal public Gabon", "preuve", country="GA")])
    limited = find(backend, "preuve", visibility=Visibility(("public", "staff"), ("RS",)))
    assert {h.key for h in limited.hits} == {"m:rs", "m:pub"} and limited.total == 2
    assert {f.value: f.count for f in limited.facets["country"]} == {"RS": 1, "GA": 1}


# --- facets, pages, sort ----------------------------------------------------------------------------

def test_facets_count_every_match_by_kind_country_branch_status_decade_and_year(backend):
    backend.index(corpus())
    facets = {name: {f.value: f.count for f in counts} for name, counts in find(backend, "sécurité").facets.items()}
    assert facets["kind"] == {"instrument": 2, "form": 1, "minutes": 1, "meeting": 1}
    assert facets["country"] == {"RS": 3, "BR": 1, "IN": 1}
    assert facets["risk"] == {"old_age": 3, "sickness": 1}
    assert facets["status"] == {"superseded": 1, "in_force": 1, "published": 2}
    assert facets["decade"] == {"1950": 1, "2010": 1, "2020": 2}
    assert facets["year"] == {"1950": 1, "2014": 1, "2023": 2}
    assert [f.value for f in find(backend, "sécurité").facets["year"]] == ["2023", "2014", "1950"]


def test_pages_share_one_total_and_cover_every_hit_once(backend):
    backend.index([doc(f"p:{n:02}", f"Pension numéro {n}", "pension " * (n % 5 + 1)) for n in range(25)])
    seen = []
    for page in (1, 2, 3):
        results = find(backend, "pension", page=page, per_page=10)
        assert results.total == 25 and results.page == page
        seen += [h.key for h in results.hits]
    assert len(seen) == 25 and len(set(seen)) == 25
    past = find(backend, "pension", page=4, per_page=10)
    assert (past.total, past.hits, past.reason) == (25, [], "page_past_end")


def test_sort_by_date_puts_the_newest_first_and_the_undated_last(backend):
    backend.index(corpus())
    assert keys(backend, "sécurité sociale", sort="date") == ["m:1", "f:1", "i:2014", "i:1950", "x:none"]


# --- highlights ----------------------------------------------------------------------------------

def test_highlights_mark_matches_and_escape_the_rest(backend):
    import re

    body = ("Point 3 <script>alert(1)</script> : la coordination <img src=x onerror=alert(2)> "
            "des régimes si a < b & c, puis la coordination encore.")
    backend.index([doc("h:1", "Procès-verbal", body, kind="minutes")])
    [hit] = find(backend, "coordination").hits
    if "highlights" not in backend.capabilities:
        assert hit.highlight == ""  # this backend does not highlight (README table)
        return
    marks = re.compile(r'<b(?: class="[\w ]+")?>coordination</b>')  # whoosh adds a class
    assert marks.search(hit.highlight)
    without_marks = marks.sub("", hit.highlight)
    assert "<" not in without_marks and ">" not in without_marks
    assert "&lt;" in hit.highlight


# --- typos, thesaurus -----------------------------------------------------------------------------

def test_a_typo_is_retried_and_corrected_from_the_index_words(backend):
    backend.index([doc("ad", "Commission mixte", "créances", context="Andorre Andorra", country="AD"),
                   doc("rs", "Rencontre technique", "formulaires", context="Serbie Serbia", country="RS")])
    results = find(backend, "creances andore")
    assert [h.key for h in results.hits] == ["ad"] and results.suggestion == "creances andorre"
    assert results.widened == "typos"
    long_word = find(backend, "formlaiers")  # 10 letters: two edits
    assert [h.key for h in long_word.hits] == ["rs"] and long_word.suggestion == "formulaires"
    assert find(backend, "andorre").suggestion == ""  # nothing to correct
    assert find(backend, "andre").suggestion == ""  # 5 letters, 2 edits away: too far


def test_the_thesaurus_finds_what_readers_call_otherwise(backend):
    backend.index([doc("v", "Pension de vieillesse", "demande"), doc("r", "Départ à la retraite", "demande"),
                   doc("p", "Posting of workers", "certificate"), doc("f", "Prestations familiales", "enfants")])
    hits = keys(backend, "retraite")
    assert hits[0] == "r" and set(hits) == {"v", "r"}  # what was typed ranks first
    assert set(keys(backend, "détachement")) == {"p"}
    assert set(keys(backend, "allocations familiales")) == {"f"}


# --- writes --------------------------------------------------------------------------------------------

def test_removed_documents_are_gone_and_an_indexed_key_is_replaced(backend):
    backend.index([doc("x:1", "Échange de lettres"), doc("i:1", "Accord initial", "prestations familiales")])
    backend.remove(["x:1"])
    backend.index([doc("i:1", "Accord modifié", "pensions de vieillesse")])
    assert find(backend, "échange").total == 0 and find(backend, "familiales").total == 0
    assert [(h.key, h.title) for h in find(backend, "vieillesse").hits] == [("i:1", "Accord modifié")]


def test_a_failed_rebuild_leaves_the_previous_index(backend):
    backend.index([doc("old", "Allocations familiales")])

    def broken():
        yield doc("new", "Allocations nouvelles")
        raise RuntimeError("the database went away in the middle of a reindex")

    with pytest.raises(RuntimeError):
        backend.rebuild_aside(broken())
    assert keys(backend, "allocations") == ["old"]
    backend.index([doc("later", "Allocations plus tard")])  # still writable
    assert set(keys(backend, "allocations")) == {"old", "later"}
    assert backend.rebuild_aside([doc("new", "Allocations")]) == 1
    assert keys(backend, "allocations") == ["new"]


# --- time ------------------------------------------------------------------------------------------------

def many_documents(count: int = 3000) -> list[SearchDocument]:
    return [doc(f"t:{n}", f"Pension de retraite {n}", "pension vieillesse retraite détachement formulaire " * 20,
                country=("RS", "BR", "MA")[n % 3], risks=("old_age",), year=1950 + n % 70) for n in range(count)]


@pytest.fixture(params=["tantivy", "whoosh", pytest.param("postgres", marks=pytest.mark.postgres)])
def serving_backend(request, tmp_path):
    """The backends that serve readers (memory, a test fake, scans every document in Python and
    has no time budget: its capability says so)."""
    return _made(request.param, request, tmp_path)


def _made(name: str, request, tmp_path):
    made = {"tantivy": lambda: TantivyBackend(tmp_path / "tantivy"), "whoosh": lambda: WhooshBackend(tmp_path / "w"),
            "postgres": lambda: PostgresBackend(request.getfixturevalue("postgres_engine"))}[name]()
    made.ensure()
    return made


def test_a_query_past_its_time_budget_stops_or_the_syntax_limits_keep_it_short(serving_backend):
    """A backend with a time budget stops a query past it (SearchUnavailable, a 503); one without
    (tantivy) is kept short by the syntax's limits (12 words, 8 OR, prefixes of 3 letters): the
    largest query it accepts answers well inside the budget."""
    import time
    from dataclasses import replace

    from search import SearchUnavailable
    from search.plan import BUDGET_SECONDS, Plan
    from search.syntax import parse

    backend = serving_backend
    backend.index(many_documents())
    if "time_budget" in backend.capabilities:
        plan = replace(Plan(required=parse("pension retraite").required), budget=0.001)
        with pytest.raises(SearchUnavailable):
            backend.execute(plan)
        return
    largest = "pension OR retraite OR vieillesse OR détach* OR formul* OR pens* OR retr* OR vieil* OR certificat " \
              "demande attestation relevé notification déclaration \"pension de retraite\" -zzz"
    started = time.perf_counter()
    assert find(backend, largest).total == 3000
    assert time.perf_counter() - started < BUDGET_SECONDS / 2


def test_readme_capability_table_is_generated_from_the_backends():
    from pathlib import Path

    from search.capabilities import CAPABILITIES, backend_classes, markdown_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- search-capabilities:start -->\n", "\n<!-- search-capabilities:end -->"
    assert readme[readme.index(start) + len(start):readme.index(end)] == markdown_table(), \
        "run: python -m search.capabilities, paste into README.md"
    assert all(c.capabilities <= set(CAPABILITIES) for c in backend_classes())
