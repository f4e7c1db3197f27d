"""A synthetic French corpus with the project's document shape, 50 mixed queries, and the bare
tantivy baseline, for bench/bench_search.py.

Documents: the four kinds the providers give (instruments, forms, meetings, minutes), a country
of the shipped list with its names in context, kind words, branches, statuses, dates, one in ten
restricted; titles of ~10 and bodies of ~300 words drawn (Zipf-like) from the words of the
shipped texts, with their accents. Queries: single words, two words, phrases, typed without
accents, with filters, with facet counts. Seeded: every run sees the same corpus."""

import random
import re
from itertools import accumulate
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import tantivy

from search.analysis import STEMMED, tantivy_stemmed
from search.api import Filters, SearchDocument

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("instrument", "form", "meeting", "minutes")
RISKS = ("sickness", "maternity", "invalidity", "old_age", "survivors", "work_accidents", "family", "unemployment")
STATUSES = {"instrument": ("in_force", "terminated", "superseded"), "form": ("published", "superseded"),
            "meeting": ("published", "held"), "minutes": ("published",)}
KIND_WORDS = {"instrument": "accord convention agreement", "form": "formulaire de liaison liaison form",
              "meeting": "commission mixte réunion meeting", "minutes": "procès-verbal minutes décision"}


def vocabulary() -> list[str]:
    """The words of the shipped texts (titles, minutes, thesaurus), most frequent first."""
    texts = [(ROOT / "agreements/data/instruments.csv").read_text(encoding="utf-8"),
             (ROOT / "agreements/meetings/data/history.toml").read_text(encoding="utf-8"),
             (ROOT / "search/thesaurus.toml").read_text(encoding="utf-8")]
    for form in sorted((ROOT / "forms/catalog").glob("*/form.toml")):
        texts.append(form.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for word in re.findall(r"[^\W\d_]{3,}", " ".join(texts).lower()):
        counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: -counts[w])


def countries() -> list[tuple[str, str, str]]:
    rows = (ROOT / "agreements/data/countries.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [tuple(row.split(",")[:3]) for row in rows if not row.startswith("FR,")]


class Corpus:
    def __init__(self, size: int, seed: int = 14) -> None:
        self.random = random.Random(seed)
        self.words = vocabulary()
        weights = [1.0 / (rank + 10) for rank in range(len(self.words))]  # Zipf-like
        self.cumulative = list(accumulate(weights))
        self.countries = countries()
        self.size = size

    def _text(self, n: int) -> str:
        return " ".join(self.random.choices(self.words, cum_weights=self.cumulative, k=n))

    def document(self, number: int) -> SearchDocument:
        r = self.random
        kind = KINDS[number % 4]
        code, name_fr, name_en = r.choice(self.countries)
        dated = date(1950, 1, 1) + timedelta(days=r.randrange(365 * 74))
        ended = dated + timedelta(days=r.randrange(365 * 30)) if r.random() < 0.3 else None
        return SearchDocument(
            key=f"{kind}:{number}", kind=kind, title=self._text(10), body=self._text(300), url=f"/{kind}/{number}",
            country=code, audience="staff" if r.random() < 0.1 else "public",
            context=f"{name_fr} {name_en} {KIND_WORDS[kind]}", risks=tuple(r.sample(RISKS, r.randrange(0, 3))),
            status=r.choice(STATUSES[kind]), dated=dated, valid_from=dated, valid_until=ended)

    def documents(self):
        for number in range(self.size):
            yield self.document(number)


@dataclass(frozen=True)
class BenchQuery:
    text: str
    filters: Filters = Filters()
    facets: bool = False
    group: str = ""


def queries(corpus: Corpus, count: int = 50) -> list[BenchQuery]:
    """50 mixed queries: words of the corpus (frequent and rarer), pairs, phrases, no accents,
    filters, facet counts."""
    r = random.Random(50)
    common, middle = corpus.words[20:200], corpus.words[200:1500]
    fold = str.maketrans("éèêàâîôûçë", "eeeaaiouce")
    found: list[BenchQuery] = []
    for _ in range(10):
        found.append(BenchQuery(r.choice(middle), group="one word"))
    for _ in range(5):
        found.append(BenchQuery(r.choice(middle).translate(fold), group="one word, no accents"))
    for _ in range(12):
        found.append(BenchQuery(f"{r.choice(common)} {r.choice(middle)}", group="two words"))
    for _ in range(8):
        start = r.randrange(len(corpus.words) // 4)
        found.append(BenchQuery(f'"{corpus.words[start]} {corpus.words[start + 1]}"', group="phrase"))
    for _ in range(8):
        code = r.choice(corpus.countries)[0]
        found.append(BenchQuery(r.choice(middle), Filters(country=code, kind=r.choice(KINDS), years=(1970, 2020)),
                                group="filters"))
    while len(found) < count:
        found.append(BenchQuery(f"{r.choice(common)} {r.choice(middle)}", facets=True, group="facets"))
    return found


class BareTantivy:
    """tantivy used directly, as an application with no layer of its own would: the same French
    analysis on title and body, the query parser on the raw text, fast fields for the filters and
    facets, snippets for the hits shown."""

    def __init__(self, directory: Path | None = None) -> None:
        builder = tantivy.SchemaBuilder()
        for name in ("key", "kind", "country", "status", "risks"):
            builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=True)
        builder.add_text_field("title", stored=True, tokenizer_name=STEMMED)
        builder.add_text_field("body", stored=True, tokenizer_name=STEMMED)
        builder.add_integer_field("year", stored=True, indexed=True, fast=True)
        self.schema = builder.build()
        if directory:
            directory.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(directory) if directory else None)
        self.index.register_tokenizer(STEMMED, tantivy_stemmed())

    def build(self, docs) -> int:
        writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        count = 0
        for doc in docs:
            writer.add_document(tantivy.Document(key=doc.key, kind=doc.kind, country=doc.country, status=doc.status,
                                                 risks=list(doc.risks), title=doc.title, body=doc.body, year=doc.year))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        return count

    def query(self, asked: BenchQuery, limit: int = 20):
        searcher = self.index.searcher()
        query = self.index.parse_query(asked.text, ["title", "body"])
        restrict = []
        if asked.filters.country:
            restrict.append(tantivy.Query.term_query(self.schema, "country", asked.filters.country))
        if asked.filters.kind:
            restrict.append(tantivy.Query.term_query(self.schema, "kind", asked.filters.kind))
        if asked.filters.years != (None, None):
            restrict.append(tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer,
                                                      *asked.filters.years))
        if restrict:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in (query, *restrict)])
        found = searcher.search(query, limit)
        snippets = tantivy.SnippetGenerator.create(searcher, query, self.schema, "body")
        hits = [snippets.snippet_from_doc(searcher.doc(address)).to_html() for _, address in found.hits]
        if asked.facets:
            searcher.aggregate(query, {f: {"terms": {"field": f, "size": 300}}
                                       for f in ("kind", "country", "risks", "status", "year")})
        return found.count, hits

