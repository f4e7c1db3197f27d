"""whoosh-reloaded backend: one directory in the data folder, one writer at a time.

The directory is a link to a generation folder (search/aside.py): `rebuild_aside` fills a new
one while queries keep answering from the old, then swaps the link.

Writes from this process are serialised by a lock; whoosh's own file lock refuses a second
process, so a writer waits up to WRITE_LOCK_WAIT for it (`registry search reindex` running beside
the server, or several server workers) before giving up; the app then retries the write later
(search/following.py). Several machines cannot share the directory: PostgreSQL full-text search
is the multi-instance backend. Pure Python: it scores and counts facets in Python, so it is the
slowest backend (bench/bench_search.py); a query past its time budget stops (TimeLimitCollector)."""

import threading
import time
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import HtmlFormatter
from whoosh.query import (And, AndMaybe, AndNot, ConstantScoreQuery, DisjunctionMax, NullQuery, NumericRange, Or,
                          Prefix, Term)
from whoosh.query import Phrase as WhooshPhrase
from whoosh.matching.binary import DisjunctionMaxMatcher

from search.analysis import folded_analyzer, french_analyzer, within_edits
from search.api import SearchDocument, SearchHit, SearchResults, SearchUnavailable, Visibility
from search.plan import KIND_TIER, NEVER, Plan, day_number, facets_from, from_day_number
from search.syntax import AllOf, AnyOf, Node, Phrase, Word
from search.aside import SwappableDirectory

WRITE_LOCK_WAIT = 10.0  # seconds a writer waits for another process's lock
FIELD_WEIGHTS = (("title", 2.0), ("body", 1.0), ("context", 0.6))
FACETS = ("kind", "country", "risks", "status", "year")


def build_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        key=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        country=ID(stored=True, sortable=True),
        audience=ID(stored=True),
        status=ID(stored=True, sortable=True),
        risks=KEYWORD(stored=True, commas=True, sortable=True),
        year=NUMERIC(stored=True, sortable=True),
        date=NUMERIC(stored=True, sortable=True),
        valid_from=NUMERIC(), valid_until=NUMERIC(),
        title=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
        context=TEXT(analyzer=analyzer),
        words=TEXT(analyzer=folded_analyzer(), phrase=False),
        url=STORED(),
    )


def _fields(doc: SearchDocument) -> dict:
    fields = dict(key=doc.key, kind=doc.kind, country=doc.country, audience=doc.audience, status=doc.status,
                  risks=",".join(doc.risks), title=doc.title, body=doc.body, context=doc.context, url=doc.url,
                  words=f"{doc.title}\n{doc.body}\n{doc.context}", date=day_number(doc.dated),
                  valid_from=day_number(doc.valid_from, NEVER), valid_until=day_number(doc.valid_until, NEVER))
    if doc.year is not None:
        fields["year"] = doc.year
    return fields


_STEMMED, _FOLDED = french_analyzer(), folded_analyzer()


def stems(word: str) -> list[str]:
    """The query side of the index's own analysis (whoosh's stemmer, not tantivy's)."""
    return [token.text for token in _STEMMED(word)]


def folded_words(text: str) -> list[str]:
    return [token.text for token in _FOLDED(text)]


class BestOfMatcher(DisjunctionMaxMatcher):
    """whoosh's DisjunctionMaxMatcher takes the max of both sides even when they stand on
    different documents (so a document scores another's match); this one looks at the side(s)
    on the current document only."""

    def score(self):
        a, b = self.a, self.b
        if not a.is_active() or (b.is_active() and b.id() < a.id()):
            return b.score()
        if not b.is_active() or a.id() < b.id():
            return a.score()
        return max(a.score(), b.score())


class BestOf(DisjunctionMax):
    """The best-scoring option: synonyms of a word do not add up (the other backends' dismax)."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        return self._tree_matcher(subs, BestOfMatcher, searcher, context, lambda q: q.estimate_size(reader),
                                  tiebreak=0.0)


def translate(node: Node, weight: float = 1.0):
    """A Plan node as a whoosh query, `weight` carried down to the terms (whoosh ignores the boost
    of a compound query); None when it holds no searchable word."""
    if isinstance(node, Word) and node.prefix:
        prefix = folded_words(node.text)[:1]
        return Prefix("words", prefix[0], boost=weight) if prefix else None
    if isinstance(node, (Word, Phrase)):
        words = (node.text,) if isinstance(node, Word) else node.words
        wanted = [s for word in words for s in stems(word)[:1]]  # whoosh renumbers around stop words
        if not wanted:
            return None
        if len(wanted) == 1:
            return Or([Term(field, wanted[0], boost=boost * weight) for field, boost in FIELD_WEIGHTS])
        return Or([WhooshPhrase(field, wanted, boost=boost * weight) for field, boost in FIELD_WEIGHTS])
    if isinstance(node, AnyOf):
        options = [q for q in (translate(option, weight * w) for option, w in node.options) if q is not None]
        if len(options) < 2:
            return options[0] if options else None
        return BestOf(options)
    if isinstance(node, AllOf):
        parts = [q for q in (translate(part, weight) for part in node.parts) if q is not None]
        return And(parts) if parts else None
    raise TypeError(node)


def visibility_query(visibility: Visibility):
    options = [Term("audience", "public")] if "public" in visibility.audiences else []
    if visibility.restricted:
        restricted = [Or([Term("audience", a) for a in visibility.restricted])]
        if visibility.countries:
            restricted.append(Or([Term("country", c) for c in visibility.countries]))
        options.append(And(restricted))
    return Or(options) if options else NullQuery


def restriction(plan: Plan):
    filters = plan.filters
    parts = [visibility_query(plan.visibility)]
    for field, value in (("country", filters.country), ("kind", filters.kind), ("risks", filters.risk),
                         ("status", filters.status)):
        if value:
            parts.append(Term(field, value.lower() if field == "risks" else value))
    if filters.years != (None, None):
        parts.append(NumericRange("year", *filters.years))
    if filters.on is not None:
        day = day_number(filters.on)
        parts += [NumericRange("valid_from", None, day), NumericRange("valid_until", day, None, startexcl=True)]
    return And(parts)


class WhooshBackend:
    name = "whoosh"
    capabilities = frozenset({"phrases", "prefixes", "highlights", "facets", "date_sort", "as_of", "suggestions",
                              "time_budget"})

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.generations = SwappableDirectory(self.directory)
        self._write_lock = threading.Lock()
        self._index = None

    def ensure(self) -> bool:
        if (self.directory.exists() and whoosh_index.exists_in(str(self.directory))
                and set(self._ix().schema.names()) == set(build_schema().names())):
            return False
        if not self.directory.exists():
            self.generations.create_first()
        self._index = whoosh_index.create_in(str(self.directory), build_schema())  # derived data: refilled
        return True

    def _ix(self):
        if self._index is None:
            self._index = whoosh_index.open_dir(str(self.directory))
        return self._index

    def is_reachable(self) -> bool:
        try:
            return whoosh_index.exists_in(str(self.directory)) and self._ix().doc_count() >= 0
        except Exception:
            return False

    def index(self, docs: Iterable[SearchDocument]) -> int:
        with self._write_lock:
            writer = self._ix().writer(timeout=WRITE_LOCK_WAIT, delay=0.05)
            count = 0
            try:
                for doc in docs:
                    writer.update_document(**_fields(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            return count

    def remove(self, keys: Iterable[str]) -> None:
        with self._write_lock:
            writer = self._ix().writer(timeout=WRITE_LOCK_WAIT, delay=0.05)
            for key in keys:
                writer.delete_by_term("key", key)
            writer.commit()

    def rebuild_aside(self, docs: Iterable[SearchDocument]) -> int:
        """A new index in a folder beside the live one, swapped in when complete; queries answer
        from the old one until then, and it stays whole if the build fails."""
        built = self.generations.start_build()
        try:
            writer = whoosh_index.create_in(str(built), build_schema()).writer()
            count = 0
            try:
                for doc in docs:
                    writer.add_document(**_fields(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        except BaseException:
            self.generations.abandon(built)
            raise
        with self._write_lock:
            self.generations.swap(built)
            self._index = None  # reopened through the link, on the new generation
        return count

    def execute(self, plan: Plan) -> SearchResults:
        query = self._query(plan)
        groups = {name: sorting.FieldFacet(name, allow_overlap=name == "risks", maptype=sorting.Count)
                  for name in FACETS} if plan.facets else None
        sort = sorting.FieldFacet("date", reverse=True) if plan.sort == "date" else None
        with self._ix().searcher() as searcher:
            collector = searcher.collector(limit=plan.offset + plan.limit, sortedby=sort, groupedby=groups)
            # the filter outermost: a TimeLimitCollector around a FilterCollector bypasses its filtering
            timed = FilterCollector(TimeLimitCollector(collector, timelimit=plan.budget, use_alarm=False),
                                    restriction(plan))
            started = time.monotonic()
            try:
                searcher.search_with_collector(query, timed)
            except TimeLimit:
                raise SearchUnavailable(f"query took longer than {plan.budget} s") from None
            if time.monotonic() - started > plan.budget:  # building the matchers is not timed by whoosh
                raise SearchUnavailable(f"query took longer than {plan.budget} s")
            results = timed.results()
            results.formatter = HtmlFormatter(tagname="b")
            hits = [self._hit(hit, plan) for hit in results[plan.offset:plan.offset + plan.limit]]
            facets = facets_from(*(self._counts(results, name) for name in FACETS)) if plan.facets else {}
            return SearchResults(total=len(results), hits=hits, facets=facets)

    @staticmethod
    def _counts(results, name: str) -> dict:
        counts = results.groups(name)
        # a document without a year has the column's default (the largest integer) in whoosh
        return {value: n for value, n in counts.items() if value not in (None, "") and not (
            name == "year" and value > 9999)}

    @staticmethod
    def _query(plan: Plan):
        required = [q for q in (translate(node) for node in plan.required) if q is not None]
        query = (And if plan.match == "all" else Or)(required) if required else NullQuery
        excluded = [q for q in (translate(node) for node in plan.excluded) if q is not None]
        if excluded:
            query = AndNot(query, Or(excluded))
        if plan.kinds:  # documents of a kind the query names: a tier above the rest
            query = AndMaybe(query, ConstantScoreQuery(Or([Term("kind", k) for k in plan.kinds]), KIND_TIER))
        return query

    @staticmethod
    def _hit(hit, plan: Plan) -> SearchHit:
        risks = tuple(r for r in hit.get("risks", "").split(",") if r)
        return SearchHit(hit["key"], hit["kind"], hit["title"], hit["url"], hit["country"],
                         0.0 if plan.sort == "date" else float(hit.score or 0.0), hit.highlights("body") or "",
                         hit["audience"], hit.get("year"), from_day_number(hit.get("date")), hit.get("status", ""),
                         risks)

    def near_words(self, word: str, distance: int, visibility: Visibility) -> list[tuple[str, int]]:
        with self._ix().searcher() as searcher:
            terms = (t.decode() if isinstance(t, bytes) else t
                     for t in searcher.reader().expand_prefix("words", word[:1]))
            near = within_edits(word, (term for term in terms if abs(len(term) - len(word)) <= distance), distance)
            visible = visibility_query(visibility)
            counted = [(term, len(searcher.search(Term("words", term), filter=visible, limit=1))) for term in near]
        return [(term, count) for term, count in counted if count]
