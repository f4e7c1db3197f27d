"""In-memory backend for tests: the reference meaning of a Plan, in plain Python, no files.

Same analysis as tantivy (search/analysis.py). A document scores the weights of the words and
phrases it matches, times where they are (title 2, text 1, context 0.6), like the real engines
without their term statistics. No highlights (the capability says so)."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


from search.analysis import folded_words, stems, within_edits
from search.api import SearchDocument, SearchHit, SearchResults, Visibility
from search.plan import KIND_TIER, Plan, facets_from
from search.syntax import AllOf, AnyOf, Node, Phrase, Word
from search.tantivy_query import TIE_BREAKER

FIELD_WEIGHTS = (("title", 2.0), ("body", 1.0), ("context", 0.6))
_EPOCH = date(1, 1, 1)


@dataclass(frozen=True)
class Analysed:
    doc: SearchDocument
    fields: dict[str, list[tuple[int, str]]]  # field -> (position, stem)
    words: frozenset[str]  # folded, not stemmed


def _positions(text: str) -> list[tuple[int, str]]:
    return [(position, stem) for position, word in enumerate(folded_words(text)) for stem in stems(word)[:1]]


def analyse(doc: SearchDocument) -> Analysed:
    fields = {name: _positions(getattr(doc, name)) for name, _ in FIELD_WEIGHTS}
    return Analysed(doc, fields, frozenset(folded_words(f"{doc.title} {doc.body} {doc.context}")))


def _phrase_in(field: list[tuple[int, str]], wanted: list[tuple[int, str]]) -> bool:
    at = {(position, stem) for position, stem in field}
    return any(all((start + offset - wanted[0][0], stem) in at for offset, stem in wanted)
               for start, stem in field if stem == wanted[0][1])


def score(node: Node, item: Analysed) -> float:
    """What the node scores in the document; 0 when it does not match."""
    if isinstance(node, Word) and node.prefix:
        prefix = folded_words(node.text)[:1]
        return 1.0 if prefix and any(w.startswith(prefix[0]) for w in item.words) else 0.0
    if isinstance(node, (Word, Phrase)):
        words = (node.text,) if isinstance(node, Word) else node.words
        wanted = [(i, s) for i, word in enumerate(words) for s in stems(word)[:1]]
        if not wanted:
            return 0.0
        return sum(weight for name, weight in FIELD_WEIGHTS if _phrase_in(item.fields[name], wanted))
    if isinstance(node, AnyOf):  # the best option, the others a little (disjunction max, as tantivy)
        scores = [weight * score(option, item) for option, weight in node.options]
        return max(scores) + TIE_BREAKER * (sum(scores) - max(scores))
    if isinstance(node, AllOf):
        scores = [score(part, item) for part in node.parts]
        return sum(scores) if all(scores) else 0.0
    raise TypeError(node)


class MemoryBackend:
    name = "memory"
    capabilities = frozenset({"phrases", "prefixes", "facets", "date_sort", "as_of", "suggestions"})

    def __init__(self) -> None:
        self.docs: dict[str, Analysed] = {}

    def ensure(self) -> bool:
        return False

    def is_reachable(self) -> bool:
        return True

    def index(self, docs: Iterable[SearchDocument]) -> int:
        count = 0
        for doc in docs:
            self.docs[doc.key] = analyse(doc)
            count += 1
        return count

    def remove(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.docs.pop(key, None)

    def rebuild_aside(self, docs: Iterable[SearchDocument]) -> int:
        """Built in a new dictionary, then swapped in: queries meanwhile read the old one (and a
        failure part-way keeps it)."""
        analysed = {doc.key: analyse(doc) for doc in docs}
        self.docs = analysed
        return len(analysed)

    def _matches(self, plan: Plan) -> list[tuple[Analysed, float]]:
        found = []
        for item in self.docs.values():
            doc = item.doc
            if not plan.visibility.allows(doc.audience, doc.country) or not plan.filters.keep(doc):
                continue
            if any(score(node, item) for node in plan.excluded):
                continue
            scores = [score(node, item) for node in plan.required]
            if (all(scores) if plan.match == "all" else any(scores)):
                found.append((item, sum(scores) + (KIND_TIER if doc.kind in plan.kinds else 0.0)))
        return found

    def execute(self, plan: Plan) -> SearchResults:
        found = self._matches(plan)
        if plan.sort == "date":
            found.sort(key=lambda pair: (pair[0].doc.dated is None, -(pair[0].doc.dated or _EPOCH).toordinal(),
                                         -pair[1], pair[0].doc.title))
        else:
            found.sort(key=lambda pair: (-pair[1], pair[0].doc.title, pair[0].doc.key))
        page = found[plan.offset:plan.offset + plan.limit]
        hits = [SearchHit(d.key, d.kind, d.title, d.url, d.country, 0.0 if plan.sort == "date" else s,
                          audience=d.audience, year=d.year, dated=d.dated, status=d.status, risks=d.risks)
                for d, s in ((item.doc, s) for item, s in page)]
        return SearchResults(total=len(found), hits=hits, facets=self._facets(found) if plan.facets else {})

    @staticmethod
    def _facets(found: list[tuple[Analysed, float]]) -> dict:
        docs = [item.doc for item, _ in found]
        return facets_from(Counter(d.kind for d in docs), Counter(d.country for d in docs),
                           Counter(r for d in docs for r in d.risks), Counter(d.status for d in docs),
                           Counter(d.year for d in docs if d.year is not None))

    def near_words(self, word: str, distance: int, visibility: Visibility) -> list[tuple[str, int]]:
        counts: Counter = Counter()
        for item in self.docs.values():
            if visibility.allows(item.doc.audience, item.doc.country):
                counts.update(w for w in item.words if w[:1] == word[:1] and abs(len(w) - len(word)) <= distance)
        near = set(within_edits(word, counts, distance))
        return [(w, n) for w, n in counts.items() if w in near]

