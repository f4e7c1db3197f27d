"""Relevance on the judged queries (tests/search_judgements.toml): MRR@10 and recall@10.

MRR@10: the mean over queries of 1/rank of the first expected document in the first ten hits
(0 when none is there). Recall@10: the mean share of a query's expected documents found in the
first ten. Used by tests/test_search_relevance.py (a floor) and bench/bench_search.py (figures)."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from search import SearchQuery, Visibility
from search.api import SearchHit
from search.service import search

JUDGEMENTS = Path(__file__).with_name("search_judgements.toml")
DEPTH = 10
VISIBILITY = {"public": Visibility(), "staff": Visibility(("public", "staff"))}


@dataclass(frozen=True)
class Judged:
    q: str
    expect: tuple[str, ...]
    kind: str = ""
    audience: str = "public"


@dataclass(frozen=True)
class Scored:
    judged: Judged
    rank: int | None  # of the first expected document, from 1
    found: int  # expected documents among the first DEPTH
    top: tuple[str, ...]  # the first three hits' titles, for the report

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    @property
    def recall(self) -> float:
        return self.found / len(self.judged.expect)


def judgements(path: Path = JUDGEMENTS) -> list[Judged]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Judged(entry["q"], tuple(entry["expect"]), entry.get("kind", ""), entry.get("as", "public"))
            for entry in data["query"]]


def matches(hit: SearchHit, expected: str) -> bool:
    if expected.startswith("/"):
        return hit.url == expected
    kind, _, words = expected.partition(": ")
    return hit.kind == kind and words in hit.title


def score(backend, judged: Judged) -> Scored:
    hits = search(backend, SearchQuery(judged.q, VISIBILITY[judged.audience], per_page=DEPTH, facets=False)).hits
    ranks = [n for n, hit in enumerate(hits, start=1) if any(matches(hit, e) for e in judged.expect)]
    found = sum(any(matches(hit, e) for hit in hits) for e in judged.expect)
    return Scored(judged, ranks[0] if ranks else None, found, tuple(h.title for h in hits[:3]))


def evaluate(backend, path: Path = JUDGEMENTS) -> tuple[float, float, list[Scored]]:
    """(MRR@10, recall@10, each query's score)."""
    scored = [score(backend, judged) for judged in judgements(path)]
    return (sum(s.reciprocal_rank for s in scored) / len(scored), sum(s.recall for s in scored) / len(scored), scored)
