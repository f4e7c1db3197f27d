"""tantivy backend (the Rust engine's official Python bindings): the embedded default.

One directory in the data folder. tantivy takes one writer per index (a lock file, like
whoosh): writes from this process are serialised by a lock, and a writer waits up to
WRITE_LOCK_WAIT for another process's (`registry search reindex` beside the server) before
giving up; the app then retries the write later (search/following.py). Readers never wait, and
see a commit once the index is reloaded (here, at once after our own commits; tantivy's reader
watches for other processes' commits). A rebuild replaces every document in one commit, so
readers see the old index until the new one is complete. Several machines cannot share the
directory: PostgreSQL full-text search is the multi-instance backend.

Fields: title, body and context are stemmed (search/analysis.py); `words` holds the same text
folded, not stemmed, for prefixes and the vocabulary of typo corrections; kind, country,
audience, status and risks are raw fast fields (filters and facet counts); dates are numbers
YYYYMMDD (sort and the as-of filter). SCHEMA_VERSION names this layout: an index of another
layout is recreated (ensure() then says it needs filling)."""

import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import tantivy
from tantivy import Document, Occur, Query, SchemaBuilder

from search.analysis import FOLDED, STEMMED, tantivy_folded, tantivy_stemmed, within_edits
from search.api import SearchDocument, SearchHit, SearchResults, Visibility
from search.plan import NEVER, Plan, day_number, facets_from, from_day_number
from search.tantivy_query import QueryBuilder

SCHEMA_VERSION = "1"
VERSION_FILE = "registry-schema-version"
WRITE_LOCK_WAIT = 10.0  # seconds a writer waits for another process's lock
WRITER_HEAP = 64_000_000
SNIPPET_CHARS = 240
FACET_FIELDS = (("kind", 50), ("country", 300), ("risks", 50), ("status", 50), ("year", 400))
STORED = ("key", "kind", "title", "url", "country", "audience", "status", "risks", "year", "date")


def build_schema() -> tantivy.Schema:
    builder = SchemaBuilder()
    for name in ("key", "kind", "country", "audience", "status", "risks"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("url", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title", stored=True, tokenizer_name=STEMMED)
    builder.add_text_field("body", stored=True, tokenizer_name=STEMMED)
    builder.add_text_field("context", tokenizer_name=STEMMED)
    builder.add_text_field("words", tokenizer_name=FOLDED, index_option="basic")
    for name in ("year", "date", "valid_from", "valid_until"):
        builder.add_integer_field(name, stored=name in ("year", "date"), indexed=True, fast=True)
    return builder.build()


def to_document(doc: SearchDocument) -> Document:
    fields = dict(key=doc.key, kind=doc.kind, country=doc.country, audience=doc.audience, status=doc.status,
                  url=doc.url, title=doc.title, body=doc.body, context=doc.context,
                  words=f"{doc.title}\n{doc.body}\n{doc.context}",
                  valid_from=day_number(doc.valid_from, NEVER), valid_until=day_number(doc.valid_until, NEVER))
    if doc.risks:
        fields["risks"] = list(doc.risks)
    if doc.year is not None:
        fields["year"] = doc.year
    if doc.dated is not None:
        fields["date"] = day_number(doc.dated)
    return Document(**fields)


class TantivyBackend:
    name = "tantivy"
    capabilities = frozenset({"phrases", "prefixes", "highlights", "facets", "date_sort", "as_of", "suggestions"})

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._write_lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self.schema = build_schema()
        self.builder = QueryBuilder(self.schema)

    # --- the index -----------------------------------------------------------------------------

    def _compatible(self) -> bool:
        version = self.directory / VERSION_FILE
        return (version.exists() and version.read_text().strip() == SCHEMA_VERSION
                and tantivy.Index.exists(str(self.directory)))

    def ensure(self) -> bool:
        """Create the index if missing or of another layout; True when it was (it needs filling)."""
        if self._compatible():
            return False
        with self._write_lock:
            if self.directory.exists():
                shutil.rmtree(self.directory)  # derived data: rebuilt from the database
            self.directory.mkdir(parents=True)
            self._index = self._open()
            (self.directory / VERSION_FILE).write_text(SCHEMA_VERSION)
        return True

    def _open(self) -> tantivy.Index:
        index = tantivy.Index(self.schema, path=str(self.directory), reuse=True)
        index.register_tokenizer(STEMMED, tantivy_stemmed())
        index.register_tokenizer(FOLDED, tantivy_folded())
        return index

    def _ix(self) -> tantivy.Index:
        if self._index is None:
            self._index = self._open()
        return self._index

    def is_reachable(self) -> bool:
        try:
            return self._compatible() and self._ix().searcher().num_docs >= 0
        except Exception:
            return False

    # --- writes ----------------------------------------------------------------------------------

    def _writer(self) -> tantivy.IndexWriter:
        deadline = time.monotonic() + WRITE_LOCK_WAIT
        while True:
            try:
                return self._ix().writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError:  # LockBusy: another process writes (a reindex)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _write(self, change) -> int:
        with self._write_lock:
            writer = self._writer()
            try:
                count = change(writer)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
            self._ix().reload()
            return count

    def index(self, docs: Iterable[SearchDocument]) -> int:
        def add(writer) -> int:
            count = 0
            for doc in docs:
                writer.delete_documents_by_term("key", doc.key)
                writer.add_document(to_document(doc))
                count += 1
            return count

        return self._write(add)

    def remove(self, keys: Iterable[str]) -> None:
        def delete(writer) -> int:
            for key in keys:
                writer.delete_documents_by_term("key", key)
            return 0

        self._write(delete)

    def rebuild_aside(self, docs: Iterable[SearchDocument]) -> int:
        """tantivy's commit is the swap: the new segments are written beside the live ones and
        readers see the old index until the one commit that replaces them all; a failure part-way
        (the database gone) rolls back and leaves the old index whole. No folder swap is needed."""
        self.ensure()

        def replace_all(writer) -> int:
            writer.delete_all_documents()
            count = 0
            for doc in docs:
                writer.add_document(to_document(doc))
                count += 1
            return count

        return self._write(replace_all)

    # --- reads -----------------------------------------------------------------------------------

    def execute(self, plan: Plan) -> SearchResults:
        searcher = self._ix().searcher()
        query = self.builder.plan(plan)
        if plan.sort == "date":
            found = searcher.search(query, plan.limit, offset=plan.offset, order_by_field="date")
        else:
            found = searcher.search(query, plan.limit, offset=plan.offset)
        hits = self._hits(searcher, query, found.hits, by_date=plan.sort == "date")
        facets = self._facets(searcher, query) if plan.facets else {}
        return SearchResults(total=found.count, hits=hits, facets=facets)

    def _hits(self, searcher, query: Query, found, by_date: bool) -> list[SearchHit]:
        if not found:
            return []
        snippets = tantivy.SnippetGenerator.create(searcher, query, self.schema, "body")
        snippets.set_max_num_chars(SNIPPET_CHARS)
        hits = []
        for score, address in found:
            doc = searcher.doc(address)
            snippet = snippets.snippet_from_doc(doc)
            first = doc.get_first
            hits.append(SearchHit(first("key"), first("kind"), first("title"), first("url"), first("country") or "",
                                  0.0 if by_date else float(score),
                                  snippet.to_html() if snippet.highlighted() else "", first("audience"),
                                  first("year"), from_day_number(first("date")), first("status") or "",
                                  tuple(doc.get_all("risks"))))
        return hits

    def _facets(self, searcher, query: Query) -> dict:
        aggregations = {field: {"terms": {"field": field, "size": size}} for field, size in FACET_FIELDS}
        counts = searcher.aggregate(query, aggregations)

        def buckets(field: str) -> dict:
            return {bucket["key"]: bucket["doc_count"] for bucket in counts.get(field, {}).get("buckets", [])}

        years = {int(key): count for key, count in buckets("year").items()}
        return facets_from(buckets("kind"), buckets("country"), buckets("risks"), buckets("status"), years)

    def near_words(self, word: str, distance: int, visibility: Visibility) -> list[tuple[str, int]]:
        """Candidates from the term dictionary (same first letter, as Lucene's spell checker
        does: a typo rarely starts a word), counted in the documents `visibility` sees."""
        searcher = self._ix().searcher()
        near = within_edits(word, (term for term, _ in searcher.terms_with_prefix("words", word[:1])
                                   if abs(len(term) - len(word)) <= distance), distance)
        visible = self.builder.visibility(visibility)
        counted = []
        for term in near:
            query = Query.boolean_query([(Occur.Must, Query.term_query(self.schema, "words", term)),
                                         (Occur.Must, visible)])
            count = searcher.search(query, 1).count
            if count:
                counted.append((term, count))
        return counted
