"""Alphabetical order the way each language sorts: "Bénin" before "Brésil", "États-Unis" among the
E in French; English pages sort English names. ICU's collators (PyICU) carry CLDR's tailoring per
locale; Python's own `sorted` compares code points and puts every accented capital last.

Pages sort what they show in the page's language: `sorted_names(countries, name_of, locale)`."""

from collections.abc import Callable, Iterable
import threading
from typing import TypeVar

import icu

from registry import i18n

T = TypeVar("T")


# An ICU Collator must not be used by two threads at once (the sync handlers run in a thread
# pool), so each thread keeps its own, one per locale.
_per_thread = threading.local()


def _collator(tag: str) -> icu.Collator:
    collators = _per_thread.__dict__.setdefault("collators", {})
    if tag not in collators:
        collators[tag] = icu.Collator.createInstance(icu.Locale(i18n.to_babel(tag)))
    return collators[tag]


def sort_key(locale: str) -> Callable[[str], bytes]:
    """A key function ordering strings as `locale` does (ICU collation keys, bytes)."""
    return _collator(i18n.canonical_tag(locale) or i18n.DEFAULT_UI_LOCALE).getSortKey


def sorted_names(items: Iterable[T], name_of: Callable[[T], str], locale: str) -> list[T]:
    """`items` ordered by the name each has in `locale` (`name_of(item)`)."""
    key = sort_key(locale)
    return sorted(items, key=lambda item: key(name_of(item) or ""))


def countries_by_name(codes: Iterable[str], locale: str) -> list[tuple[str, str]]:
    """[(code, name in `locale`)] in that language's alphabetical order."""
    named = [(code, i18n.country_name(code, locale)) for code in codes]
    return sorted_names(named, lambda pair: pair[1], locale)


# CLDR territories that are not countries a person holds the nationality of, or is addressed in
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA", "AQ"}


def world_countries(locale: str) -> list[tuple[str, str]]:
    """Every country and territory CLDR names (ISO 3166 alpha-2, Kosovo's XK included), as
    (code, name in `locale`) in that language's order: nationality and address choices."""
    territories = i18n.babel_locale(locale).territories
    codes = [code for code in territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return countries_by_name(codes, locale)
