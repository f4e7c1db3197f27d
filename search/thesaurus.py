"""The domain thesaurus (search/thesaurus.toml), applied to a query before any backend sees it.

Groups of terms that mean the same to the registry's readers (retraite, vieillesse, pension,
old age…). Consecutive typed words that match a term, compared stemmed and without stop words,
become "what was typed, or any other term of the group", the other terms ranking lower
(SYNONYM_WEIGHT). Quoted phrases are taken as typed. Being data read at start, the thesaurus can
change without reindexing."""

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from search.analysis import is_stop_word, stems
from search.syntax import WORD, AllOf, AnyOf, Node, Phrase, Word

SYNONYM_WEIGHT = 0.5


@dataclass(frozen=True)
class Group:
    terms: tuple[str, ...]
    source: str
    kind: str = ""  # the kind of document its terms name, if any


def term_node(term: str) -> Node:
    words = tuple(WORD.findall(term))
    return Word(words[0]) if len(words) == 1 else Phrase(words)


def term_key(words: list[str]) -> tuple[str, ...]:
    """A term as the thesaurus compares it: the stems of its words that are not stop words."""
    return tuple(stem for word in words if not is_stop_word(word) for stem in stems(word))


class Thesaurus:
    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        self._by_key: dict[tuple[str, ...], list[int]] = {}
        for number, group in enumerate(groups):
            for term in group.terms:
                key = term_key(WORD.findall(term))
                if key and number not in self._by_key.setdefault(key, []):
                    self._by_key[key].append(number)
        self.longest = max((len(key) for key in self._by_key), default=0)

    def expand(self, nodes: tuple[Node, ...]) -> tuple[tuple[Node, ...], tuple[str, ...]]:
        """Runs of plain typed words matching a term become AnyOf(typed, synonyms…); also returns
        the kinds of document the matched groups name."""
        expanded: list[Node] = []
        kinds: list[str] = []
        position = 0
        while position < len(nodes):
            length, groups = self._match(nodes, position)
            if not groups:
                expanded.append(nodes[position])
                position += 1
                continue
            span = nodes[position:position + length]
            typed = span[0] if length == 1 else AllOf(tuple(span))
            expanded.append(self._alternatives(typed, span, groups))
            kinds += [self.groups[n].kind for n in groups if self.groups[n].kind not in ("", *kinds)]
            position += length
        return tuple(expanded), tuple(kinds)

    def _match(self, nodes: tuple[Node, ...], start: int) -> tuple[int, list[int]]:
        """The longest run of plain words from `start` that is a term: (its length, its groups)."""
        for length in range(min(self.longest, len(nodes) - start), 0, -1):
            span = nodes[start:start + length]
            if all(isinstance(n, Word) and not n.prefix for n in span):
                key = term_key([n.text for n in span])
                if key in self._by_key:
                    return length, self._by_key[key]
        return 0, []

    def _alternatives(self, typed: Node, span: tuple[Node, ...], groups: list[int]) -> AnyOf:
        typed_key = term_key([n.text for n in span])
        options: list[tuple[Node, float]] = [(typed, 1.0)]
        seen = {typed_key}
        for number in groups:
            for term in self.groups[number].terms:
                key = term_key(WORD.findall(term))
                if key and key not in seen:
                    seen.add(key)
                    # a phrase scores about the sum of its words: per word, a synonym weighs SYNONYM_WEIGHT
                    options.append((term_node(term), SYNONYM_WEIGHT / len(key)))
        return AnyOf(tuple(options))


def load(text: str) -> Thesaurus:
    data = tomllib.loads(text)
    groups = []
    for number, entry in enumerate(data.get("group", []), start=1):
        terms, source = entry.get("terms"), entry.get("source", "")
        if not terms or not all(isinstance(t, str) and t.strip() for t in terms) or not str(source).strip():
            raise ValueError(f"thesaurus group {number}: needs terms (non-empty strings) and a source")
        groups.append(Group(tuple(terms), source, entry.get("kind", "")))
    return Thesaurus(groups)


@cache
def shipped() -> Thesaurus:
    return load(resources.files("search").joinpath("thesaurus.toml").read_text(encoding="utf-8"))
