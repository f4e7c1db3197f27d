"""whoosh-reloaded backend: one directory in the data folder, one writer at a time.

The directory is a link to a generation folder (search/aside.py): `rebuild_aside` fills a new
one while queries keep answering from the old, then swaps the link.

Writes from this process are serialised by a lock; whoosh's own file lock refuses a second
process, so a writer waits up to WRITE_LOCK_WAIT for it (`registry search reindex` running beside
the server, or several server workers) before giving up; the app then retries the write later
(search/following.py). Several machines cannot share the directory: PostgreSQL full-text search
is the multi-instance backend."""

import threading
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import HtmlFormatter
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup
from whoosh.query import And, NumericRange, Or, Term

from search.analysis import french_analyzer
from search.api import SearchDocument, SearchHit
from search.aside import SwappableDirectory

WRITE_LOCK_WAIT = 10.0  # seconds a writer waits for another process's lock


def build_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        key=ID(stored=True, unique=True),
        kind=ID(stored=True),
        country=ID(stored=True),
        audience=ID(stored=True),
        year=NUMERIC(stored=True),
        tags=KEYWORD(commas=True, lowercase=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        body=TEXT(analyzer=analyzer, stored=True),
        url=STORED(),
    )


class WhooshBackend:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.generations = SwappableDirectory(self.directory)
        self._write_lock = threading.Lock()
        self._index = None

    def ensure(self) -> bool:
        if self.directory.exists() and whoosh_index.exists_in(str(self.directory)):
            return False
        if not self.directory.exists():
            self.generations.create_first()
        self._index = whoosh_index.create_in(str(self.directory), build_schema())
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

    @staticmethod
    def _fields(doc: SearchDocument) -> dict:
        fields = dict(key=doc.key, kind=doc.kind, country=doc.country, audience=doc.audience,
                      tags=",".join(doc.tags), title=doc.title, body=doc.body, url=doc.url)
        if doc.year is not None:
            fields["year"] = doc.year
        return fields

    def index(self, docs: Iterable[SearchDocument]) -> int:
        with self._write_lock:
            writer = self._ix().writer(timeout=WRITE_LOCK_WAIT, delay=0.05)
            count = 0
            try:
                for doc in docs:
                    writer.update_document(**self._fields(doc))
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
                    writer.add_document(**self._fields(doc))
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

    def query(self, text, *, audiences=("public",), country="", kind="", years=(None, None), limit=20):
        ix = self._ix()
        filters = [Term("audience", a) for a in audiences]
        restrict = []
        if country:
            restrict.append(Term("country", country))
        if kind:
            restrict.append(Term("kind", kind))
        if years != (None, None):
            restrict.append(NumericRange("year", years[0], years[1]))

        allow = And([Or(filters), *restrict]) if restrict else Or(filters)
        with ix.searcher() as searcher:
            # every word first; when no document has them all, any word, more words ranked higher
            for group in (AndGroup, OrGroup.factory(0.9)):
                parsed = MultifieldParser(["title", "body"], schema=ix.schema, group=group).parse(text)
                results = searcher.search(parsed, filter=allow, limit=limit)
                if not results.is_empty():
                    break
            results.formatter = HtmlFormatter(tagname="b")
            return [
                SearchHit(hit["key"], hit["kind"], hit["title"], hit["url"], hit["country"], float(hit.score),
                          hit.highlights("body") or "", hit["audience"], hit.get("year"))
                for hit in results
            ]
