"""Text normalisation shared by the backends: French-aware, accent-insensitive."""

import unicodedata

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

# whoosh's French stop list lacks "les" (LIBRARIES.md §6)
EXTRA_FRENCH_STOPWORDS = frozenset({"les", "des", "aux", "du", "au"})


def french_analyzer():
    """Fold accents *before* stemming, or "electricite" misses "électricité" (LIBRARIES.md §6)."""
    from whoosh.lang import stopwords_for_language

    stops = frozenset(stopwords_for_language("fr")) | EXTRA_FRENCH_STOPWORDS
    folded_stops = frozenset(fold(word) for word in stops)
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=folded_stops, minsize=1)
        | StemFilter(lang="fr")
    )


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
