"""The fixed wording of agenda and minutes documents in each document language
(data/document_labels.toml), and the language pair of a meeting."""

import tomllib
from functools import lru_cache
from importlib import resources

from registry import i18n

FALLBACK = "en"


@lru_cache(maxsize=1)
def _all_labels() -> dict[str, dict[str, str]]:
    text = resources.files("agreements.meetings").joinpath("data", "document_labels.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def labels_for(lang: str) -> dict[str, str]:
    """Labels in `lang`: 'sr-Latn-RS' -> sr-Latn, 'pt-BR' -> pt; English when the language is missing."""
    table = _all_labels()
    for candidate in i18n.fallback_chain(i18n.with_default_script(lang or "fr")):
        if candidate in table:
            return table[candidate]
    return table[FALLBACK]


def is_french(lang: str) -> bool:
    return not lang or i18n.canonical_tag(lang).split("-")[0] == "fr"


def language_pair(partner_language: str) -> tuple[str, ...]:
    """('fr', partner), or ('fr',) when the partner writes French too (Mali, Gabon)."""
    return ("fr",) if is_french(partner_language) else ("fr", i18n.canonical_tag(partner_language))


def phrase(lang: str, key: str, **values) -> str:
    text = labels_for(lang)[key]
    return text % values if values else text
