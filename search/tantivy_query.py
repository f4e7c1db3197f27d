"""A Plan (search/plan.py) as a tantivy Query: words and phrases on the stemmed fields, prefixes
on the folded `words` field, the visibility rule and the filters as a zero-scoring clause, so
that counts and facets are computed inside them."""

import re

from tantivy import FieldType, Occur, Query, Schema

from search.analysis import folded_words, stems
from search.api import Filters, Visibility
from search.plan import KIND_TIER, NEVER, Plan, day_number
from search.syntax import AllOf, AnyOf, Node, Phrase, Word

# where a word counts, and how much: the title most, then the text, then the words about it
FIELD_WEIGHTS = (("title", 2.0), ("body", 1.0), ("context", 0.6))
TIE_BREAKER = 0.1  # what the other options of an alternative add to the best one's score
def _should(queries: list[Query]) -> Query | None:
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _must(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Must, q) for q in queries])


class QueryBuilder:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def plan(self, plan: Plan) -> Query:
        clauses = [self.node(node) for node in plan.required]
        clauses = [c for c in clauses if c is not None]
        if not clauses:
            clauses = [Query.empty_query()]
        elif plan.match == "any":  # a Should beside a Must is optional in tantivy: group them
            clauses = [_should(clauses)]
        parts = [(Occur.Must, c) for c in clauses]
        parts += [(Occur.MustNot, q) for q in (self.node(n) for n in plan.excluded) if q is not None]
        parts.append((Occur.Must, Query.const_score_query(self.restriction(plan.visibility, plan.filters), 0.0)))
        if plan.kinds:  # optional beside the Musts: it only adds to the score
            named = Query.term_set_query(self.schema, "kind", list(plan.kinds))
            parts.append((Occur.Should, Query.const_score_query(named, KIND_TIER)))
        return Query.boolean_query(parts)

    # --- words ---------------------------------------------------------------------------------

    def node(self, node: Node) -> Query | None:
        if isinstance(node, Word):
            return self.prefix(node.text) if node.prefix else self.terms([(0, s) for s in stems(node.text)])
        if isinstance(node, Phrase):
            return self.terms([(i, s) for i, word in enumerate(node.words) for s in stems(word)[:1]])
        if isinstance(node, AnyOf):  # the best option counts, the others a little: synonyms do not add up
            options = [q for q in (self._weighted(self.node(o), w) for o, w in node.options) if q is not None]
            if len(options) < 2:
                return options[0] if options else None
            return Query.disjunction_max_query(options, tie_breaker=TIE_BREAKER)
        if isinstance(node, AllOf):
            parts = [q for q in (self.node(part) for part in node.parts) if q is not None]
            return _must(parts) if parts else None
        raise TypeError(node)

    @staticmethod
    def _weighted(query: Query | None, weight: float) -> Query | None:
        return query if query is None or weight == 1.0 else Query.boost_query(query, weight)

    def terms(self, positioned: list[tuple[int, str]]) -> Query | None:
        """One stem: a term; several (a phrase, or "franco-andorrane"): a phrase, in each field."""
        if not positioned:
            return None
        if len(positioned) == 1:
            return _should([Query.boost_query(Query.term_query(self.schema, field, positioned[0][1]), weight)
                            for field, weight in FIELD_WEIGHTS])
        start = positioned[0][0]
        words = [(position - start, stem) for position, stem in positioned]
        return _should([Query.boost_query(Query.phrase_query(self.schema, field, words), weight)
                        for field, weight in FIELD_WEIGHTS])

    def prefix(self, text: str) -> Query | None:
        folded = folded_words(text)
        if not folded:
            return None
        return Query.regex_query(self.schema, "words", re.escape(folded[0]) + ".*")

    # --- who may see it, and the filters ---------------------------------------------------------

    def visibility(self, visibility: Visibility) -> Query:
        options = []
        if "public" in visibility.audiences:
            options.append(Query.term_query(self.schema, "audience", "public"))
        if visibility.restricted:
            restricted = [Query.term_set_query(self.schema, "audience", list(visibility.restricted))]
            if visibility.countries:
                restricted.append(Query.term_set_query(self.schema, "country", list(visibility.countries)))
            options.append(_must(restricted))
        return _should(options) or Query.empty_query()

    def restriction(self, visibility: Visibility, filters: Filters) -> Query:
        parts = [self.visibility(visibility)]
        for field, value in (("country", filters.country), ("kind", filters.kind), ("risks", filters.risk),
                             ("status", filters.status)):
            if value:
                parts.append(Query.term_query(self.schema, field, value))
        first, last = filters.years
        if (first, last) != (None, None):
            parts.append(Query.range_query(self.schema, "year", FieldType.Integer, first if first is not None
                                           else -10_000, last if last is not None else 10_000))
        if filters.on is not None:
            day = day_number(filters.on)
            parts.append(Query.range_query(self.schema, "valid_from", FieldType.Integer, 0, day))
            parts.append(Query.range_query(self.schema, "valid_until", FieldType.Integer, day, NEVER,
                                           include_lower=False))
        return _must(parts)
