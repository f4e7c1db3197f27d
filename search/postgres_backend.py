"""PostgreSQL full-text backend: the index is a table in the application's database, so every
app instance behind a load balancer reads and writes the same index, transactionally.

Why `ensure()` creates the table and not an Alembic migration: the index is derived data, like
the whoosh directory. `registry search reindex` rebuilds it from the database at any time; it
exists only where this backend is chosen (a whoosh or SQLite deployment carries no empty table
and no `unaccent` extension it never uses); and its text search configuration and extension are
PostgreSQL-only, while the migrations run on SQLite too. So the table has its own MetaData,
stays out of `registry.composition.all_metadata` (tests/test_migrations.py compares the models
with the migrations), and `registry.composition.is_migrated` hides it from autogenerate, which
would otherwise propose to drop it. `ensure()` runs under a transaction-scoped advisory lock,
so instances starting at once create everything once.

Analysis: `registry_fr` is `french` with `unaccent` before `french_stem` for words with
non-ASCII letters, so "securite" finds "sécurité" and "sociales" finds "sociale". Stop words
are therefore checked after folding: accented ones ("été", "à") are kept as "ete", "a" on both
sides, and "les" (missing from PostgreSQL's French list too) is kept as "le".

Ranking: `ts_rank_cd` over a vector whose title lexemes weigh A (1.0) and body lexemes B (0.4),
divided by 1 + log(length) so long bodies do not win by size alone. Highlights come from
`ts_headline`, which escapes nothing, with private-use characters as delimiters: the fragment
is HTML-escaped here, then the delimiters become <b> and </b>. They are stripped from indexed
text, so a document cannot forge a tag."""

import html
from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import ARRAY, Column, Computed, Index, Integer, MetaData, Table, Text, bindparam, delete, inspect
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import TSVECTOR, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from search.api import SearchDocument, SearchHit, SearchUnavailable

TABLE_NAME = "search_document"
CONFIGURATION = "registry_fr"
# pg_advisory_xact_lock key serialising ensure() across instances: "registry" in ASCII
ENSURE_LOCK = 0x7265676973747279
BATCH = 500
START, STOP = "\ue000", "\ue001"  # private-use characters: never meaningful in indexed text
HEADLINE_OPTIONS = (f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, "
                    'FragmentDelimiter=" … "')

_metadata = MetaData()  # its own: derived data, not part of the migrated schema
documents = Table(
    TABLE_NAME, _metadata,
    Column("key", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("year", Integer),
    Column("tags", ARRAY(Text), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("document", TSVECTOR, Computed(
        f"setweight(to_tsvector('{CONFIGURATION}'::regconfig, title), 'A') || "
        f"setweight(to_tsvector('{CONFIGURATION}'::regconfig, body), 'B')", persisted=True)),
    Index(f"ix_{TABLE_NAME}_document", "document", postgresql_using="gin"),
)

_upsert = insert(documents)
UPSERT = _upsert.on_conflict_do_update(
    index_elements=[documents.c.key],
    set_={c.name: _upsert.excluded[c.name] for c in documents.columns if c.name not in ("key", "document")},
)

# Every word first (websearch syntax: "phrases", -exclusions, or); when that finds nothing, any
# word, ranked by how many match and where, as whoosh does: "pension de retraite" should not
# come back empty because one document says "pension" and another "retraite".
ALL_WORDS = "websearch_to_tsquery('{config}', :text)"
ANY_WORD = """to_tsquery('simple', coalesce(array_to_string(array(
    SELECT quote_literal(lexeme) FROM unnest(tsvector_to_array(to_tsvector('{config}', :text))) AS lexeme), ' | '), ''))"""

QUERY = """
WITH q AS (SELECT {query} AS query),
ranked AS (
    SELECT d.key, d.kind, d.title, d.url, d.country, d.audience, d.year, d.body, q.query,
           ts_rank_cd(d.document, q.query, 1) AS score
    FROM {table} AS d, q
    WHERE numnode(q.query) > 0 AND d.document @@ q.query AND d.audience IN :audiences {filters}
    ORDER BY score DESC, d.title, d.key
    LIMIT :limit
)
SELECT key, kind, title, url, country, audience, year, score,
       ts_headline('{config}', body, query, :options) AS headline
FROM ranked
ORDER BY score DESC, title, key
"""


def _clean(value: str) -> str:
    return value.replace(START, "").replace(STOP, "")


def _row(doc: SearchDocument) -> dict:
    return {"key": doc.key, "kind": doc.kind, "country": doc.country, "audience": doc.audience, "year": doc.year,
            "tags": list(doc.tags), "title": _clean(doc.title), "body": _clean(doc.body), "url": doc.url}


def _batches(docs: Iterable[SearchDocument]) -> Iterator[tuple[list[dict], int]]:
    """(rows to upsert, documents consumed) per batch."""
    iterator = iter(docs)
    while chunk := list(islice(iterator, BATCH)):
        # one upsert may not touch a row twice: the last version of a key wins, as in whoosh
        yield list({doc.key: _row(doc) for doc in chunk}.values()), len(chunk)


def highlight(headline: str) -> str:
    """ts_headline's fragment, HTML-escaped, with <b> around the matches; "" when the body has none."""
    if START not in headline:
        return ""
    return html.escape(headline).replace(START, "<b>").replace(STOP, "</b>")


class PostgresBackend:
    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError(f"the postgres search backend needs a PostgreSQL engine, not {engine.dialect.name}")
        self.engine = engine

    def ensure(self) -> bool:
        """Create the extension, configuration, table and index that are missing; True when the
        table was created (and so needs filling). Two instances starting at once take turns."""
        with self.engine.begin() as conn:
            conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": ENSURE_LOCK})
            self._ensure_unaccent(conn)
            self._ensure_configuration(conn)
            created = not inspect(conn).has_table(TABLE_NAME)
            _metadata.create_all(conn)  # checkfirst: creates the table and its GIN index when missing
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

    def index(self, docs: Iterable[SearchDocument]) -> int:
        with self.engine.begin() as conn:
            return self._write(conn, docs)

    @staticmethod
    def _write(conn: Connection, docs: Iterable[SearchDocument]) -> int:
        count = 0
        for rows, consumed in _batches(docs):
            conn.execute(UPSERT, rows)
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
            return self._write(conn, docs)

    def query(self, text: str, *, audiences: tuple[str, ...] = ("public",), country: str = "", kind: str = "",
              years: tuple[int | None, int | None] = (None, None), limit: int = 20) -> list[SearchHit]:
        if not audiences or limit <= 0:
            return []
        params = {"text": text, "audiences": list(audiences), "limit": limit, "options": HEADLINE_OPTIONS,
                  "country": country, "kind": kind, "first": years[0], "last": years[1]}
        filters = ((" AND d.country = :country" if country else "") + (" AND d.kind = :kind" if kind else "")
                   + (" AND d.year >= :first" if years[0] is not None else "")
                   + (" AND d.year <= :last" if years[1] is not None else ""))
        with self.engine.connect() as conn:
            for words in (ALL_WORDS, ANY_WORD):
                query = words.format(config=CONFIGURATION)
                statement = sql(QUERY.format(query=query, config=CONFIGURATION, table=TABLE_NAME, filters=filters))
                rows = conn.execute(statement.bindparams(bindparam("audiences", expanding=True)), params).all()
                if rows:
                    break
        return [SearchHit(row.key, row.kind, row.title, row.url, row.country, float(row.score),
                          highlight(row.headline), row.audience, row.year) for row in rows]
