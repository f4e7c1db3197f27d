"""Languages without the web: tags, negotiation, formatting per language, direction, bilingual spans."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from markupsafe import Markup

from registry import i18n
from registry.web.templating import bilingual, in_lang

DECEMBER_1 = date(2023, 12, 1)


@pytest.mark.parametrize("lang,expected", [
    ("fr", "1er décembre 2023"),
    ("en", "December 1, 2023"),
    ("sr-Latn", "1. decembar 2023."),
    ("sr-Cyrl", "1. децембар 2023."),
    ("pt-BR", "1º de dezembro de 2023"),
    ("pt-PT", "1 de dezembro de 2023"),
    ("es", "1 de diciembre de 2023"),
    ("ca", "1 de desembre del 2023"),
    ("ar", "1 ديسمبر 2023"),
])
def test_first_of_december_2023_in_each_language(lang, expected):
    assert i18n.format_date(DECEMBER_1, lang) == expected


@pytest.mark.parametrize("value,lang,fmt,expected", [
    (DECEMBER_1, "fr", "full", "vendredi 1er décembre 2023"),
    (DECEMBER_1, "fr", "medium", "1er déc. 2023"),
    (DECEMBER_1, "fr", "short", "01/12/2023"),        # numeric: no ordinal
    (date(2023, 12, 11), "fr", "long", "11 décembre 2023"),
    (date(2023, 12, 21), "fr", "long", "21 décembre 2023"),
    (DECEMBER_1, "fr-CA", "long", "1er décembre 2023"),  # the override follows the language
    (DECEMBER_1, "fr", "d MMMM y", "1er décembre 2023"),  # and explicit patterns
    (DECEMBER_1, "sr-Latn", "full", "petak, 1. decembar 2023."),
])
def test_date_formats_and_overrides(value, lang, fmt, expected):
    assert i18n.format_date(value, lang, fmt) == expected


def test_missing_date_formats_as_empty():
    assert i18n.format_date(None, "fr") == ""


@pytest.mark.parametrize("tag", ["sr@latin", "sr_Latn_RS", "sr-latn", "sr-Latn-RS", "sr"])
def test_serbian_spellings_format_in_latin(tag):
    # babel reads sr@latin as a modifier and would write Cyrillic; a bare `sr` is Latin here
    assert i18n.format_date(DECEMBER_1, tag) == "1. decembar 2023."


@pytest.mark.parametrize("lang,expected", [
    ("fr", "1\u202f234\u202f567,891"), ("en", "1,234,567.891"), ("sr-Latn", "1.234.567,891"),
    ("pt-PT", "1\xa0234\xa0567,891"), ("ar", "1,234,567.891"),
])
def test_numbers(lang, expected):
    assert i18n.format_number(Decimal("1234567.891"), lang) == expected


@pytest.mark.parametrize("lang,currency,expected", [
    ("fr", "EUR", "1\u202f234,50\xa0€"), ("en", "EUR", "€1,234.50"), ("sr-Latn", "RSD", "1.234,50\xa0RSD"),
    ("es", "EUR", "1.234,50\xa0€"), ("pt-BR", "BRL", "R$\xa01.234,50"),
])
def test_amounts(lang, currency, expected):
    assert i18n.format_amount(Decimal("1234.50"), currency, lang) == expected


@pytest.mark.parametrize("code,lang,expected", [
    ("RS", "sr-Cyrl", "Србија"), ("RS", "sr-Latn", "Srbija"), ("FR", "ar", "فرنسا"), ("BR", "pt-BR", "Brasil"),
    ("CG", "fr", "Congo"), ("cg", "en", "Republic of the Congo"), ("BA", "en", "Bosnia and Herzegovina"),
    ("AD", "ca", "Andorra"), ("MA", "fr", "Maroc"),
])
def test_country_names(code, lang, expected):
    assert i18n.country_name(code, lang) == expected


def test_country_names_agree_with_the_shipped_names():
    from agreements.reference import read_rows

    def plain(text):
        return text.replace("\u2019", "'")

    wrong = [(row["code"], lang, i18n.country_name(row["code"], lang), row[f"name_{lang}"])
             for row in read_rows("countries.csv") for lang in ("fr", "en")
             if plain(i18n.country_name(row["code"], lang)) != plain(row[f"name_{lang}"])]
    assert not wrong


@pytest.mark.parametrize("tag,expected", [
    ("sr_latn_rs", "sr-Latn-RS"), ("sr@latin", "sr-Latn"), ("sr@cyrillic", "sr-Cyrl"), ("PT-br", "pt-BR"),
    ("en", "en"), (" fr_FR ", "fr-FR"), ("zh-hant-tw", "zh-Hant-TW"),
])
def test_canonical_tags(tag, expected):
    assert i18n.canonical_tag(tag) == expected


def test_fallback_chain_handles_scripts_and_regions():
    assert i18n.fallback_chain("sr-Latn-RS") == ["sr-Latn-RS", "sr-Latn", "sr"]
    assert i18n.fallback_chain("sr_Latn_RS") == ["sr-Latn-RS", "sr-Latn", "sr"]
    assert i18n.babel_locale("sr-Latn-RS").script == "Latn"
    assert i18n.babel_locale("sr-Cyrl-XK").script == "Cyrl"


@pytest.mark.parametrize("tag,expected", [
    ("en-GB", "en"), ("EN", "en"), ("fr-CA", "fr"), ("fr-Latn-FR", "fr"), ("de", None), ("", None), (None, None),
])
def test_interface_locale_matching(tag, expected):
    assert i18n.match_ui_locale(tag) == expected


@pytest.mark.parametrize("query,cookie,header,expected", [
    ("en", "fr", "fr", "en"),                          # ?lang= first
    (None, "en", "fr-FR", "en"),                       # then the cookie
    ("de", "en", None, "en"),                          # an unknown ?lang= is ignored
    (None, None, "de-DE, en-GB;q=0.8, fr;q=0.5", "en"),  # then Accept-Language by quality
    (None, None, "fr;q=0.2, en;q=0.9", "en"),
    (None, None, "en;q=0, de", "fr"),                  # q=0 means "not this one"
    (None, None, "sr-Latn-RS, de", "fr"),              # then French
    (None, None, None, "fr"),
])
def test_negotiation_order(query, cookie, header, expected):
    assert i18n.negotiate(query, cookie, header) == expected


def test_negotiation_default_is_a_setting():
    assert i18n.negotiate(None, None, "de", default="en") == "en"
    assert i18n.negotiate(None, None, "de", default="xx") == "fr"


@pytest.mark.parametrize("tag,direction", [("ar", "rtl"), ("ar-MA", "rtl"), ("he", "rtl"), ("fr", "ltr"), ("sr-Cyrl", "ltr")])
def test_text_direction(tag, direction):
    assert i18n.text_direction(tag) == direction
    assert i18n.is_rtl(tag) == (direction == "rtl")


def test_bilingual_lays_arabic_out_right_to_left_next_to_french():
    html = bilingual("Demande de pension", "طلب معاش", "ar")
    assert isinstance(html, Markup)
    assert '<span lang="fr" dir="ltr">Demande de pension</span>' in html
    assert '<span lang="ar" dir="rtl">طلب معاش</span>' in html
    assert html.index('lang="fr"') < html.index('lang="ar"')


def test_bilingual_escapes_and_names_the_script():
    html = bilingual("<b>Nom</b>", "Ime & prezime", "sr_Latn")
    assert "&lt;b&gt;Nom&lt;/b&gt;" in html and '<span lang="sr-Latn" dir="ltr">Ime &amp; prezime</span>' in html


def test_bilingual_with_a_french_speaking_partner_shows_french_once():
    assert bilingual("Formulaire", "Formulaire", "fr").count("Formulaire") == 1
    assert bilingual("Formulaire", "", "ar").count("<span lang") == 1


def test_in_lang_marks_one_text():
    assert in_lang("שלום", "he") == Markup('<span lang="he" dir="rtl">שלום</span>')


def render(source: str, locale: str | None = None, **context) -> str:
    from litestar.plugins.jinja import JinjaTemplateEngine

    from registry.web.i18n_middleware import INTERFACE_LOCALE
    from registry.web.templating import configure_engine

    engine = JinjaTemplateEngine(directory=Path(__file__).parent)
    configure_engine(engine)
    token = INTERFACE_LOCALE.set(locale)
    try:
        return engine.engine.from_string(source).render(**context)
    finally:
        INTERFACE_LOCALE.reset(token)


def test_templates_translate_with_gettext_trans_blocks_and_filters():
    source = ('{{ _("Sickness") }}|{% trans %}Sickness{% endtrans %}|{{ _("Risks covered on %(date)s", date=d|date) }}'
              '|{{ 1234.5|amount }}|{{ "RS"|country_name }}')
    assert render(source, "fr", d=DECEMBER_1) == "Maladie|Maladie|Risques couverts au 1er décembre 2023|1\u202f234,50\xa0€|Serbie"
    assert render(source, "en", d=DECEMBER_1) == "Sickness|Sickness|Risks covered on December 1, 2023|€1,234.50|Serbia"


def test_template_variables_are_escaped_inside_translations():
    assert render('{{ _("confidence: %(level)s", level=x) }}', "en", x="<b>") == "confidence: &lt;b&gt;"


def test_bilingual_is_a_template_global():
    assert render('{{ bilingual("Nom", "الاسم", "ar") }}') == (
        '<span class="bilingual"><span lang="fr" dir="ltr">Nom</span><span class="separator" aria-hidden="true">'
        ' / </span><span lang="ar" dir="rtl">الاسم</span></span>')


def test_a_span_of_days_is_written_as_cldr_writes_it_in_each_language():
    start, end = date(2023, 10, 26), date(2023, 10, 27)
    assert i18n.format_date_range(start, end, "fr") == "26–27 oct. 2023"
    assert i18n.format_date_range(start, end, "en") == "Oct 26\u2009–\u200927, 2023"  # CLDR's thin spaces
    assert i18n.format_date_range(date(2023, 9, 30), date(2023, 10, 2), "es") == "30 sept\u2009–\u20092 oct 2023"
    assert i18n.format_date_range(start, start, "fr") == "26 oct. 2023"
