"""PostgreSQL full-text backend: the index is a table in the application's database, so every
app instance behind a load balancer reads and writes the same index, transactionally.

Why `ensure()` creates the tables and not an Alembic migration: the index is derived data, like
the tantivy directory. `registry search reindex` rebuilds it from the database at any time; it
exists only where this backend is chosen (a tantivy or SQLite deployment carries no empty table
and no `unaccent` extension it never uses); and its text search configuration and extension are
PostgreSQL-only, while the migrations run on SQLite too. So the tables have their own MetaData,
stay out of `registry.composition.all_metadata` (tests/test_migrations.py compares the models
with the migrations), and `registry.composition.is_migrated` hides them from autogenerate, which
would otherwise propose to drop them. `ensure()` runs under a transaction-scoped advisory lock,
so instances starting at once create everything once; a table of an older layout (without the
`context` column) is dropped and created again, and ensure() says it needs filling.

Analysis: `registry_fr` is `french` with `unaccent` before `french_stem` for words with
non-ASCII letters, so "securite" finds "sécurité" and "sociales" finds "sociale".

Ranking: the sum over the wanted words of `ts_rank` over a vector whose title lexemes weigh A
(1.0), text B (0.4) and context C (0.2) (score_sql says why word by word); what was typed
counts in full, synonyms and corrections (search/service.py) add half their rank.
Highlights come from `ts_headline`, which escapes nothing, with private-use characters as
delimiters: the fragment is HTML-escaped here, then the delimiters become <b> and </b>. They
are stripped from indexed text, so a document cannot forge a tag.

`search_word` is the vocabulary (folded words, not stemmed) for prefixes and typo corrections;
words of removed documents stay in it, harmlessly: a correction is counted in the documents the
reader sees, and a word found in none is never offered. A query runs under
`statement_timeout` (the plan's budget)."""

import html
from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import ARRAY, Column, Computed, Date, Index, Integer, MetaData, Table, Text, bindparam, delete, inspect
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import TSVECTOR, insert
from sqlalchemy.engine import Connection, Engine
from psycopg.errors import QueryCanceled
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from search.analysis import folded_words, within_edits
from search.api import SearchDocument, SearchHit, SearchResults, SearchUnavailable, Visibility
from search.plan import Plan, facets_from
from search.postgres_sql import (CONFIGURATION, PREFIX_EXPANSIONS, Statement, TsqueryBuilder, prefixes_of,
                                 visibility_sql, where_sql)

TABLE_NAME = "search_document"
WORDS_TABLE = "search_word"
# pg_advisory_xact_lock key serialising ensure() across instances: "registry" in ASCII
ENSURE_LOCK = 0x7265676973747279
BATCH = 500
START, STOP = "\ue000", "\ue001"  # private-use characters: never meaningful in indexed text
HEADLINE_OPTIONS = (f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, "
                    'FragmentDelimiter=" … "')
SYNONYM_RANK = 0.5
# 0: no division by the length (ts_rank's own log of the frequency already keeps long texts from
# winning by size); 1 (divide by 1 + log(length)) measured MRR@10 0.91 against 0.96 on the judged set
RANK_NORMALISATION = 0
# a lexeme no query holds, between the fields: `||` shifts a vector's positions just past the
# previous one's, so without it a phrase could run from the end of the title into the text
FIELD_GAP = "(chr(57346) || chr(58) || '1')::tsvector"  # U+E002 at position 1 (":" spelt chr(58): no bind)

def _numbers_apart(column: str) -> str:
    """"121-12" as two numbers: PostgreSQL's parser reads "-12" as a signed integer, so the phrase
    of the form code "SE 121-12" (121, 12) would never match."""
    return f"regexp_replace({column}, '([0-9])-([0-9])', '\\1 \\2', 'g')"


_metadata = MetaData()  # its own: derived data, not part of the migrated schema
documents = Table(
    TABLE_NAME, _metadata,
    Column("key", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("year", Integer),
    Column("dated", Date),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("risks", ARRAY(Text), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("context", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("document", TSVECTOR, Computed(
        f"setweight(to_tsvector('{CONFIGURATION}'::regconfig, {_numbers_apart('title')}), 'A') || {FIELD_GAP} || "
        f"setweight(to_tsvector('{CONFIGURATION}'::regconfig, {_numbers_apart('body')}), 'B') || {FIELD_GAP} || "
        f"setweight(to_tsvector('{CONFIGURATION}'::regconfig, {_numbers_apart('context')}), 'C')", persisted=True)),
    Index(f"ix_{TABLE_NAME}_document", "document", postgresql_using="gin"),
)
words = Table(WORDS_TABLE, _metadata, Column("word", Text, primary_key=True))
TABLE_NAMES = (TABLE_NAME, WORDS_TABLE)

_upsert = insert(documents)
UPSERT = _upsert.on_conflict_do_update(
    index_elements=[documents.c.key],
    set_={c.name: _upsert.excluded[c.name] for c in documents.columns if c.name not in ("key", "document")},
)
ADD_WORDS = sql(f"INSERT INTO {WORDS_TABLE} (word) SELECT unnest(CAST(:words AS text[])) ON CONFLICT DO NOTHING")

PAGE = """
WITH q AS (SELECT {query} AS query),
ranked AS (
    SELECT d.key, d.kind, d.title, d.url, d.country, d.audience, d.year, d.dated, d.status, d.risks, d.body,
           q.query, {score} AS score
    FROM {table} AS d, q
    WHERE d.document @@ q.query AND {where}
    ORDER BY {order}
    LIMIT :limit OFFSET :offset
)
SELECT key, kind, title, url, country, audience, year, dated, status, risks, score,
       ts_headline('{config}', body, query, :options) AS headline
FROM ranked ORDER BY {order}
"""
RELEVANCE = "score DESC, title, key"
NEWEST = "dated DESC NULLS LAST, score DESC, title, key"
FACET_COUNTS = """
WITH q AS (SELECT {query} AS query),
matched AS (SELECT d.kind, d.country, d.status, d.year, d.risks FROM {table} AS d, q
            WHERE d.document @@ q.query AND {where})
SELECT 'total' AS facet, '' AS value, count(*) AS n FROM matched
{facets}
"""
FACET_GROUPS = """
UNION ALL SELECT 'kind', kind, count(*) FROM matched GROUP BY kind
UNION ALL SELECT 'country', country, count(*) FROM matched GROUP BY country
UNION ALL SELECT 'status', status, count(*) FROM matched GROUP BY status
UNION ALL SELECT 'year', year::text, count(*) FROM matched WHERE year IS NOT NULL GROUP BY year
UNION ALL SELECT 'risk', risk, count(*) FROM matched, unnest(risks) AS risk GROUP BY risk
"""


def _clean(value: str) -> str:
    return value.replace(START, "").replace(STOP, "")


def _row(doc: SearchDocument) -> dict:
    return {"key": doc.key, "kind": doc.kind, "country": doc.country, "audience": doc.audience,
            "status": doc.status, "year": doc.year, "dated": doc.dated, "valid_from": doc.valid_from,
            "valid_until": doc.valid_until, "risks": list(doc.risks), "title": _clean(doc.title),
            "body": _clean(doc.body), "context": _clean(doc.context), "url": doc.url}


def _batches(docs: Iterable[SearchDocument]) -> Iterator[tuple[list[dict], set[str], int]]:
    """(rows to upsert, their words, documents consumed) per batch."""
    iterator = iter(docs)
    while chunk := list(islice(iterator, BATCH)):
        # one upsert may not touch a row twice: the last version of a key wins, as in tantivy
        rows = list({doc.key: _row(doc) for doc in chunk}.values())
        vocabulary = {w for doc in chunk for w in folded_words(f"{doc.title} {doc.body} {doc.context}")}
        yield rows, vocabulary, len(chunk)


def score_sql(builder: TsqueryBuilder, plan: Plan) -> str:
    """The sum over the wanted words of their rank, what was typed in full and its synonyms and
    corrections at SYNONYM_RANK: ranking the whole AND query would weigh how close its words
    stand (ts_rank and ts_rank_cd both do), and put a meeting whose agenda lists "créances" next
    to "Andorre" above the claims item itself, whose country is only in its context."""
    terms = []
    for node in plan.required:
        typed, every = builder.node(node, typed_only=True), builder.node(node)
        if typed:
            terms.append(f"ts_rank(d.document, {typed}, {RANK_NORMALISATION})")
        if every:
            terms.append(f"{SYNONYM_RANK} * ts_rank(d.document, {every}, {RANK_NORMALISATION})")
    return " + ".join(terms) or "0"


def highlight(headline: str) -> str:
    """ts_headline's fragment, HTML-escaped, with <b> around the matches; "" when the body has none."""
    if START not in headline:
        return ""
    return html.escape(headline).replace(START, "<b>").replace(STOP, "</b>")


class PostgresBackend:
    name = "postgres"
    capabilities = frozenset({"phrases", "prefixes", "highlights", "facets", "date_sort", "as_of", "suggestions",
                              "time_budget"})

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError(f"the postgres search backend needs a PostgreSQL engine, not {engine.dialect.name}")
        self.engine = engine

    # --- the index -----------------------------------------------------------------------------

    def ensure(self) -> bool:
        """Create the extension, configuration, tables and index that are missing; True when the
        documents table was created (and so needs filling). Two instances starting at once take turns."""
        with self.engine.begin() as conn:
            conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": ENSURE_LOCK})
            self._ensure_unaccent(conn)
            self._ensure_configuration(conn)
            inspector = inspect(conn)
            if inspector.has_table(TABLE_NAME) and "context" not in {c["name"] for c in
                                                                     inspector.get_columns(TABLE_NAME)}:
                documents.drop(conn)  # an older layout: derived data, refilled by the caller
            created = not inspect(conn).has_table(TABLE_NAME)
            _metadata.create_all(conn)  # checkfirst: creates the tables and the GIN index when missing
        return created

    def _ensure_unaccent(self, conn: Connection) -> None:
        if conn.execute(sql("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")).first():
            return
        try:
            # trusted since PostgreSQL 13: the database owner (or a role with CREATE on it) may create it
            conn.execute(sql("CREATE EXTENSION IF NOT EXISTS unaccent"))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SearchUnavailable(
                f"REGISTRY_SEARCH_BACKEND=postgres needs the unaccent extension in database "
                f"{self.engine.url.database!r}: install postgresql-contrib and run CREATE EXTENSION unaccent "
                f"as the database owner ({reason})") from exc

    @staticmethod
    def _ensure_configuration(conn: Connection) -> None:
        exists = conn.execute(sql("SELECT 1 FROM pg_ts_config WHERE cfgname = :name AND pg_ts_config_is_visible(oid)"),
                              {"name": CONFIGURATION}).first()
        if exists:
            return
        conn.execute(sql(f"CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = pg_catalog.french)"))
        # fold accents before stemming, or "electricite" misses "électricité" (LIBRARIES.md §6)
        conn.execute(sql(f"ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION} "
                          "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem"))

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sql(f"SELECT 1 FROM {TABLE_NAME} LIMIT 1"))
            return True
        except SQLAlchemyError:
            return False

    # --- writes ----------------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument]) -> int:
        with self.engine.begin() as conn:
            return self._write(conn, docs)

    @staticmethod
    def _write(conn: Connection, docs: Iterable[SearchDocument]) -> int:
        count = 0
        for rows, vocabulary, consumed in _batches(docs):
            conn.execute(UPSERT, rows)
            conn.execute(ADD_WORDS, {"words": sorted(vocabulary)})
            count += consumed
        return count

    def remove(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            with self.engine.begin() as conn:
                conn.execute(delete(documents).where(documents.c.key.in_(keys)))

    def rebuild_aside(self, docs: Iterable[SearchDocument]) -> int:
        """One transaction: readers see the old index until the new one is complete (MVCC is the
        "aside")."""
        self.ensure()
        with self.engine.begin() as conn:
            conn.execute(delete(documents))
            conn.execute(delete(words))
            return self._write(conn, docs)

    # --- reads -----------------------------------------------------------------------------------

    def execute(self, plan: Plan) -> SearchResults:
        try:
            return self._execute(plan)
        except OperationalError as exc:
            if isinstance(exc.orig, QueryCanceled):
                raise SearchUnavailable(f"query took longer than {plan.budget} s") from None
            raise

    def _execute(self, plan: Plan) -> SearchResults:
        with self.engine.begin() as conn:
            conn.execute(sql(f"SET LOCAL statement_timeout = {max(1, int(plan.budget * 1000))}"))  # 0 would be none
            prefixes = self._prefix_words(conn, prefixes_of(plan))
            counts = self._counts(conn, plan, prefixes)
            rows = self._page(conn, plan, prefixes) if counts["total"][""] > plan.offset else []
        hits = [SearchHit(row.key, row.kind, row.title, row.url, row.country,
                          0.0 if plan.sort == "date" else float(row.score), highlight(row.headline), row.audience,
                          row.year, row.dated, row.status, tuple(row.risks)) for row in rows]
        facets = facets_from(counts.get("kind", {}), counts.get("country", {}), counts.get("risk", {}),
                             counts.get("status", {}), counts.get("year", {})) if plan.facets else {}
        return SearchResults(total=counts["total"][""], hits=hits, facets=facets)

    @staticmethod
    def _prefix_words(conn: Connection, prefixes: set[str]) -> dict[str, list[str]]:
        found = {}
        for prefix in prefixes:
            rows = conn.execute(sql(f"SELECT word FROM {WORDS_TABLE} WHERE word LIKE :p ORDER BY word LIMIT :n"),
                                {"p": prefix.replace("%", "").replace("_", r"\_") + "%", "n": PREFIX_EXPANSIONS})
            found[prefix] = list(rows.scalars())
        return found

    @staticmethod
    def _counts(conn: Connection, plan: Plan, prefixes: dict) -> dict[str, dict]:
        s = Statement()
        query = TsqueryBuilder(s, prefixes).plan(plan)
        statement = FACET_COUNTS.format(query=query, table=TABLE_NAME, where=where_sql(s, plan),
                                        facets=FACET_GROUPS if plan.facets else "")
        counts: dict[str, dict] = {}
        for facet, value, n in conn.execute(sql(statement), s.params):
            counts.setdefault(facet, {})[int(value) if facet == "year" else value] = n
        return counts

    @staticmethod
    def _page(conn: Connection, plan: Plan, prefixes: dict) -> list:
        s = Statement()
        builder = TsqueryBuilder(s, prefixes)
        relevance = f"kind = ANY({s.bind(list(plan.kinds))}) DESC, {RELEVANCE}" if plan.kinds else RELEVANCE
        statement = PAGE.format(query=builder.plan(plan), score=score_sql(builder, plan), table=TABLE_NAME,
                                where=where_sql(s, plan),
                                order=NEWEST if plan.sort == "date" else relevance, config=CONFIGURATION)
        params = {**s.params, "limit": plan.limit, "offset": plan.offset, "options": HEADLINE_OPTIONS}
        return conn.execute(sql(statement), params).all()

    def near_words(self, word: str, distance: int, visibility: Visibility) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            candidates = conn.execute(
                sql(f"SELECT word FROM {WORDS_TABLE} WHERE word LIKE :first AND length(word) BETWEEN :low AND :high"),
                {"first": word[:1].replace("%", "").replace("_", r"\_") + "%", "low": len(word) - distance,
                 "high": len(word) + distance}).scalars()
            near = within_edits(word, candidates, distance)
            if not near:
                return []
            s = Statement()
            visible = visibility_sql(s, visibility)
            statement = (f"SELECT w, (SELECT count(*) FROM {TABLE_NAME} AS d WHERE d.document @@ "
                         f"plainto_tsquery('{CONFIGURATION}', w) AND {visible}) "
                         "FROM unnest(CAST(:words AS text[])) AS w")
            rows = conn.execute(sql(statement).bindparams(bindparam("words")), {**s.params, "words": near}).all()
        return [(w, n) for w, n in rows if n]
