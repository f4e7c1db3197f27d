"""The web interface as a newcomer meets it: every kind of page within three clicks of the home
page in both languages, the map as of a date, words people read (names, not codes or tags or
repository paths), alphabetical order per language, and what a fund filling a form runs into."""

import re
from collections import deque
from datetime import date

import pytest

from agreements.status import Status, status_on
from registry import i18n
from registry.collation import countries_by_name, world_countries
from tests.pages import PAGE_KINDS, kind_of, read_page, same_site_links, text_of

HTML = {"accept": "text/html"}
CLICKS = 3
STAFF_KINDS = {"caisse": {"fill"}, "delegation": {"plan a meeting"},
               "legal": {"record an instrument", "edit an instrument"}, "admin": {"accounts", "audit"}}
PUBLIC_KINDS = {kind for kind, _ in PAGE_KINDS} - set().union(*STAFF_KINDS.values())


def crawl(client, start: str, lang: str) -> dict[str, int]:
    """Breadth first from `start`: kind -> the fewest clicks that reached a page of that kind.
    One page per kind is opened (its links are enough to find the others), so the crawl stays short."""
    reached: dict[str, int] = {}
    queue = deque([(start, 0)])
    opened = set()
    while queue:
        url, clicks = queue.popleft()
        kind = kind_of(url)
        if kind is None or kind in reached or url.startswith(("/api/", "/logout")):
            continue
        reached[kind] = clicks
        if kind == "API documentation" or clicks == CLICKS or url in opened:
            continue
        opened.add(url)
        # the language in the query: the accounts' test clients send a Cookie header of their own,
        # which replaces the language cookie a browser would keep (tests/test_i18n_pages.py checks it)
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}", headers=HTML)
        assert response.status_code == 200, url
        assert re.search(r'<html lang="([^"]+)"', response.text).group(1) == lang, url
        for link in same_site_links(response.text, "http://testserver.local" + url):
            path = link.split("?")[0]
            if path == "/login" and "next=" in link:  # the sign-in offer of a form leads to its fill page
                queue.append((link, clicks + 1))
                queue.append((re.search(r"next=([^&]+)", link).group(1).replace("%2F", "/").split("%3F")[0],
                               clicks + 2))
            queue.append((link, clicks + 1))
    return reached


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_kind_of_page_is_within_three_clicks_of_home(client, login_as, lang):
    anonymous = crawl(client, f"/?lang={lang}", lang)
    assert set(anonymous) >= PUBLIC_KINDS, sorted(PUBLIC_KINDS - set(anonymous))
    assert max(anonymous.values()) <= CLICKS
    for role, kinds in STAFF_KINDS.items():  # e.g. a caisse: home › forms › a form › fill in
        reached = crawl(login_as(role), f"/?lang={lang}", lang)
        assert all(reached.get(kind, CLICKS + 1) <= CLICKS for kind in kinds), (role, kinds, reached)


# --- the map ---------------------------------------------------------------------------------

def map_categories(client, on: str) -> dict[str, str]:
    html = client.get(f"/?on={on}").text
    svg = html[html.index('<svg class="world-map"'):html.index("</svg>")]
    return dict(re.findall(r'<a href="/countries/[A-Z]{2}" aria-label="[^"]+" data-country="([A-Z]{2})" '
                           r'data-category="([a-z_]+)"', svg))


def test_the_map_changes_between_2014_and_2024_and_names_every_partner(client):
    before, after = map_categories(client, "2014-01-01"), map_categories(client, "2024-01-01")
    assert before["BR"] == "signed" and after["BR"] == "in_force"  # signed 2011, in force 1 September 2014
    # on 2014-01-01 only the 1950 Yugoslav convention applied, its entry into force not recorded
    assert before["RS"] == "in_force_unrecorded" and after["RS"] == "in_force"
    partners = {c["code"] for c in client.get("/api/countries").json() if c["instrument_count"]}
    assert set(after) == partners and "FR" not in after
    html = client.get("/?on=2024-01-01&lang=en").text
    assert 'aria-label="Serbia: In force"' in html and 'aria-label="Brazil: In force"' in html
    assert '<table class="countries map-data">' in html and html.count('<tr data-country=') == len(partners)


def test_the_map_of_1960_leaves_out_what_was_signed_later(client):
    html = client.get("/?on=1960-01-01&lang=en").text
    table = html[html.index('<table class="countries map-data">'):]
    assert "Not yet signed" not in html
    assert 'data-country="BR" data-category="none"' in table  # Brazil: nothing signed before 2011
    serbia = client.get("/countries/RS?on=1960-01-01&lang=en").text
    assert "2014-11-06-accord" in serbia  # the timeline still shows what came later
    assert 'id="2014-11-06-accord"' not in serbia and "4 instruments signed after" in serbia


@pytest.mark.parametrize("on,message", [("bad", "a date as YYYY-MM-DD"), ("1850-01-01", "from 1900-01-01")])
def test_a_bad_map_date_shows_the_page_again_with_the_field_named(client, on, message):
    response = client.get(f"/?on={on}&lang=en", headers=HTML)
    assert response.status_code == 400
    assert f'value="{on}" min="1900-01-01" aria-invalid="true" aria-describedby="on-error"' in response.text
    assert "parameter 'on'" in text_of(response.text) and message in response.text and '<svg class="world-map"' in response.text


# --- status as a jurist reads it --------------------------------------------------------------

def test_an_instrument_without_any_date_is_date_unknown():
    assert status_on(date(2024, 1, 1), None, None, None).status is Status.date_unknown
    assert status_on(date(2024, 1, 1), date(1950, 1, 5), None, None).in_force_date_unknown
    assert not status_on(date(1940, 1, 1), date(1950, 1, 5), None, None).existed


def test_statuses_shown_for_undated_and_lapsed_instruments(client):
    (cape_verde,) = client.get("/api/instruments", params={"country": "CV"}).json()
    assert cape_verde["status"] == "date_unknown" and cape_verde["signed_on"] is None
    andorra = {i["slug"]: i for i in client.get("/api/instruments", params={"country": "AD", "on": "2000-01-01"}).json()}
    lapsed = andorra["1970-06-09-arrangement"]
    assert lapsed["terminated_on"] == "1993-05-04" and lapsed["status"] == "terminated"
    assert "4 mai 1993" in lapsed["source"] and "senat.fr" in lapsed["source"]
    page = client.get("/countries/CV?lang=fr").text
    assert '<span class="badge status-date_unknown">Date inconnue</span>' in page and "badge status-in_force" not in page


# --- words people read -----------------------------------------------------------------------

REPOSITORY_PATH = re.compile(r"\b(?:shared|agreements|forms|registry|locales|tests)/[\w./-]+")
RAW_TAG = re.compile(r"\b[a-z]{2,3}-(?:[A-Z][a-z]{3}|[A-Z]{2})\b|\((?:fr|en|sr|ca|es|pt|ar)\)")
FORM_CODE = re.compile(r"\b[A-Z]{2}\s\d{3}[-.]\d{2}\b")
WRITTEN_BY_PROJECT = re.compile(r"(?:rédigée?s?|produite?s?) par le projet|the project’s", re.I)


def public_pages(client) -> list[str]:
    andorran = re.search(r'href="(/meetings/\d+)"', client.get("/meetings?country=AD").text).group(1)
    return ["/", "/?on=1960-01-01", "/countries", "/countries/RS", "/countries/AD", "/countries/DE", "/countries/CV",
            "/countries/RS/instruments/2014-11-06-accord", "/countries/DE/instruments/1981-05-26-accord",
            "/countries/RS/instruments/2014-11-06-accord/history", "/countries/RS/decisions", "/decisions",
            "/forms", "/forms/SE-121-01", "/forms/SE-350-07", "/forms/SE-416-01", "/forms/SE-416-04/compare",
            "/forms/SE-121-01/compare", "/meetings", "/meetings?country=AD", "/meetings/actions", andorran,
            "/search?q=accord", "/search?q=formulaire&country=RS", "/about", "/login", "/countries/ZZ", "/nowhere"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_public_page_shows_a_repository_path_a_raw_tag_or_a_bare_country_code(client, session, lang):
    from sqlmodel import select

    from registry.models import Country

    codes = {c.code for c in session.exec(select(Country)).all()}
    bare_code = re.compile(r"(?<![\w-])(" + "|".join(sorted(codes)) + r")(?![\w-])")
    for path in public_pages(client):
        separator = "&" if "?" in path else "?"
        text = text_of(client.get(f"{path}{separator}lang={lang}", headers=HTML).text)
        assert not REPOSITORY_PATH.search(text), (path, REPOSITORY_PATH.search(text))
        assert not RAW_TAG.search(text), (path, RAW_TAG.search(text))
        assert not WRITTEN_BY_PROJECT.search(text), (path, WRITTEN_BY_PROJECT.search(text))
        found = bare_code.search(FORM_CODE.sub("", text))
        assert not found, (path, found, text[max(0, found.start() - 60):found.end() + 60] if found else "")


def test_illustrative_model_is_said_once_in_the_page_language(client):
    for lang, words in (("fr", "modèle illustratif"), ("en", "illustrative model")):
        assert text_of(client.get(f"/forms/SE-121-01?lang={lang}").text).count(words) == 1
        assert text_of(client.get(f"/forms?lang={lang}").text).count(words) == 1


def test_sources_are_links_named_by_their_titles(client):
    html = client.get("/countries/DZ/instruments/1980-10-01-convention").text
    assert re.search(r'<a href="https://pdfslide\.fr/[^"]+" rel="noopener noreferrer">Cleiss, Accords de sécurité '
                     r"sociale entre la France et l&#39;Algérie, mis à jour février 2019</a>", html)
    page = client.get("/countries/AD").text
    assert '<a href="https://www.cleiss.fr/docs/textes/conv_andorre.html" rel="noopener noreferrer" lang="zxx">cleiss.fr</a>' in page


def test_languages_are_named_not_tagged(client):
    assert i18n.language_name("sr-Latn", "fr") == "serbe (latin)"
    page = text_of(client.get("/forms/SE-121-01?lang=en").text)
    assert "Serbian (Latin)" in page and "sr-Latn" not in page


# --- order of names --------------------------------------------------------------------------

def test_names_sort_in_each_languages_order(client):
    assert [n for _c, n in countries_by_name(["BR", "BJ", "US", "ES"], "fr")] == ["Bénin", "Brésil", "Espagne", "États-Unis"]
    assert [n for _c, n in countries_by_name(["DE", "GA", "GE"], "en")] == ["Gabon", "Georgia", "Germany"]
    french = text_of(client.get("/countries?lang=fr").text)
    assert french.index("Bénin") < french.index("Brésil") < french.index("Canada")
    assert french.index("Côte d’Ivoire") < french.index("États-Unis") < french.index("Gabon")  # É among the E
    english = text_of(client.get("/?lang=en").text.split('<table class="countries map-data">')[1])
    assert english.index("Gabon") < english.index("Germany") < english.index("Guernsey")
    assert english.index("Algeria") < english.index("Germany")  # English order, not the French names'


# --- forms for the funds ----------------------------------------------------------------------

def test_form_page_says_who_may_fill_in_and_offers_sign_in_back_to_the_fill_page(client, login_as):
    page = client.get("/forms/SE-121-01?lang=en&on=2024-01-01").text
    assert "Filling in forms online is for the social-security funds" in page
    assert 'href="/login?next=/forms/SE-121-01/fill%3Fon%3D2024-01-01"' in page
    assert "/api/forms/SE-121-01/blank?format=docx" in page and "/api/forms/SE-121-01/blank?format=pdf" in page
    assert "/versions/1/template" not in page  # the raw template is a staff tool
    assert "Template file for staff (DOCX)" in login_as("legal").get("/forms/SE-121-01?lang=en").text
    refused = client.get("/forms/SE-121-01/fill?on=2024-01-01", headers=HTML)
    assert refused.status_code == 401 and 'href="/login?next=/forms/SE-121-01/fill%3Fon%3D2024-01-01"' in refused.text
    assert 'href="/forms/SE-121-01/fill?on=' in login_as("caisse").get("/forms/SE-121-01").text


def test_login_brings_the_fund_back_to_the_fill_page(client, make_user):
    from registry.web.security_middleware import CSRF_COOKIE
    from tests.conftest import TEST_PASSWORD, own_jar

    browser = own_jar(client)  # on https, as the cookies are Secure
    user = make_user("caisse")
    login = browser.get("/login?next=/forms/SE-121-01/fill%3Fon%3D2024-01-01")
    assert 'value="/forms/SE-121-01/fill?on=2024-01-01"' in login.text
    answer = browser.post("/login", data={"username": user.username, "password": TEST_PASSWORD,
                                          "_csrf_token": browser.cookies.get(CSRF_COOKIE),
                                          "next": "/forms/SE-121-01/fill?on=2024-01-01"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/forms/SE-121-01/fill?on=2024-01-01"
    assert browser.get(answer.headers["location"]).status_code == 200


def test_fill_page_offers_every_country_and_checks_dates(login_as):
    caisse = login_as("caisse")
    page = caisse.get("/forms/SE-121-01/fill?lang=fr").text
    nationality = page[page.index('id="worker.nationality"'):].split("</select>")[0]
    names = re.findall(r"<option value=\"[A-Z]{2}\"[^>]*>([^<]+)</option>", nationality)
    assert len(names) == len(world_countries("fr")) > 240 and "Japon" in names and "Serbie" in names
    assert names.index("Bénin") < names.index("Brésil") and names.index("Espagne") < names.index("États-Unis")
    assert f'max="{date.today().isoformat()}"' in page  # the birth date input
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    answer = caisse.post("/forms/SE-121-01/fill?on=2024-01-01", data={
        "_csrf_token": token, "worker.birth_date": "2999-01-01", "posting.start": "2024-05-01",
        "posting.end": "2024-02-01", "_format": "docx"}, headers={"accept-language": "fr"})
    assert answer.status_code == 422
    assert "une date de naissance ne peut pas être dans le futur" in answer.text
    assert "la fin ne peut pas précéder le début (2024-05-01)" in answer.text
    summary = answer.text.split('class="error-summary"')[1].split("</nav>")[0]
    assert '<a href="#worker.birth_date">' in summary and '<a href="#posting.end">' in summary


def test_a_form_with_one_version_has_nothing_to_compare(login_as, api_client_as):
    body = {"code": "SE 121-33", "country_code": "RS", "instrument_slug": "2014-11-06-accord",
            "title_fr": "Demande de pension d'invalidité", "title_partner": "Zahtev za invalidsku penziju",
            "partner_language": "sr-Latn", "risk": "invalidity", "direction": "both", "code_confirmed": False}
    legal = api_client_as("legal")
    assert legal.post("/api/forms", json=body).status_code == 201
    assert legal.post("/api/forms/SE-121-33/versions", json={"label": "2026-12"}).status_code == 201
    page = login_as("legal").get("/forms/SE-121-33/compare?lang=en").text  # a draft: staff only
    assert "nothing to compare yet" in page and "compared with version 1" not in page


# --- the chrome --------------------------------------------------------------------------------

def test_every_page_has_the_menu_search_box_footer_and_breadcrumbs(client):
    for path in ("/countries/RS/instruments/2014-11-06-accord", "/nowhere", "/countries/ZZ"):
        html = client.get(path, headers=HTML).text
        reader = read_page(html)
        assert {"/countries", "/forms", "/meetings", "/decisions", "/about", "/schema", "/search"} <= set(reader.links)
        assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    crumbs = text_of(client.get("/countries/RS/instruments/2014-11-06-accord").text.split('<ol>')[1]
                     .split("</nav>")[0])
    assert re.sub(r"\s+", " ", crumbs).strip() == "Pays › Serbie › Accord du 6 novembre 2014"
    menu = client.get("/forms?lang=en").text.split('aria-label="Main menu"')[1].split("</nav>")[0]
    assert '<a href="/forms" aria-current="page">Forms</a>' in menu


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"
