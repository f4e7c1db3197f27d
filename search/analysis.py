"""Text analysis shared by the backends: accents folded *before* stemming, one stop list.

Every backend indexes and queries with the same rules: lower case, accents folded (so
"electricite" finds "électricité" and the French stemmer sees folded words: LIBRARIES.md §6),
the same stop words (folded), the French snowball stemmer. Words of the `words` field are only
folded (not stemmed): prefixes, typo retries and suggestions work on the words people write.

tantivy's analyzers do it for the tantivy backend and for the planner and the memory backend;
whoosh's chain (french_analyzer) does the same for whoosh; PostgreSQL's `registry_fr`
configuration (unaccent, then french_stem) for PostgreSQL, whose own French stop list is the
one difference left: the planner drops our stop words before any backend sees the query."""

import unicodedata
from functools import cache

import tantivy
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

# whoosh's French stop list lacks "les" (LIBRARIES.md §6); a few English ones for English queries
EXTRA_STOPWORDS = frozenset({"les", "des", "aux", "du", "au", "the", "of", "and", "an", "to", "in", "for", "with",
                             "by", "from", "is", "are", "at", "as", "or", "be", "it", "this", "that"})
STEMMED = "registry_fr"  # tokenizer names in a tantivy index
FOLDED = "registry_words"
WORD_PATTERN = r"\w+"  # whoosh's default, and what tantivy's simple tokenizer keeps


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def stop_words() -> frozenset[str]:
    """Folded, so that a query typed without accents drops the same words ("a", "ete")."""
    return frozenset(fold(word) for word in stopwords_for_language("fr")) | EXTRA_STOPWORDS


def is_stop_word(word: str) -> bool:
    folded = fold(word)
    return folded in stop_words() or (len(folded) < 2 and not folded.isdigit())


def tantivy_stemmed() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold()).filter(tantivy.Filter.custom_stopword(sorted(stop_words())))
            .filter(tantivy.Filter.stemmer("french")).build())


def tantivy_folded() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold()).filter(tantivy.Filter.remove_long(40)).build())


@cache
def _stemmed() -> tantivy.TextAnalyzer:
    return tantivy_stemmed()


@cache
def _folded() -> tantivy.TextAnalyzer:
    return tantivy_folded()


def stems(text: str) -> list[str]:
    return _stemmed().analyze(text)


def folded_words(text: str) -> list[str]:
    return _folded().analyze(text)


def french_analyzer():
    """whoosh's chain with the same rules: fold accents *before* stemming (LIBRARIES.md §6)."""
    return (RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(stoplist=stop_words(), minsize=1) | StemFilter(lang="fr"))


def folded_analyzer():
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def within_edits(word: str, candidates, distance: int) -> list[str]:
    """The candidates at most `distance` edits from `word` (a transposition counts one), compared
    in rapidfuzz's C++ loop: the index's vocabulary can hold tens of thousands of words."""
    found = process.extract(word, list(candidates), scorer=OSA.distance, score_cutoff=distance, limit=None)
    return [candidate for candidate, _, _ in found]

