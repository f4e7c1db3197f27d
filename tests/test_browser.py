"""Pages in a real browser (Debian's chromium, driven by Playwright) against `registry run`.

Besides a few page checks, the journeys of the registry's users: a fund (caisse) filling a
bilingual form, a delegation planning the next session, the public kept away from restricted
minutes, an English reader of bilingual minutes. Accounts are created with the CLI, as an
administrator would, and people log in through the login page."""

import re
import secrets

import pytest

from agreements.services.texts import docx_text
from tests.conftest import missing_dependency
from tests.live_server import CHROMIUM_ARGS, LiveRegistry, chromium_path, live_registry

pytestmark = pytest.mark.browser

# a CI run may share the CPU: waits are generous, none is a sleep
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_registry(tmp_path_factory.mktemp("live") / "var") as registry:
        yield registry


@pytest.fixture(scope="module")
def base_url(live: LiveRegistry) -> str:
    # The server runs with REGISTRY_ENVIRONMENT=test, so its cookies (session, CSRF, device) are
    # Secure. Chromium keeps Secure cookies sent over plain http by 127.0.0.1 as well as by
    # localhost (both are "potentially trustworthy" origins, a secure context): checked with
    # Debian's chromium 156, logging in on http://127.0.0.1 and on http://localhost both keep
    # registry_session, registry_csrf and registry_device and send them back. So the browser uses
    # the address the server listens on; localhost would only add a name lookup.
    return live.url


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        missing_dependency("chromium is not installed (Debian package chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser):
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(2 * TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = new_page(browser)
    yield page
    context.close()


@pytest.fixture
def other_page(browser):
    """A second browser, with cookies of its own (another person)."""
    context, page = new_page(browser)
    yield page
    context.close()


def account(live: LiveRegistry, role: str, countries: tuple[str, ...] = ()) -> tuple[str, str]:
    """A new account made with `registry users create … --password-stdin`: (username, password)."""
    username = f"{role}-{secrets.token_hex(3)}"
    password = "Mot de passe " + secrets.token_urlsafe(9)
    live.create_account(username, role, password, countries)
    return username, password


def log_in(page, base_url: str, username: str, password: str, next_path: str = "/") -> None:
    """As a person does: the login page, both fields, the button."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login?next={next_path}")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("navigation", name="Compte")).to_contain_text(username)
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


# --- pages -------------------------------------------------------------------------------------


def test_serbian_country_page_draws_the_timeline(page, base_url):
    page.goto(f"{base_url}/countries/RS?on=2024-01-01")
    svg = page.locator("svg.timeline")
    box = svg.bounding_box()
    assert box and box["width"] > 500 and box["height"] > 100
    assert svg.locator("g.lane[class*='kind-']").count() == 5  # one lane per instrument; meetings add theirs
    assert svg.locator("rect.period.in_force").count() >= 3
    assert svg.locator("path.mark.terminated").count() == 2
    labels = [label.text_content() for label in svg.locator("text.label").all()]
    assert any(label.startswith("2014 · Accord de sécurité sociale") for label in labels)


def test_timeline_links_lead_to_the_instrument(page, base_url):
    page.goto(f"{base_url}/countries/RS")
    page.locator("svg.timeline a", has_text="2018 · Arrangement").click()
    page.wait_for_url("**/countries/RS/instruments/2018-03-15-arrangement")
    assert "implements" in page.content() or "met en œuvre" in page.content()


def test_home_page_is_french_by_default_and_switches_to_english(page, base_url):
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.locator("nav.langs a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{base_url}/countries/RS")
    assert page.locator("html").get_attribute("lang") == "en"


# --- journey 1: a caisse fills a bilingual Serbian form -----------------------------------------

SE_121_01_TITLE_FR = "Certificat de détachement"
SE_121_01_TITLE_SR = "Potvrda o upućivanju na rad"


def open_serbian_posting_form(page, base_url: str):
    """From the catalog to the fill page of SE 121-01 (its address uses the slug the catalog links)."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/forms?country=RS")
    page.get_by_role("link", name="SE 121-01", exact=True).click()
    page.wait_for_url(re.compile(r"/forms/SE-121-01$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(SE_121_01_TITLE_SR)
    page.get_by_role("link", name="Remplir ce formulaire").click()
    page.wait_for_url(re.compile(r"/forms/SE-121-01/fill"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"SE 121-01 — {SE_121_01_TITLE_FR}")
    expect(page.get_by_text(SE_121_01_TITLE_SR, exact=True)).to_be_visible()


def fill_address(group, street: str, postal_code: str, city: str, country: str) -> None:
    group.get_by_label("Rue").fill(street)
    group.get_by_label("Code postal").fill(postal_code)
    group.get_by_label("Ville").fill(city)
    group.get_by_label("Pays").select_option(label=country)


def fill_posting_certificate(page) -> None:
    """The required fields of SE 121-01, with the values of its sample (forms/catalog/SE-121-01/sample.json)
    and a Serbian worker."""
    page.get_by_label("Nom ou raison sociale / Naziv poslodavca").fill("Ingénierie Rhône-Danube SAS")
    page.get_by_label("Numéro d'identification (SIRET en France").fill("85234178900027")
    fill_address(page.get_by_role("group", name="Adresse / Adresa", exact=False).first,
                 "14, quai Perrache", "69002", "Lyon", "France")
    page.get_by_label("Nom / Prezime").fill("Petrović")
    page.get_by_label("Prénom(s) / Ime").fill("Đorđe")
    page.get_by_label("Date de naissance / Datum rođenja").fill("1984-12-03")
    page.get_by_label("Nationalité / Državljanstvo").select_option(label="Serbie")
    page.get_by_label("Entreprise où le travail est effectué").fill("Beogradski vodovod i kanalizacija d.o.o.")
    fill_address(page.get_by_role("group", name="Adresse du lieu de travail / Adresa mesta rada"),
                 "Kneza Miloša 27", "11000", "Beograd", "Serbie")
    page.get_by_label("Début du détachement / Početak upućivanja").fill("2024-02-01")
    page.get_by_label("Fin prévue du détachement / Predviđeni završetak upućivanja").fill("2025-07-31")
    page.get_by_label("Institution compétente / Nadležna ustanova").fill("Caisse primaire d'assurance maladie du Rhône")
    page.get_by_label("Fait à / Mesto").fill("Lyon")
    page.get_by_label("Le / Datum").fill("2024-01-15")


def a_caisse_fills_the_posting_certificate(page, base_url: str, live: LiveRegistry) -> None:
    """A new caisse account logs in, finds SE 121-01 and fills every required field."""
    username, password = account(live, "caisse")
    log_in(page, base_url, username, password)
    open_serbian_posting_form(page, base_url)
    fill_posting_certificate(page)


def test_caisse_fills_a_serbian_form_and_downloads_it(page, base_url, live):
    a_caisse_fills_the_posting_certificate(page, base_url, live)
    page.get_by_label("Format").select_option(label="DOCX")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Produire le document").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("SE-121-01_") and download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as file:
        text = docx_text(file.read())
    assert "Petrović" in text and "Đorđe" in text
    assert SE_121_01_TITLE_FR in text and SE_121_01_TITLE_SR in text
    assert "Beogradski vodovod i kanalizacija d.o.o." in text


def test_caisse_form_with_a_required_field_emptied_is_refused_in_french(page, base_url, live):
    from playwright.sync_api import expect

    a_caisse_fills_the_posting_certificate(page, base_url, live)
    downloads = []
    page.on("download", lambda download: downloads.append(download))

    # a required text field emptied: the browser itself refuses to send the form (required attribute)
    last_name = page.get_by_label("Nom / Prezime")
    last_name.fill("")
    page.get_by_role("button", name="Produire le document").click()
    assert last_name.evaluate("input => input.validity.valueMissing")
    assert page.locator("form.fill").evaluate("form => form.checkValidity()") is False
    expect(page.get_by_role("heading", level=1)).to_have_text(f"SE 121-01 — {SE_121_01_TITLE_FR}")
    last_name.fill("Petrović")

    # a required choice left empty has no such guard: the server answers, in French, naming the field
    page.get_by_label("Nationalité / Državljanstvo").select_option(value="")
    with page.expect_response(lambda r: r.request.method == "POST" and "/fill" in r.url) as answer:
        page.get_by_role("button", name="Produire le document").click()
    assert answer.value.status == 422
    assert answer.value.header_value("content-type").startswith("text/html")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("alert")).to_have_text(
        "Le document n’a pas été produit : corrigez les champs signalés ci-dessous.")
    field = page.locator("div.field.invalid")
    expect(field).to_have_count(1)
    expect(field.locator("label")).to_contain_text("Nationalité")
    nationality = page.get_by_label("Nationalité / Državljanstvo")
    expect(nationality).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#worker\\.nationality-error")).to_be_visible()
    # what was typed comes back, so the person corrects one field and sends again
    expect(page.get_by_label("Nom / Prezime")).to_have_value("Petrović")
    expect(page.get_by_label("Prénom(s) / Ime")).to_have_value("Đorđe")
    assert downloads == []


def test_caisse_form_field_error_message_is_french(page, base_url, live):
    from playwright.sync_api import expect

    a_caisse_fills_the_posting_certificate(page, base_url, live)
    page.get_by_label("Nationalité / Državljanstvo").select_option(value="")
    page.get_by_role("button", name="Produire le document").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#worker\\.nationality-error")).to_have_text("obligatoire", timeout=2_000)


def test_caisse_form_names_the_missing_part_of_an_address(page, base_url, live):
    from playwright.sync_api import expect

    a_caisse_fills_the_posting_certificate(page, base_url, live)
    page.get_by_role("group", name="Adresse / Adresa", exact=False).first.get_by_label("Ville").fill("")
    page.get_by_role("button", name="Produire le document").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#employer\\.address\\.city-error")).to_have_text("obligatoire", timeout=2_000)


# --- journey 2: a delegation plans the next Argentine session ----------------------------------

ARGENTINE_OPEN_ACTIONS = [  # still open after the 2023 videoconferences (agreements/meetings/data/history.toml)
    "Examiner les dossiers transmis et indiquer leur état d'avancement",  # 5 October 2023
    "Désigner un correspondant pour les dossiers individuels",  # 5 October 2023
    "Communiquer les décisions prises sur les dossiers examinés",  # 14 December 2023
    "Proposer une date pour la visioconférence de février 2024",  # 14 December 2023
]


def test_delegation_plans_the_next_argentine_videoconference(page, base_url, live):
    from playwright.sync_api import expect

    username, password = account(live, "delegation", countries=("AR",))
    log_in(page, base_url, username, password)
    page.goto(f"{base_url}/meetings?country=AR")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Argentine")
    page.get_by_role("link", name="Préparer une réunion").click()
    page.wait_for_url(re.compile(r"/meetings/new\?country=AR$"))
    expect(page.get_by_label("Pays *", exact=True)).to_have_value("AR")
    page.get_by_label("Nature").select_option(label="Visioconférence")
    page.get_by_label("Titre en français").fill("Visioconférence franco-argentine")
    page.get_by_label("Titre dans la langue du partenaire").fill("Videoconferencia franco-argentina")
    page.get_by_label("Premier jour").fill("2024-02-15")
    page.get_by_label("Par visioconférence").check()
    page.get_by_label("Convention de sécurité sociale entre le Gouvernement de la République française").check()
    page.get_by_role("button", name="Enregistrer la réunion").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/edit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier la réunion")

    agenda = page.locator("ol.agenda-builder > li")
    expect(agenda).to_have_count(1 + len(ARGENTINE_OPEN_ACTIONS))
    first = agenda.nth(0)
    expect(first).to_contain_text("Approbation du procès-verbal de la session du 14 décembre 2023")
    expect(first).to_contain_text("Aprobación del acta de la sesión del 14 de diciembre de 2023")
    for n, action in enumerate(ARGENTINE_OPEN_ACTIONS, start=1):
        expect(agenda.nth(n)).to_contain_text(f"Suivi : {action}")
    for item in agenda.all():
        expect(item.locator(".badge.proposed")).to_have_text("proposé")
    expect(page.locator("ol.agenda-builder")).not_to_contain_text("Transmettre la liste des dossiers")  # done

    # the meeting's own page shows the same proposed agenda, in both languages
    meeting_url = page.url.removesuffix("/edit")
    page.get_by_role("link", name="Retour à la réunion").click()
    page.wait_for_url(meeting_url)
    expect(page.locator("ol.agenda > li").first).to_contain_text("Approbation du procès-verbal de la session du 14 décembre 2023")
    expect(page.locator("ol.agenda > li").first.locator("[lang=es]")).to_have_text(
        "Aprobación del acta de la sesión del 14 de diciembre de 2023")
    expect(page.get_by_role("link", name=re.compile("Session précédente"))).to_contain_text("14 déc. 2023")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Visioconférence")
    expect(facts).to_contain_text("15 février 2024")
    expect(facts.get_by_role("link", name=re.compile("^Convention de sécurité sociale"))).to_have_attribute(
        "href", "/countries/AR/instruments/2008-09-22-convention")


# --- journey 3: restricted minutes stay invisible to the public --------------------------------

RESTRICTED_WORDS = "circuit des preuves d'existence"  # in the restricted minutes of Gabon, 12 May 2023


def test_restricted_minutes_are_invisible_to_the_public(page, other_page, base_url, live):
    from playwright.sync_api import expect

    # a staff member finds the restricted Gabonese videoconference of 12 May 2023
    username, password = account(live, "legal")
    log_in(page, base_url, username, password)
    page.goto(f"{base_url}/meetings?country=GA")
    row = page.get_by_role("row").filter(has_text="12 mai 2023")
    expect(row).to_contain_text("Réservé au personnel")
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    meeting_path = page.url.removeprefix(base_url)
    expect(page.locator(".badge.restricted")).to_have_text("Réservé au personnel")
    expect(page.locator("ol.agenda")).to_contain_text("Rédiger la note décrivant le circuit des preuves d'existence")
    page.goto(f"{base_url}/search?q={RESTRICTED_WORDS}")
    expect(page.locator(f"ol.hits a[href^='{meeting_path}']").first).to_be_visible()

    # an anonymous visitor: the meeting does not exist (404, not 403), nor in the lists, nor in search
    visitor = other_page
    response = visitor.goto(base_url + meeting_path)
    assert response.status == 404
    assert visitor.locator("html").get_attribute("lang") == "fr"
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Introuvable")
    expect(visitor.locator("body")).not_to_contain_text("circuit des preuves")
    expect(visitor.get_by_role("link", name="Se connecter")).to_be_visible()  # not logged in
    visitor.goto(f"{base_url}/meetings?country=GA")
    expect(visitor.locator("table.meetings")).to_be_visible()
    expect(visitor.locator(f"table.meetings a[href='{meeting_path}']")).to_have_count(0)
    expect(visitor.locator("table.meetings")).not_to_contain_text("Réservé au personnel")
    visitor.goto(f"{base_url}/search")
    visitor.get_by_label("Mots à rechercher").fill(RESTRICTED_WORDS)
    visitor.get_by_role("search").get_by_role("button", name="Rechercher").click()
    visitor.wait_for_url(re.compile(r"/search\?q="))
    expect(visitor.get_by_text(re.compile(r"^\d+ résultats?$"))).to_be_visible()
    expect(visitor.locator(f"ol.hits a[href^='{meeting_path}']")).to_have_count(0)
    expect(visitor.locator("ol.hits")).not_to_contain_text("Rédiger la note")

    # a delegation member limited to another country does not see it either
    delegate, delegate_password = account(live, "delegation", countries=("AR",))
    log_in(visitor, base_url, delegate, delegate_password)
    assert visitor.goto(base_url + meeting_path).status == 404
    visitor.goto(f"{base_url}/search?q={RESTRICTED_WORDS}")
    expect(visitor.locator(f"ol.hits a[href^='{meeting_path}']")).to_have_count(0)


# --- journey 4: an English reader of bilingual minutes ------------------------------------------


def test_english_reader_of_the_andorran_joint_commission(page, base_url):
    from playwright.sync_api import expect

    page.goto(f"{base_url}/meetings?country=AD")
    row = page.get_by_role("row").filter(has_text="Commission mixte franco-andorrane de sécurité sociale")
    expect(row).to_contain_text("oct. 2023")  # 26 to 27 October 2023
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_role("heading", level=2, name="Ordre du jour")).to_be_visible()
    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # the page's chrome is English
    expect(page.get_by_role("heading", level=2)).to_have_text(["Documents", "Participants", "Agenda"])
    expect(page.locator("dl.facts dt")).to_have_text(["Kind", "Dates", "Place", "Instruments concerned", "Note",
                                                      "Source"])
    expect(page.locator("dl.facts dd").nth(0)).to_have_text("Joint commission")
    # English dates, whether the span is written in full or as CLDR's range
    expect(page.locator("dl.facts dd").nth(1)).to_have_text(
        re.compile(r"^October 26(, 2023)?\s*[–-]\s*(October )?27, 2023$"))
    expect(page.locator(".badge.status-published")).to_have_text("Minutes published")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_have_text(
        re.compile(r"^\s*Andorra\s*›\s*Meetings\s*›\s*Session \d+\s*$"))
    expect(page.locator("table.participants th")).to_have_text(["Side", "Name", "Organisation", "Role",
                                                                "Approval of the minutes"])
    expect(page.locator("table.participants")).to_contain_text("French side")
    expect(page.locator("table.participants")).to_contain_text("Partner side")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator("nav.langs [aria-current=true]")).to_have_text("English")

    # the minutes keep both languages of every agenda item, each marked with its language
    items = page.locator("ol.agenda > li")
    expect(items).to_have_count(4)
    expect(items.nth(0).locator("h3 [lang=fr]")).to_have_text("Apurement et régularisation des créances pour les années 2003 à 2019")
    expect(items.nth(0).locator("h3 [lang=ca]")).to_have_text("Liquidació i regularització dels crèdits dels anys 2003 a 2019")
    expect(items.nth(3).locator("h3 [lang=fr]")).to_have_text("Télétravail")
    expect(items.nth(3).locator("h3 [lang=ca]")).to_have_text("Teletreball")
    for item in items.all():
        expect(item.locator("h3 [lang=fr]")).not_to_be_empty()
        expect(item.locator("h3 [lang=ca]")).not_to_be_empty()
    expect(items.nth(0).get_by_role("heading", level=4, name="Decisions")).to_be_visible()
    expect(items.nth(0).get_by_role("heading", level=4, name="Action items")).to_be_visible()
