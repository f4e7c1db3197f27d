"""Languages: interface catalogs, negotiation with script/region fallback, and formatting of
dates and numbers that always takes the language explicitly (never an ambient locale)."""

import io
import re
from datetime import date
from functools import lru_cache
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

UI_LOCALES = ("fr", "en")
DEFAULT_UI_LOCALE = "fr"


def to_babel(tag: str) -> str:
    """BCP 47 ('sr-Latn-RS') -> babel/CLDR id ('sr_Latn_RS')."""
    return tag.replace("-", "_")


def fallback_chain(tag: str) -> list[str]:
    """'sr-Latn-RS' -> ['sr-Latn-RS', 'sr-Latn', 'sr']: babel has no such fallback itself."""
    parts = tag.replace("_", "-").split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def match_ui_locale(tag: str | None, available: tuple[str, ...] = UI_LOCALES) -> str | None:
    if not tag:
        return None
    lowered = {a.lower(): a for a in available}
    for candidate in fallback_chain(tag.strip()):
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def parse_accept_language(header: str) -> list[str]:
    """Tags by decreasing quality; malformed entries are skipped."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag.strip() and tag.strip() != "*":
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(query: str | None, cookie: str | None, accept_language: str | None,
              default: str = DEFAULT_UI_LOCALE) -> str:
    """?lang=, then the cookie, then Accept-Language, then the default."""
    for candidate in (query, cookie):
        found = match_ui_locale(candidate)
        if found:
            return found
    for tag in parse_accept_language(accept_language or ""):
        found = match_ui_locale(tag)
        if found:
            return found
    return match_ui_locale(default) or DEFAULT_UI_LOCALE


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    """The catalog of `locale`, compiled in memory from its .po file (cached per process)."""
    po_file = resources.files("locales").joinpath(locale, "LC_MESSAGES", "messages.po")
    if not po_file.is_file():
        return NullTranslations()
    with po_file.open("rb") as fp:
        catalog = read_po(fp, locale=to_babel(locale))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(locale: str, message: str, **variables) -> str:
    text = translations(locale).gettext(message)
    return text % variables if variables else text


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    for candidate in fallback_chain(tag):
        try:
            return Locale.parse(to_babel(candidate))
        except (UnknownLocaleError, ValueError):
            continue
    raise UnknownLocaleError(tag)


def text_direction(tag: str) -> str:
    return babel_locale(tag).text_direction


def format_date(value: date | None, lang: str, fmt: str = "long") -> str:
    """`lang` is required: documents are bilingual and name each language explicitly."""
    if value is None:
        return ""
    locale = babel_locale(lang)
    text = babel_dates.format_date(value, fmt, locale=locale)
    if locale.language == "fr" and value.day == 1 and fmt in ("long", "full"):
        # official French usage writes the first day of a month as an ordinal: "1er décembre 2023"
        text = re.sub(r"\b1 ", "1er ", text, count=1)
    return text


def format_number(value, lang: str) -> str:
    return babel_numbers.format_decimal(value, locale=babel_locale(lang))


def language_name(tag: str, in_lang: str) -> str:
    return babel_locale(tag).get_display_name(babel_locale(in_lang)) or tag
