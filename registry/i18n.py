"""Languages: interface catalogs, negotiation with script/region fallback, and formatting of
dates, numbers, amounts and country names that always takes the language explicitly (never an
ambient locale: a bilingual document formats each half in its own language).

Tags are BCP 47 with their script where it matters (`sr-Latn`, `sr-Cyrl`, `pt-BR`); babel gets
CLDR ids (`sr_Latn`). The glibc spelling `sr@latin` is read as `sr-Latn`, never passed to babel
(babel reads it as a modifier and formats in Cyrillic)."""

import io
import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.core import get_global, parse_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from registry.labels import QUOTED_TERM, Message, Term, Terms

UI_LOCALES = ("fr", "en")
DEFAULT_UI_LOCALE = "fr"
# Language names shown by the switch, each in its own language (so not from the catalogs)
UI_LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

# Decided, not inherited from the babel version that created the catalogs: babel 2.19 gives
# French 3 forms (CLDR 48 "many" for exact millions). The interface never counts in millions
# and gettext tools expect 2, so the catalogs keep 2; tests check the headers.
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "en": "nplurals=2; plural=(n != 1);",
}

# A bare language whose CLDR default script is not the one this project uses
DEFAULT_SCRIPT = {"sr": "Latn"}  # forms exchanged with Serbia are in Latin (agreements/data/README.md)
_MODIFIER_SCRIPT = {"latin": "Latn", "cyrillic": "Cyrl"}
# fontconfig names scripts through languages; `sr` there is Cyrillic and `sh` Serbo-Croatian Latin
_FONTCONFIG_LANG = {"sr-Latn": "sh", "sr-Cyrl": "sr", "zh-Hans": "zh-cn", "zh-Hant": "zh-tw"}


# --- tags and negotiation ------------------------------------------------------------------

def canonical_tag(tag: str) -> str:
    """'sr_latn_rs', 'sr@latin', 'SR-Latn' -> 'sr-Latn-RS', 'sr-Latn', 'sr-Latn' (BCP 47 casing)."""
    base, _, modifier = tag.strip().partition("@")
    parts = [p for p in base.replace("_", "-").split("-") if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 and part.isalpha() else part.upper() if len(part) == 2 else part)
    script = _MODIFIER_SCRIPT.get(modifier.lower())
    if script and not any(len(p) == 4 and p.isalpha() for p in out[1:]):
        out.insert(1, script)
    return "-".join(out)


def to_babel(tag: str) -> str:
    """BCP 47 ('sr-Latn-RS') -> babel/CLDR id ('sr_Latn_RS')."""
    return canonical_tag(tag).replace("-", "_")


def fallback_chain(tag: str) -> list[str]:
    """'sr-Latn-RS' -> ['sr-Latn-RS', 'sr-Latn', 'sr']: babel has no such fallback itself."""
    parts = canonical_tag(tag).split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1) if parts[0]]


def match_ui_locale(tag: str | None, available: tuple[str, ...] = UI_LOCALES) -> str | None:
    if not tag:
        return None
    lowered = {a.lower(): a for a in available}
    for candidate in fallback_chain(tag):
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def parse_accept_language(header: str) -> list[str]:
    """Tags by decreasing quality; malformed entries are skipped."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(query: str | None, cookie: str | None, accept_language: str | None,
              default: str = DEFAULT_UI_LOCALE) -> str:
    """?lang=, then the cookie, then Accept-Language, then the default."""
    for candidate in (query, cookie, *parse_accept_language(accept_language or "")):
        found = match_ui_locale(candidate)
        if found:
            return found
    return match_ui_locale(default) or DEFAULT_UI_LOCALE


# --- catalogs --------------------------------------------------------------------------------

def catalog_path(locale: str):
    return resources.files("locales").joinpath(locale, "LC_MESSAGES", "messages.po")


def compile_catalog(catalog) -> Translations:
    """A babel Catalog -> gettext Translations, in memory (what `make locales-compile` writes)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    """The catalog of `locale`, compiled in memory from its .po file (cached per process).
    Untranslated and fuzzy entries fall back to the English msgid."""
    po_file = catalog_path(locale)
    if not po_file.is_file():
        return NullTranslations()
    with po_file.open("rb") as fp:
        catalog = read_po(fp, locale=to_babel(locale))
    return compile_catalog(catalog)


def prefill_from_msgids(po_path) -> int:
    """Copy each untranslated msgid into its msgstr (for the English catalog: msgids are English
    already; polish by hand where wanted). The header, Plural-Forms included, is kept."""
    from babel.messages.pofile import write_po

    with open(po_path, "rb") as fp:
        catalog = read_po(fp)
    filled = 0
    for message in list(catalog)[1:]:
        strings = message.string if message.pluralizable else (message.string,)
        if not all(strings):
            ids = message.id if message.pluralizable else (message.id,)
            forms = [ids[0]] + [ids[-1]] * (catalog.num_plurals - 1)
            message.string = tuple(forms) if message.pluralizable else forms[0]
            filled += 1
    with open(po_path, "wb") as fp:
        write_po(fp, catalog)
    return filled


def gettext(locale: str, message: str, **variables) -> str:
    """`message` in `locale`, with its variables; terms among them (statuses, sides) are shown
    by their translated label rather than their code."""
    translate = translations(locale).gettext
    text = translate(message)
    if not variables:
        return text
    return text % {name: _shown(value, translate) for name, value in variables.items()}


def _shown(value, translate):
    if isinstance(value, Message):
        text = translate(value.msgid)
        return text % {name: _shown(v, translate) for name, v in value.params.items()} if value.params else text
    if isinstance(value, Term):
        return translate(QUOTED_TERM) % {"term": translate(value.label)}
    if isinstance(value, Terms):
        return ", ".join(_shown(v, translate) for v in value) or "—"
    return value


def ngettext(locale: str, singular: str, plural: str, n: int, **variables) -> str:
    return translations(locale).ngettext(singular, plural, n) % {"num": n, **variables}


# --- locales, scripts, direction -------------------------------------------------------------

def with_default_script(tag: str) -> str:
    """'sr' and 'sr-RS' -> 'sr-Latn', 'sr-Latn-RS' (the project's script for a bare language)."""
    parts = canonical_tag(tag).split("-")
    if parts[0] in DEFAULT_SCRIPT and not any(len(p) == 4 and p.isalpha() for p in parts[1:]):
        parts.insert(1, DEFAULT_SCRIPT[parts[0]])
    return "-".join(parts)


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    """The CLDR locale of `tag`, trying 'sr-Latn-RS', then 'sr-Latn', then 'sr'."""
    for candidate in fallback_chain(with_default_script(tag)):
        try:
            return Locale.parse(to_babel(candidate))
        except (UnknownLocaleError, ValueError):
            continue
    raise UnknownLocaleError(tag)


def script_of(tag: str) -> str:
    """ISO 15924 script a text in `tag` is written in: explicit, else CLDR's likely script."""
    locale = babel_locale(tag)
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags")
    for key in (str(locale), locale.language):
        if key in likely:
            return parse_locale(likely[key])[2] or "Latn"
    return "Latn"


def scripts_needed(tags) -> dict[str, str]:
    """Per language, the script its documents need a font for: {'sr-Cyrl': 'Cyrl', 'ar': 'Arab'}."""
    return {canonical_tag(tag): script_of(tag) for tag in tags if tag}


def fontconfig_lang(tag: str) -> str:
    """The language name `fc-list :lang=` understands for `tag` (fontconfig ignores scripts)."""
    for candidate in fallback_chain(with_default_script(tag)):
        if candidate in _FONTCONFIG_LANG:
            return _FONTCONFIG_LANG[candidate]
    return canonical_tag(tag).split("-")[0]


def text_direction(tag: str) -> str:
    """'rtl' or 'ltr', for `dir` attributes and for document paragraphs."""
    return babel_locale(tag).text_direction


def is_rtl(tag: str) -> bool:
    return text_direction(tag) == "rtl"


def language_name(tag: str, in_lang: str) -> str:
    return babel_locale(tag).get_display_name(babel_locale(in_lang)) or tag


# --- formatting ------------------------------------------------------------------------------

# Official usage that differs from CLDR: the first day of the month is an ordinal in French
# ("1er décembre 2023", Lexique des règles typographiques) and in Brazilian Portuguese
# ("1º de dezembro de 2023", Manual de Redação da Presidência da República).
FIRST_DAY_ORDINAL = {"fr": "1er", "pt-BR": "1º"}

# Country names where the official usage of the registry differs from CLDR
COUNTRY_NAME_OVERRIDES = {
    "fr": {"CG": "Congo"},
    "en": {"BA": "Bosnia and Herzegovina", "CG": "Republic of the Congo"},
}


def _override(table: dict, tag: str):
    for candidate in fallback_chain(tag):
        if candidate in table:
            return table[candidate]
    return None


def _with_first_day_ordinal(pattern: str, ordinal: str) -> str:
    """Replace a lone day field `d` of a pattern with the quoted ordinal, when the month is a word."""
    pieces = re.split(r"('(?:[^']|'')*')", pattern)
    if not any("MMM" in piece or "LLL" in piece for piece in pieces[::2]):
        return pattern
    pieces[::2] = [re.sub(r"(?<![dD])d(?!d)", f"'{ordinal}'", piece) for piece in pieces[::2]]
    return "".join(pieces)


def format_date(value: date | None, lang: str, fmt: str = "long") -> str:
    """`lang` is required: documents are bilingual and name each language explicitly.
    `fmt` is 'short', 'medium', 'long', 'full' or a CLDR pattern."""
    if value is None:
        return ""
    locale = babel_locale(lang)
    ordinal = _override(FIRST_DAY_ORDINAL, lang) if value.day == 1 else None
    if ordinal:
        pattern = str(locale.date_formats[fmt].pattern) if fmt in locale.date_formats else fmt
        fmt = _with_first_day_ordinal(pattern, ordinal)
    return babel_dates.format_date(value, fmt, locale=locale)


def format_date_range(start: date, end: date | None, lang: str) -> str:
    """A span of days in `lang`, as CLDR writes it in lists: '26–27 oct. 2023', 'Oct 26 – 27, 2023';
    one date when the span is one day."""
    if end is None or end == start:
        return format_date(start, lang, "medium")
    return babel_dates.format_interval(start, end, "yMMMd", locale=babel_locale(lang))


def format_number(value: int | float | Decimal, lang: str) -> str:
    return babel_numbers.format_decimal(value, locale=babel_locale(lang))


def format_amount(value: int | float | Decimal, currency: str, lang: str) -> str:
    """An amount with its ISO 4217 currency: `format_amount(1234.5, "EUR", "fr")` -> '1 234,50 €'."""
    return babel_numbers.format_currency(value, currency, locale=babel_locale(lang))


def country_name(code: str, lang: str) -> str:
    """The name of an ISO 3166 country in `lang`; the registry's official names win over CLDR."""
    code = code.upper()
    override = _override(COUNTRY_NAME_OVERRIDES, lang)
    if override and code in override:
        return override[code]
    return babel_locale(lang).territories.get(code, code)



def country_names(code: str, languages: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The country's names in French, English and each of `languages` (its own), once each:
    search carries them on every document of the country ("Serbie Serbia Srbija Србија")."""
    names: list[str] = []
    for lang in ("fr", "en", *languages):
        try:
            name = country_name(code, lang)
        except UnknownLocaleError:
            continue
        if name != code.upper() and name not in names:
            names.append(name)
    return names


def label_words(labels: dict[str, str], codes, languages: tuple[str, ...] = ("fr", "en")) -> list[str]:
    """The labels of `codes` in each language (search carries a document's branches this way:
    "Vieillesse Old age")."""
    return [gettext(lang, labels[code]) for code in codes if code in labels for lang in languages]

