"""Citable records: a stable citation on instrument, form, form version and decision pages (with
?on= when the page is viewed as of a date), schema.org JSON-LD `Legislation` for instruments, and
every page's feeds in its head with a visible "S'abonner" link."""

import json
import re
from datetime import date
from html import unescape

import feedparser
import pytest
from sqlmodel import Session, select

from agreements import services
from agreements.meetings.models import Decision, Meeting
from agreements.queries import find_by_slug
from tests.documents import docx_bytes, pdf_bytes
from tests.factories import LEGAL

SERBIAN = "/countries/RS/instruments/2014-11-06-accord"


def jsonld(page: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block)


def citation(page: str) -> tuple[str, str]:
    text = re.search(r'<section class="citation".*?<blockquote><p>(.*?)</p></blockquote>', page, re.S).group(1)
    address = re.search(r'<p class="stable-address">.*?<a href="([^"]+)"', page, re.S).group(1)
    return unescape(re.sub(r"<[^>]+>", "", text)), unescape(address)


def attach_texts(engine) -> None:
    with Session(engine) as session:
        accord = find_by_slug(session, "RS", "2014-11-06-accord")
        services.attach_official_text(session, LEGAL, accord, "fr", "accord.pdf", pdf_bytes("Accord"), 2**22)
        services.attach_official_text(session, LEGAL, accord, "sr-Latn", "sporazum.docx", docx_bytes("Sporazum"), 2**22)
        session.commit()


def test_an_instrument_page_serves_legislation_json_ld(client, engine):
    attach_texts(engine)
    data = jsonld(client.get(SERBIAN).text)
    assert (data["@context"], data["@type"]) == ("https://schema.org", "Legislation")
    assert data["@id"].endswith(SERBIAN) and data["legislationDate"] == "2014-11-06"
    assert data["legislationDateOfApplicability"] == "2023-12-01" and data["legislationLegalForce"] == "https://schema.org/InForce"
    assert data["inLanguage"] == ["fr", "sr-Latn"]
    assert {(t["inLanguage"], t["encodingFormat"]) for t in data["workExample"]} == {
        ("fr", "application/pdf"), ("sr-Latn", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}
    assert all(client.get(t["contentUrl"].replace("http://testserver.local", "")).status_code == 200
               for t in data["workExample"])
    assert any(c["@id"].endswith("/1950-01-05-convention") for c in data["legislationChanges"])


def test_json_ld_cannot_close_its_script_element(client, session):
    from tests.factories import create_instrument

    create_instrument(session, slug="2024-05-02-balise", title_fr="</script><script>alert(1)</script>")
    page = client.get("/countries/RS/instruments/2024-05-02-balise").text
    assert "<script>alert(1)" not in page and jsonld(page)["name"] == "</script><script>alert(1)</script>"


def test_the_legal_force_is_the_one_of_the_date_asked(client):
    before = jsonld(client.get(f"{SERBIAN}?on=2020-01-01").text)
    assert before["legislationLegalForce"] == "https://schema.org/NotInForce" and before["legislationDateVersion"] == "2020-01-01"
    as_json = client.get(SERBIAN, headers={"Accept": "application/ld+json"})
    assert as_json.headers["content-type"].startswith("application/ld+json") and as_json.json()["@type"] == "Legislation"


def test_the_citation_names_the_date_the_page_was_viewed_as_of(client):
    text, address = citation(client.get(SERBIAN).text)
    assert address == f"http://testserver.local{SERBIAN}" and "?on=" not in text
    assert text.startswith("Accord de sécurité sociale entre le Gouvernement de la République française")
    assert "signé le 6 novembre 2014" in text and f"(consulté le {date.today().day}" in text.replace("1er", "1")
    text, address = citation(client.get(f"{SERBIAN}?on=2024-01-01").text)
    assert address == f"http://testserver.local{SERBIAN}?on=2024-01-01"
    assert f"{address}, dans son état au 1er janvier 2024" in text
    english, _ = citation(client.get(f"{SERBIAN}?on=2024-01-01&lang=en").text)
    assert "signed on November 6, 2014" in english and "as it stood on January 1, 2024" in english


def test_a_form_version_has_a_page_and_a_citation(client):
    page = client.get("/forms/SE-416-04/versions/1")
    assert page.status_code == 200 and 'data-status="superseded"' in page.text
    text, address = citation(page.text)
    assert address == "http://testserver.local/forms/SE-416-04/versions/1"
    assert text.startswith("SE 416-04 – Demande de pension de vieillesse brésilienne") and "version 1 (2014-09)" in text
    form_text, form_address = citation(client.get("/forms/SE-416-04?on=2023-08-01").text)
    assert form_address == "http://testserver.local/forms/SE-416-04?on=2023-08-01"
    assert "version 1 (2014-09) applicable le 1er août 2023" in form_text
    assert client.get("/forms/SE-416-04/versions/9").status_code == 404
    assert client.get("/forms/SE-121-05/versions/1").status_code == 401  # a draft: staff only, as in the API


def decision_of(engine, country: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Decision.id).join(Meeting, Meeting.id == Decision.meeting_id)
                            .where(Meeting.country_code == country).order_by(Decision.id)).first()


def test_a_decision_has_a_page_and_a_citation(client, engine):
    decision = decision_of(engine, "RS")
    page = client.get(f"/decisions/{decision}")
    assert page.status_code == 200
    text, address = citation(page.text)
    assert address == f"http://testserver.local/decisions/{decision}"
    assert text.startswith("Décision n°\u00a01 de la session du 19–20 oct. 2023") and "prise le 20 octobre 2023" in text
    with Session(engine) as session:
        meeting_id = session.get(Decision, decision).meeting_id
    assert f'href="/meetings/{meeting_id}#decision-{decision}"' in page.text
    assert f'href="/decisions/{decision}"' in client.get(f"/meetings/{meeting_id}").text
    assert client.get("/decisions/999999").status_code == 404


def test_a_restricted_decision_is_a_404_but_for_its_staff(client, engine, login_as):
    decision = decision_of(engine, "GA")
    assert client.get(f"/decisions/{decision}").status_code == 404
    assert login_as("delegation", countries=("AR",)).get(f"/decisions/{decision}").status_code == 404
    assert login_as("delegation", countries=("GA",)).get(f"/decisions/{decision}").status_code == 200


@pytest.mark.parametrize("url,feed", [
    ("/", "/feed.atom?lang=fr"), ("/countries/RS", "/countries/RS/feed.atom?lang=fr"),
    (SERBIAN, "/countries/RS/feed.atom?lang=fr"), ("/forms/SE-416-04", "/forms/SE-416-04/feed.atom?lang=fr"),
    ("/forms/SE-416-04/versions/2", "/forms/SE-416-04/feed.atom?lang=fr"),
    ("/meetings?country=AD", "/countries/AD/meetings/feed.atom?lang=fr")])
def test_pages_announce_their_feed_in_the_head_and_offer_to_subscribe(client, url, feed):
    page = client.get(url).text
    head = page.split("</head>")[0]
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in head
    assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom?lang=fr"' in head
    body = page.split("<main")[1]
    assert "S'abonner\u00a0:" in body and f'href="{feed.replace("&", "&amp;")}"' in body
    parsed = feedparser.parse(client.get(feed).content)
    assert not parsed.bozo and parsed.entries


def test_a_meeting_page_offers_its_calendar(client, engine):
    with Session(engine) as session:
        andorra = session.exec(select(Meeting.id).where(Meeting.country_code == "AD",
                                                        Meeting.starts_on == date(2023, 10, 26))).one()
    page = client.get(f"/meetings/{andorra}").text
    assert f'<link rel="alternate" type="text/calendar" href="/meetings/{andorra}/calendar.ics?lang=fr"' in page.split("</head>")[0]
    assert client.get(f"/meetings/{andorra}/calendar.ics?lang=fr").status_code == 200
