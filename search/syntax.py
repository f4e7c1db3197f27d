"""What people type, read into a small tree every backend translates the same way.

Syntax: words (all of them are wanted), "a phrase", a prefix `détach*`, an exclusion `-brésil`
or `-"phrase"`, and alternatives `retraite OR pension` (also `OU` and `|`), which bind tighter
than the spaces between words, as in web search engines. Words are runs of letters and digits,
as the tantivy tokenizer cuts them: "franco-andorrane" or "l'accord" typed unquoted are read as
the phrase of their parts. Anything else (parentheses, punctuation) only separates words.

A query the syntax cannot read raises QuerySyntaxError with a message id the pages translate;
the limits on length, words and alternatives keep every query inside the time budget."""

import re
from dataclasses import dataclass

from registry.labels import mark
from registry.problems import QuerySyntaxError  # noqa: F401 (part of this module's API)

MAX_LENGTH = 200
MAX_CLAUSES = 12  # words or phrases wanted or excluded
MAX_ALTERNATIVES = 8  # OR in one query
MIN_PREFIX = 3  # letters before *: "a*" would match most of the vocabulary
OR_WORDS = frozenset({"OR", "OU", "|"})
WORD = re.compile(r"\w+")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Word:
    text: str  # as typed (one run of letters and digits)
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]  # as typed, stop words included (they keep the words' distances)


@dataclass(frozen=True)
class AnyOf:
    """One of the options; each scores with its weight (1.0 for what was typed)."""

    options: tuple[tuple["Node", float], ...]


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Node", ...]


Node = Word | Phrase | AnyOf | AllOf


@dataclass(frozen=True)
class Parsed:
    required: tuple[Node, ...]
    excluded: tuple[Node, ...]


TOO_LONG = mark("at most 200 characters")
CONTROL_CHARACTERS = mark("text without control characters")
UNBALANCED_QUOTES = mark("quotes in pairs: a phrase needs its closing quote")
LONE_DASH = mark("a word or a phrase right after “-” (to leave it out)")
LONE_STAR = mark("at least 3 letters before “*” (e.g. détach*)")
STAR_INSIDE = mark("“*” only at the end of a word (e.g. détach*)")
DANGLING_OR = mark("a word on each side of OR")
TOO_MANY_WORDS = mark("at most 12 words or phrases")
TOO_MANY_ALTERNATIVES = mark("at most 8 OR in one query")
EXCLUDED_ALTERNATIVE = mark("OR between words to find, not after “-”")


def parse(text: str) -> Parsed:
    if len(text) > MAX_LENGTH:
        raise QuerySyntaxError(TOO_LONG)
    if CONTROL.search(text):
        raise QuerySyntaxError(CONTROL_CHARACTERS)
    if text.count('"') % 2:
        raise QuerySyntaxError(UNBALANCED_QUOTES)
    chunks = _chunks(text)
    required, excluded = _group(chunks)
    if len(required) + len(excluded) > MAX_CLAUSES:
        raise QuerySyntaxError(TOO_MANY_WORDS)
    return Parsed(tuple(required), tuple(excluded))


def _chunks(text: str) -> list[tuple[str, str]]:
    """(kind, text): kind is "phrase", "word", "or", "-phrase", "-word"."""
    chunks = []
    for piece in re.finditer(r'(-?)"([^"]*)"|(\S+)', text):
        dash, quoted, bare = piece.groups()
        if bare is None:
            chunks.append((dash + "phrase", quoted))
        elif bare in OR_WORDS:
            chunks.append(("or", bare))
        elif bare == "-":
            raise QuerySyntaxError(LONE_DASH)
        elif bare.startswith("-"):
            chunks.append(("-word", bare[1:]))
        else:
            chunks.append(("word", bare))
    return chunks


def _node(kind: str, text: str) -> Node | None:
    """A phrase or a typed chunk as a node; None when it holds no word (punctuation only)."""
    if kind.endswith("phrase"):
        words = tuple(WORD.findall(text))
        return (Word(words[0]) if len(words) == 1 else Phrase(words)) if words else None
    if "*" in text:
        return _prefix(text)
    words = tuple(WORD.findall(text))
    if not words:
        return None
    return Word(words[0]) if len(words) == 1 else Phrase(words)


def _prefix(text: str) -> Word:
    stem = text.rstrip("*")
    if "*" in stem:
        raise QuerySyntaxError(STAR_INSIDE)
    words = WORD.findall(stem)
    if len(words) > 1 or (words and words[0] != stem.strip(".,;:!?()[]'’")):
        raise QuerySyntaxError(STAR_INSIDE)
    if not words or len(words[0]) < MIN_PREFIX:
        raise QuerySyntaxError(LONE_STAR)
    return Word(words[0], prefix=True)


def _group(chunks: list[tuple[str, str]]) -> tuple[list[Node], list[Node]]:
    required: list[Node] = []
    excluded: list[Node] = []
    alternatives = 0
    pending_or = False
    for position, (kind, text) in enumerate(chunks):
        if kind == "or":
            if position and chunks[position - 1][0].startswith("-"):
                raise QuerySyntaxError(EXCLUDED_ALTERNATIVE)
            if pending_or or not required or position == len(chunks) - 1:
                raise QuerySyntaxError(DANGLING_OR)
            pending_or = True
            alternatives += 1
            continue
        node = _node(kind, text)
        if kind.startswith("-"):
            if pending_or:
                raise QuerySyntaxError(EXCLUDED_ALTERNATIVE)
            if node is not None:
                excluded.append(node)
            continue
        if pending_or:
            pending_or = False
            if node is not None:
                required[-1] = _either(required[-1], node)
            continue
        if node is not None:
            required.append(node)
    if alternatives > MAX_ALTERNATIVES:
        raise QuerySyntaxError(TOO_MANY_ALTERNATIVES)
    return required, excluded


def _either(left: Node, right: Node) -> AnyOf:
    options = left.options if isinstance(left, AnyOf) else ((left, 1.0),)
    return AnyOf((*options, (right, 1.0)))


def words_of(node: Node) -> list[Word]:
    """Every Word of a node (typo retries and suggestions look at them)."""
    if isinstance(node, Word):
        return [node]
    if isinstance(node, AnyOf):
        return [w for option, _ in node.options for w in words_of(option)]
    if isinstance(node, AllOf):
        return [w for part in node.parts for w in words_of(part)]
    return []
