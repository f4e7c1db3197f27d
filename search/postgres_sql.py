"""A Plan (search/plan.py) as PostgreSQL text search SQL: tsquery expressions with bound
parameters (user text never reaches the SQL string), the visibility rule and filters as a WHERE
clause shared by the page, the count and the facet counts."""

from dataclasses import dataclass, field

from search.analysis import fold
from search.api import Visibility
from search.plan import Plan
from search.syntax import WORD, AllOf, AnyOf, Node, Phrase, Word

CONFIGURATION = "registry_fr"
PREFIX_EXPANSIONS = 64  # words of the vocabulary a prefix stands for, at most


@dataclass
class Statement:
    """SQL fragments and their parameters, named p0, p1… as they are added."""

    params: dict = field(default_factory=dict)

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"


class TsqueryBuilder:
    def __init__(self, statement: Statement, prefixes: dict[str, list[str]]) -> None:
        self.s = statement
        self.prefixes = prefixes  # prefix -> the vocabulary words it stands for

    def node(self, node: Node, typed_only: bool = False) -> str | None:
        """A tsquery expression; `typed_only` leaves out synonyms and corrections (weight < 1)."""
        if isinstance(node, Word) and node.prefix:
            return self.prefix(node.text)
        if isinstance(node, Word):
            return f"plainto_tsquery('{CONFIGURATION}', {self.s.bind(node.text)})"
        if isinstance(node, Phrase):
            return f"phraseto_tsquery('{CONFIGURATION}', {self.s.bind(' '.join(node.words))})"
        if isinstance(node, AnyOf):
            options = [self.node(option, typed_only) for option, weight in node.options
                       if not typed_only or weight >= 1.0]
            return self._join([o for o in options if o], "||")
        if isinstance(node, AllOf):
            parts = [self.node(part, typed_only) for part in node.parts]
            return self._join([p for p in parts if p], "&&")
        raise TypeError(node)

    @staticmethod
    def _join(parts: list[str], operator: str) -> str | None:
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + f" {operator} ".join(parts) + ")"

    def prefix(self, text: str) -> str:
        """The vocabulary's words starting with the prefix, each stemmed, or the lexeme prefix itself."""
        folded = fold(text)
        words = self.prefixes.get(folded, [])
        native = f"to_tsquery('simple', quote_literal({self.s.bind(folded)}) || ':*')"
        if not words:
            return native
        alternatives = " | ".join(f"'{w}'" for w in words if WORD.fullmatch(w))
        return f"({native} || to_tsquery('{CONFIGURATION}', {self.s.bind(alternatives)}))"

    def plan(self, plan: Plan, typed_only: bool = False) -> str:
        required = [q for q in (self.node(n, typed_only) for n in plan.required) if q]
        operator = "&&" if plan.match == "all" else "||"
        query = self._join(required, operator) or "''::tsquery"
        excluded = [q for q in (self.node(n) for n in plan.excluded) if q]
        if excluded:
            query = f"({query} && !!{self._join(excluded, '||')})"
        return query


def visibility_sql(s: Statement, visibility: Visibility, table: str = "d") -> str:
    options = []
    if "public" in visibility.audiences:
        options.append(f"{table}.audience = 'public'")
    if visibility.restricted:
        restricted = f"{table}.audience = ANY({s.bind(list(visibility.restricted))})"
        if visibility.countries:
            restricted += f" AND {table}.country = ANY({s.bind(list(visibility.countries))})"
        options.append(f"({restricted})")
    return "(" + " OR ".join(options) + ")" if options else "FALSE"


def where_sql(s: Statement, plan: Plan) -> str:
    filters = plan.filters
    parts = [visibility_sql(s, plan.visibility)]
    for column, value in (("country", filters.country), ("kind", filters.kind), ("status", filters.status)):
        if value:
            parts.append(f"d.{column} = {s.bind(value)}")
    if filters.risk:
        parts.append(f"{s.bind(filters.risk)} = ANY(d.risks)")
    first, last = filters.years
    if first is not None:
        parts.append(f"d.year >= {s.bind(first)}")
    if last is not None:
        parts.append(f"d.year <= {s.bind(last)}")
    if filters.on is not None:
        day = s.bind(filters.on)
        parts.append(f"d.valid_from <= {day} AND (d.valid_until IS NULL OR d.valid_until > {day})")
    return " AND ".join(parts)


def prefixes_of(plan: Plan) -> set[str]:
    found: set[str] = set()

    def walk(node: Node) -> None:
        if isinstance(node, Word) and node.prefix:
            found.add(fold(node.text))
        elif isinstance(node, AnyOf):
            for option, _ in node.options:
                walk(option)
        elif isinstance(node, AllOf):
            for part in node.parts:
                walk(part)

    for node in (*plan.required, *plan.excluded):
        walk(node)
    return found
