"""The project's query function, the same on every backend: parse what was typed, leave out stop
words, expand with the thesaurus, run, and when that finds nothing or little, widen it.

1. Every word is wanted; when no document has them all, any word (more of them rank higher).
2. When fewer than FEW hits remain, typed words of 5+ letters the index does not know are
   retried with the index's own words within 1 edit (2 from 8 letters) of them, and the reader
   is offered the query with those words corrected ("Vouliez-vous dire : andorre ?").

Visibility, filters and facets are inside each backend's query, so what a reader may not see
is never counted, suggested nor shown."""

from dataclasses import replace

from search.analysis import fold, is_stop_word
from search.api import SearchQuery, SearchResults, Visibility
from search.plan import Plan
from search.syntax import WORD, AllOf, AnyOf, Node, Parsed, Phrase, Word, parse, words_of
from search.thesaurus import Thesaurus, shipped

FEW = 3
NEAR_WEIGHT = 0.8
MIN_TYPO_LENGTH = 5
LONG_WORD = 8  # from this length, 2 edits
NEAR_WORDS_KEPT = 3


def search(backend, query: SearchQuery, thesaurus: Thesaurus | None = None) -> SearchResults:
    """Raises search.syntax.QuerySyntaxError for a query the syntax cannot read."""
    parsed = parse(query.text.strip())
    required, excluded = _without_stop_words(parsed.required), _without_stop_words(parsed.excluded)
    if not required:
        return _empty(query, _reason_for_nothing(query.text, parsed, excluded))
    expanded, kinds = (thesaurus or shipped()).expand(required)
    plan = Plan(required=expanded, excluded=excluded, kinds=kinds, visibility=query.visibility,
                filters=query.filters, sort=query.sort, offset=(query.page - 1) * query.per_page,
                limit=query.per_page, facets=query.facets)
    results, widened = backend.execute(plan), ""
    suggestion = ""
    if results.total < FEW and (corrections := _corrections(backend, required, query.visibility)):
        suggestion = _corrected_text(query.text, corrections)
        # the corrected words get the thesaurus too ("formualires" -> formulaires: forms first)
        expanded, kinds = (thesaurus or shipped()).expand(_with_best_words(required, corrections))
        plan = replace(plan, required=_with_near_words(expanded, corrections), kinds=kinds)
        corrected = backend.execute(plan)
        if corrected.total > results.total:
            results, widened = corrected, "typos"
    if results.total == 0 and len(plan.required) > 1:
        results, widened = backend.execute(replace(plan, match="any")), "any_word"
    reason = "" if results.hits else ("page_past_end" if results.total else "no_match")
    return replace(results, page=query.page, per_page=query.per_page, suggestion=suggestion, reason=reason,
                   widened=widened)


def _empty(query: SearchQuery, reason: str) -> SearchResults:
    return SearchResults(0, [], {}, query.page, query.per_page, reason=reason)


def _reason_for_nothing(text: str, parsed: Parsed, excluded: tuple[Node, ...]) -> str:
    if not text.strip():
        return "empty_query"
    if parsed.required:
        return "only_stop_words"
    return "only_exclusions" if excluded or parsed.excluded else "no_words"


def _without_stop_words(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    kept = (_clean(node) for node in nodes)
    return tuple(node for node in kept if node is not None)


def _clean(node: Node) -> Node | None:
    """The node without its stop words (a phrase keeps them: they space its words); None if empty."""
    if isinstance(node, Word):
        return None if not node.prefix and is_stop_word(node.text) else node
    if isinstance(node, Phrase):
        return node if any(not is_stop_word(w) for w in node.words) else None
    if isinstance(node, AnyOf):
        options = tuple((c, w) for c, w in ((_clean(o), w) for o, w in node.options) if c is not None)
        return None if not options else options[0][0] if len(options) == 1 else AnyOf(options)
    parts = tuple(p for p in (_clean(part) for part in node.parts) if p is not None)
    return AllOf(parts) if parts else None


def _corrections(backend, required: tuple[Node, ...], visibility: Visibility) -> dict[str, list[str]]:
    """Typed word -> the index's words near it, most documents first, for words the index lacks."""
    corrections: dict[str, list[str]] = {}
    for word in (w for node in required for w in words_of(node)):
        folded = fold(word.text)
        if word.prefix or len(folded) < MIN_TYPO_LENGTH or folded in corrections:
            continue
        near = backend.near_words(folded, 2 if len(folded) >= LONG_WORD else 1, visibility)
        if any(candidate == folded for candidate, _ in near):
            continue  # the index knows the word as typed: not a typo
        ranked = sorted(near, key=lambda item: -item[1])[:NEAR_WORDS_KEPT]
        if ranked:
            corrections[folded] = [candidate for candidate, _ in ranked]
    return corrections


def _with_best_words(nodes: tuple[Node, ...], corrections: dict[str, list[str]]) -> tuple[Node, ...]:
    """Each unknown typed word (alone, not in an alternative) replaced by its most frequent near
    word, the others kept: what the suggestion says, for the thesaurus to read."""
    return tuple(Word(corrections[fold(n.text)][0]) if isinstance(n, Word) and not n.prefix
                 and fold(n.text) in corrections else n for n in nodes)


def _with_near_words(nodes: tuple[Node, ...], corrections: dict[str, list[str]]) -> tuple[Node, ...]:
    def widen(node: Node) -> Node:
        if isinstance(node, Word) and not node.prefix and fold(node.text) in corrections:
            near = tuple((Word(w), NEAR_WEIGHT) for w in corrections[fold(node.text)])
            return AnyOf(((node, 1.0), *near))
        if isinstance(node, AnyOf):
            return AnyOf(tuple((widen(option), weight) for option, weight in node.options))
        if isinstance(node, AllOf):
            return AllOf(tuple(widen(part) for part in node.parts))
        return node

    return tuple(widen(node) for node in nodes)


def _corrected_text(text: str, corrections: dict[str, list[str]]) -> str:
    """The query as typed, each corrected word replaced by its most frequent near word."""
    return WORD.sub(lambda m: corrections.get(fold(m.group()), [m.group()])[0], text)
