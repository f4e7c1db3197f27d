"""The interface language on the web: negotiation, the switch and its cookie, translated errors,
and no interface sentence left in the other language on the main pages."""

import re
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from registry import i18n
from registry.web.i18n_middleware import LANG_COOKIE

HTML = {"accept": "text/html"}


def html_lang(text: str) -> str:
    return re.search(r'<html lang="([^"]+)" dir="([^"]+)"', text).group(1)


# --- negotiation and the switch -------------------------------------------------------------

def test_home_page_is_french_by_default(client):
    response = client.get("/")
    assert html_lang(response.text) == "fr" and 'dir="ltr"' in response.text
    assert "Les accords bilatéraux de sécurité sociale de la France" in response.text
    assert LANG_COOKIE not in response.headers.get("set-cookie", "")


def test_lang_query_shows_english_and_sets_the_cookie(client):
    response = client.get("/?lang=en")
    assert html_lang(response.text) == "en"
    assert "France's bilateral social-security agreements" in response.text
    cookie = response.headers["set-cookie"]
    assert f"{LANG_COOKIE}=en" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_the_switch_keeps_the_choice_across_pages(client):
    home = client.get("/?lang=en")
    assert '<a lang="fr" hreflang="fr" href="/?lang=fr">Français</a>' in home.text
    country = client.get("/countries/RS")                     # no ?lang=: the cookie decides
    assert html_lang(country.text) == "en" and "<h2>Instruments</h2>" in country.text
    switch = re.search(r'<a lang="fr" hreflang="fr" href="([^"]+)"', country.text).group(1)
    assert switch == "/countries/RS?lang=fr"
    assert html_lang(client.get(switch).text) == "fr"
    assert html_lang(client.get("/").text) == "fr"             # and the new choice sticks


def test_the_switch_keeps_the_other_query_parameters(client):
    page = client.get("/countries/RS?on=2020-01-01&lang=fr")
    assert 'href="/countries/RS?on=2020-01-01&amp;lang=en"' in page.text


@pytest.mark.parametrize("header,expected", [("en-GB,en;q=0.9", "en"), ("de-DE, en;q=0.5", "en"),
                                             ("sr-Latn-RS", "fr"), ("fr-CA", "fr")])
def test_accept_language(client, header, expected):
    assert html_lang(client.get("/", headers={"accept-language": header}).text) == expected


def test_query_beats_cookie_beats_accept_language(client):
    client.cookies.set(LANG_COOKIE, "en")
    assert html_lang(client.get("/", headers={"accept-language": "fr"}).text) == "en"
    assert html_lang(client.get("/?lang=fr", headers={"accept-language": "en"}).text) == "fr"


def test_responses_vary_on_the_negotiation_inputs(client):
    assert "Accept-Language" in client.get("/").headers["vary"]


# --- errors in the chosen language ------------------------------------------------------------

def test_bad_parameter_in_french_and_english(client):
    fr = client.get("/api/countries/RS?on=demain", headers={"accept-language": "fr"}).json()
    en = client.get("/api/countries/RS?on=demain&lang=en").json()
    assert fr["detail"] == ("valeur 'demain' non valide pour le paramètre «\xa0on\xa0»\xa0: "
                            "on attend une date au format AAAA-MM-JJ")
    assert en["detail"] == "invalid value 'demain' for parameter 'on': expected a date as YYYY-MM-DD"
    assert fr["extra"] == en["extra"] == {"parameter": "on", "value": "demain", "expected": "a date as YYYY-MM-DD"}


def test_rejected_choice_lists_the_accepted_values_in_both_languages(client):
    from registry.web.params import BadParameter

    error = BadParameter("kind", "treaty", "one of %(accepted)s", ["agreement", "protocol"])
    assert error.detail_in("fr").endswith("on attend l’une des valeurs agreement, protocol")
    assert error.detail_in("en").endswith("expected one of agreement, protocol")
    assert error.extra == {"parameter": "kind", "value": "treaty", "expected": "one of agreement, protocol",
                           "accepted": ["agreement", "protocol"]}


def test_unknown_country_is_404_in_the_request_language(client):
    fr = client.get("/api/countries/ZZ")
    en = client.get("/api/countries/ZZ", headers={"accept-language": "en"})
    assert fr.status_code == en.status_code == 404
    assert fr.json()["detail"] == "code pays inconnu 'ZZ'" and en.json()["detail"] == "unknown country code 'ZZ'"
    assert fr.json()["extra"] == {"country": "ZZ"}


def test_error_pages_are_pages_in_the_chosen_language(client):
    page = client.get("/countries/ZZ?lang=en", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert html_lang(page.text) == "en" and "<h1>Not found</h1>" in page.text and "unknown country code" in page.text
    page = client.get("/?on=bad&lang=fr", headers=HTML)  # the home page again, the date field named
    assert page.status_code == 400 and 'id="on" name="on" value="bad"' in page.text and 'aria-invalid="true"' in page.text
    assert "«\xa0on\xa0»" in page.text and "AAAA-MM-JJ" in page.text


def test_unknown_path_says_not_found_in_french(client):
    assert client.get("/nowhere", headers={"accept": "application/json"}).json()["detail"] == "Introuvable"
    page = client.get("/nowhere", headers={**HTML, "accept-language": "en"})
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.text


# --- no sentence of the other language ----------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TEXT_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
FRENCH_WORDS = {"le", "la", "les", "des", "du", "au", "aux", "et", "un", "une", "pour", "par", "avec", "sans",
                "sur", "dans", "est", "sont", "pas", "aucun", "aucune", "cette", "ces", "qui", "que", "à"}
ENGLISH_WORDS = {"the", "of", "and", "with", "for", "not", "no", "is", "are", "by", "to", "from", "this", "that",
                 "none", "yet", "on", "in", "at", "or", "an", "as"}


class TextByLanguage(HTMLParser):
    """Visible text and text attributes, each with the language of its element."""

    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [("", page_lang)]
        self.segments: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang") or self.stack[-1][1]
        self.segments += [(attrs[name], lang) for name in TEXT_ATTRIBUTES if attrs.get(name)]
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        while len(self.stack) > 1:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack[-1][0] not in ("script", "style") and data.strip():
            self.segments.append((data, self.stack[-1][1]))


def words_of(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 1 or w == "à"}


def vocabularies() -> tuple[set[str], set[str]]:
    """(words only French uses, words only English uses), from the catalogs and common words."""
    def words(text: str) -> set[str]:
        return words_of(re.sub(r"%\(\w+\)\w", " ", text))  # not the placeholders' names

    french, english = set(), set()
    for lang, found in (("fr", french), ("en", english)):
        for key, text in i18n.translations(lang)._catalog.items():
            found |= words(text)
            if lang == "en":
                found |= words(key if isinstance(key, str) else key[0])
    return (french | FRENCH_WORDS) - english, (english | ENGLISH_WORDS) - french


def strip_data(text: str, data: list[str]) -> str:
    """Remove the data (titles, names, sources: each in its own language) and their truncations."""
    for value in data:
        text = text.replace(value, " ")
    while "…" in text:
        before, _, after = text.partition("…")
        cut = next((i for i in range(len(before)) if len(before) - i >= 10
                    and any(v.startswith(before[i:].strip()) for v in data)), len(before))
        text = before[:cut] + " " + after
    return text


def foreign_words(page: str, page_lang: str, data: list[str]) -> set[str]:
    parser = TextByLanguage(page_lang)
    parser.feed(page)
    text = " ".join(t for t, lang in parser.segments if lang.split("-")[0] == page_lang)
    only_french, only_english = vocabularies()
    return words_of(strip_data(text, data)) & (only_french if page_lang == "en" else only_english)


@pytest.fixture
def data_strings(session) -> list[str]:
    from agreements.meetings.models import AgendaItem, Decision, Meeting
    from agreements.models import Instrument
    from forms.models import Form
    from registry.models import Country, Institution, LiaisonBody

    fields = {Country: ("name_fr", "name_en"),
              Instrument: ("title_fr", "title_partner", "party_name_fr", "party_name_en", "legal_reference",
                           "replaces_text", "source"),
              LiaisonBody: ("name", "name_fr", "acronym", "source"), Institution: ("name", "acronym", "source"),
              Form: ("title_fr", "title_partner", "articles", "purpose", "note", "source"),
              Meeting: ("title_fr", "title_partner", "place"), AgendaItem: ("title_fr", "title_partner"),
              Decision: ("text_fr", "text_partner")}
    values = {getattr(row, name, "") for model, names in fields.items()
              for row in session.exec(select(model)).all() for name in names}
    # country names as CLDR writes them in each UI language ("Côte d’Ivoire" is English too)
    values |= {i18n.country_name(c.code, lang) for c in session.exec(select(Country)).all() for lang in i18n.UI_LOCALES}
    return sorted((v for v in values if v and v.strip()), key=len, reverse=True)


PAGES = ["/", "/countries/RS", "/countries/DZ", "/countries/AD", "/countries/RS/instruments/2014-11-06-accord",
         "/countries/ZZ", "/?on=bad", "/search?q=accord&country=RS&kind=instrument&since=2014&until=2018",
         "/search?q=accord&since=2020&until=2019", "/meetings", "/forms/SE-121-01", "/forms/SE-416-04/versions/2",
         "/decisions/1"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", i18n.UI_LOCALES)
def test_main_pages_hold_no_sentence_of_the_other_language(client, data_strings, path, lang):
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}lang={lang}", headers=HTML)
    assert response.headers["content-type"].startswith("text/html") and html_lang(response.text) == lang
    assert not foreign_words(response.text, lang, data_strings)


def test_the_detector_finds_a_forgotten_string():
    page = ('<html lang="en"><body><h1>France\'s agreements</h1><p title="Aucun accord">'
            '<span lang="fr">Accord franco-serbe</span> Dénoncé le 1er mai</p></body></html>')
    assert foreign_words(page, "en", []) == {"aucun", "accord", "dénoncé", "le"}
    assert foreign_words('<html lang="fr"><p>Textes: none yet</p>', "fr", []) == {"none", "yet"}
    assert not foreign_words('<html lang="fr"><p>Convention générale de sécurité sociale…</p>', "en",
                             ["Convention générale de sécurité sociale entre la France et la Serbie"])
