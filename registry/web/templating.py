"""Jinja for pages: autoescaped, gettext chosen per request, formatting filters that take the
request's language, and helpers that mark each text with its language and direction.

Pages call `_("...")`, `ngettext(...)` or `{% trans %}` (Jinja's i18n extension, new style:
translations are %-formatted with autoescaped variables)."""

from pathlib import Path
from urllib.parse import urlencode

from jinja2 import pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from registry import i18n
from registry.collation import sorted_names
from registry.labels import mark
from registry.web.i18n_middleware import INTERFACE_LOCALE, request_locale
from registry.web.sources import source_links


def _locale(context) -> str:
    """The request's locale; a macro imported without context has no request but runs inside it."""
    request = context.get("request")
    if request is not None:
        return request_locale(request)
    return INTERFACE_LOCALE.get() or i18n.DEFAULT_UI_LOCALE


# The extension wraps these: it formats the result and escapes the variables.
@pass_context
def _gettext(context, message: str) -> str:
    return i18n.translations(_locale(context)).gettext(message)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(_locale(context)).ngettext(singular, plural, n)


@pass_context
def _pgettext(context, msgctxt: str, message: str) -> str:
    return i18n.translations(_locale(context)).pgettext(msgctxt, message)


@pass_context
def _npgettext(context, msgctxt: str, singular: str, plural: str, n: int) -> str:
    return i18n.translations(_locale(context)).npgettext(msgctxt, singular, plural, n)


@pass_context
def _date(context, value, fmt: str = "long") -> str:
    return i18n.format_date(value, _locale(context), fmt)


@pass_context
def _date_range(context, start, end) -> str:
    return i18n.format_date_range(start, end, _locale(context))


@pass_context
def _number(context, value) -> str:
    return "" if value is None else i18n.format_number(value, _locale(context))


@pass_context
def _amount(context, value, currency: str = "EUR") -> str:
    return "" if value is None else i18n.format_amount(value, currency, _locale(context))


@pass_context
def _country_name(context, code: str) -> str:
    return i18n.country_name(code, _locale(context))


@pass_context
def _by_country_name(context, items) -> list:
    """Countries (codes or objects with a `code`) in the page language's alphabetical order of
    their names: `{% for c in countries|by_country_name %}{{ c.code|country_name }}`."""
    locale = _locale(context)
    return sorted_names(items, lambda item: i18n.country_name(getattr(item, "code", item), locale), locale)


@pass_context
def _language_name(context, tag: str) -> str:
    """'sr-Latn' -> 'serbe (latin)' on a French page: a language as people name it, never its tag."""
    return i18n.language_name(tag, _locale(context)) if tag else ""


@pass_context
def _current_locale(context) -> str:
    return _locale(context)


@pass_context
def _lang_url(context, code: str) -> str:
    """The current page in language `code`, keeping its other query parameters."""
    request = context.get("request")
    if request is None:
        return "?" + urlencode({"lang": code})
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*params, ("lang", code)])


# The sections of the main menu: (key, address, label); search is the box beside them
SITE_SECTIONS = (
    ("countries", "/countries", mark("Countries")),
    ("forms", "/forms", mark("Forms")),
    ("meetings", "/meetings", mark("Meetings")),
    ("decisions", "/decisions", mark("Decisions")),
)
# The footer's offer of the other interface language, written in that language
UI_LANGUAGE_OFFERS = {"fr": "Version française", "en": "English version"}


def section_of(path: str) -> str | None:
    """The menu section a page belongs to, for aria-current: '/countries/RS/decisions' -> 'decisions'."""
    if path == "/decisions" or path.endswith("/decisions"):
        return "decisions"
    for key in ("countries", "forms", "meetings", "search"):
        if path == f"/{key}" or path.startswith(f"/{key}/"):
            return key
    if path.startswith("/instruments"):
        return "countries"
    return None


@pass_context
def _site_section(context) -> str | None:
    request = context.get("request")
    return section_of(request.url.path) if request is not None else None


def in_lang(text, lang: str) -> Markup:
    """`text` in a span naming its language and direction (isolated from the text around it)."""
    tag = i18n.canonical_tag(lang)
    return Markup('<span lang="{}" dir="{}">{}</span>').format(tag, i18n.text_direction(tag), text)


def bilingual(fr_text, partner_text, partner_lang: str, separator: str = " / ") -> Markup:
    """French next to the partner's language, each laid out in its own direction:
    `bilingual("Formulaire", "استمارة", "ar")`. One span when the partner's language is French
    or its text is missing."""
    french = in_lang(fr_text, "fr")
    if not partner_text or i18n.canonical_tag(partner_lang).split("-")[0] == "fr":
        return Markup('<span class="bilingual">{}</span>').format(french)
    return Markup('<span class="bilingual">{}<span class="separator" aria-hidden="true">{}</span>{}</span>').format(
        french, escape(separator), in_lang(partner_text, partner_lang))


def configure_engine(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext)
    env.globals.update(current_locale=_current_locale, text_direction=i18n.text_direction, lang_url=_lang_url,
                       ui_languages=i18n.UI_LANGUAGE_NAMES, bilingual=bilingual, in_lang=in_lang,
                       site_sections=SITE_SECTIONS, site_section=_site_section, ui_language_offers=UI_LANGUAGE_OFFERS)
    env.filters.update(date=_date, date_range=_date_range, number=_number, amount=_amount, country_name=_country_name,
                       in_lang=in_lang, source_links=source_links, language_name=_language_name,
                       by_country_name=_by_country_name)


def template_config(directories: list[Path]) -> TemplateConfig:
    return TemplateConfig(directory=directories, engine=JinjaTemplateEngine, engine_callback=configure_engine)
