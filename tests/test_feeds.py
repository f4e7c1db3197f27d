"""Atom feeds: valid RFC 4287 (read back with feedparser), per country, form, meeting series and
for everything, in the reader's language, with restricted material only for who may see it."""

from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
from sqlmodel import Session

from registry.auth.principal import ANONYMOUS
from registry.composition import feed_providers
from registry.feeds import FeedQuery, collect
from tests.factories import create_instrument

FEEDS = ["/feed.atom", "/countries/RS/feed.atom", "/countries/AD/meetings/feed.atom",
         "/countries/AR/meetings/feed.atom?kind=videoconference", "/forms/SE-416-04/feed.atom"]


def parse(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def titles(response) -> list[str]:
    return [e.title for e in parse(response).entries]


@pytest.mark.parametrize("url", FEEDS)
def test_every_feed_is_valid_atom_with_what_rfc_4287_requires(client, url):
    feed = parse(client.get(url))
    assert feed.feed.id.startswith("urn:uuid:") and feed.feed.title and feed.feed.updated
    assert any(link.rel == "self" and link.href.endswith(url.split("?")[0] + "?lang=fr" + (
        "&kind=videoconference" if "kind=" in url else "")) for link in feed.feed.links)
    assert feed.entries
    for entry in feed.entries:
        assert entry.id.startswith("urn:uuid:") and entry.title and entry.updated and entry.link.startswith("http")
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)


def test_a_feed_follows_its_scope(client):
    assert {e.category for e in parse(client.get("/countries/AD/meetings/feed.atom")).entries} == {"meeting"}
    form = parse(client.get("/forms/SE-416-04/feed.atom")).entries
    assert {e.link.split("/forms/")[1].split("/")[0] for e in form} == {"SE-416-04"}
    serbia = parse(client.get("/countries/RS/feed.atom")).entries
    assert {e.category for e in serbia} == {"instrument", "form", "meeting"}
    assert all("/countries/RS/" in e.link or "/forms/SE-121-" in e.link or "/meetings/" in e.link for e in serbia)


def test_shipped_facts_are_dated_by_the_facts(client):
    """The 2014 Serbian agreement entered into force on 1 December 2023; its forms were published then."""
    serbia = parse(client.get("/countries/RS/feed.atom?lang=en")).entries
    in_force = [e for e in serbia if e.title.startswith("In force: Accord de sécurité sociale entre le Gouvernement de la "
                                                        "République française et le Gouvernement de la République de Serbie")]
    assert in_force and in_force[0].updated.startswith("2023-12-01")
    published = [e for e in serbia if e.title == "SE 121-01 version 1 published: applies from December 1, 2023"]
    assert published and published[0].updated.startswith("2023-12-01")


def test_entries_are_in_the_readers_language(client):
    french = titles(client.get("/forms/SE-416-04/feed.atom"))
    english = titles(client.get("/forms/SE-416-04/feed.atom?lang=en"))
    assert "SE 416-04 version 2 publiée\u00a0: s'applique à partir du 1er septembre 2023" in french
    assert "SE 416-04 version 2 published: applies from September 1, 2023" in english
    assert parse(client.get("/feed.atom?lang=en")).feed.language == "en"


def publish_brazilian_next(legal, client) -> int:
    """A new version of SE 416-04, validated by both sides (staff only), then published from 1
    January 2027 (after the catalog's version 2026-12); its number."""
    created = legal.post("/api/forms/SE-416-04/versions", json={"label": "2027-01", "change_notes": "Ressources"})
    url, number = created.json()["url"], created.json()["number"]
    for n, (side, body) in enumerate([("france", {}), ("partner", {"body_name": "INSS"})], start=1):
        response = legal.post(f"{url}/validations", headers={"If-Match": f'"{n}"'},
                              json={"side": side, "validated_on": "2026-11-2" + str(n), **body})
        assert response.status_code == 201, response.text
    before = titles(client.get("/forms/SE-416-04/feed.atom?lang=en"))
    assert not any(f"version {number}" in t for t in before)  # validated, not published: staff only
    assert f"SE 416-04 version {number} validated by both liaison bodies" in titles(
        legal.get("/forms/SE-416-04/feed.atom?lang=en"))
    published = legal.post(f"{url}/publish", json={"valid_from": "2027-01-01"}, headers={"If-Match": '"3"'})
    assert published.status_code == 200, published.text
    return number


def test_publishing_a_form_version_puts_it_at_the_top_of_its_form_and_country_feeds(api_client_as, client):
    number = publish_brazilian_next(api_client_as("legal"), client)
    for url in ("/forms/SE-416-04/feed.atom?lang=en", "/countries/BR/feed.atom?lang=en", "/feed.atom?lang=en"):
        entries = parse(client.get(url)).entries
        assert entries[0].title == f"SE 416-04 version {number} published: applies from January 1, 2027", url
        assert entries[0].link.endswith(f"/forms/SE-416-04/versions/{number}")
        assert datetime.fromisoformat(entries[0].updated) > datetime.now(UTC) - timedelta(minutes=5)
        assert f"SE 416-04 version {number - 1} superseded from January 1, 2027" in [e.title for e in entries[:3]], url


def test_an_instrument_recorded_today_is_news_and_its_entry_into_force_is_news_the_day_it_comes(session):
    instrument = create_instrument(session, signed_on=date.today() - timedelta(days=10),
                                   in_force_on=date.today() + timedelta(days=30), slug="protocole-futur")
    principal = ANONYMOUS

    def keys(now: datetime) -> set[str]:
        query = FeedQuery(principal=principal, locale="fr", country="RS", now=now)
        return {e.key for e in collect(session, feed_providers(), query) if e.key.startswith(f"instrument:{instrument.id}:")}

    now = datetime.now(UTC)
    assert keys(now) == {f"instrument:{instrument.id}:recorded"}  # the signature was past when recorded: told by it
    assert keys(now + timedelta(days=31)) == {f"instrument:{instrument.id}:recorded", f"instrument:{instrument.id}:in_force"}


def test_since_narrows_and_the_etag_answers_304(client):
    entries = parse(client.get("/countries/AR/feed.atom?since=2023-12-01")).entries
    assert entries and all(e.updated >= "2023-12-01" for e in entries)
    assert len(entries) < len(parse(client.get("/countries/AR/feed.atom")).entries)
    first = client.get("/countries/AR/feed.atom")
    again = client.get("/countries/AR/feed.atom", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("url,status,field", [
    ("/countries/ZZ/feed.atom", 404, "country"), ("/countries/ZZ/meetings/feed.atom", 404, "country"),
    ("/forms/SE-999-99/feed.atom", 404, "form"), ("/feed.atom?since=hier", 400, "since"),
    ("/countries/RS/feed.atom?since=2024-13-01", 400, "since"), ("/forms/SE-416-04/feed.atom?since=x", 400, "since"),
    ("/countries/RS/meetings/feed.atom?kind=apero", 400, "kind")])
def test_bad_input(client, url, status, field):
    response = client.get(url, headers={"Accept": "application/json", "Accept-Language": "en"})
    assert response.status_code == status, response.text
    body = response.json()
    assert field in (body.get("extra") or {}).get("parameter", "") or field in body.get("extra", {}), body
    assert "Traceback" not in response.text


# --- restricted material: the Gabonese videoconferences are restricted to staff of Gabon ------

GABON_FEEDS = ["/feed.atom?lang=en", "/countries/GA/feed.atom?lang=en", "/countries/GA/meetings/feed.atom?lang=en"]


def gabon_entries(reader, url) -> list[str]:
    return [e.title for e in parse(reader.get(url)).entries if "/meetings/" in e.link and "gabon" in e.title.lower()]


@pytest.mark.parametrize("role,countries,sees", [
    (None, (), False), ("researcher", (), False), ("caisse", (), False), ("delegation", ("AR",), False),
    ("delegation", ("GA",), True), ("delegation", (), True), ("legal", (), True), ("admin", (), True)])
def test_a_restricted_meeting_is_in_a_feed_only_for_who_may_see_it(client, login_as, api_client_as, role, countries, sees):
    readers = [client] if role is None else [login_as(role, countries=countries), api_client_as(role, countries)]
    for reader in readers:
        for url in GABON_FEEDS:
            assert bool(gabon_entries(reader, url)) is sees, (role, countries, url)


def test_a_personal_feed_is_not_cached_for_others(client, login_as):
    assert client.get("/feed.atom").headers["cache-control"] == "no-cache"
    assert login_as("legal").get("/feed.atom").headers["cache-control"] == "private, no-cache"


def test_the_feed_is_derived_from_what_is_committed(engine):
    """No feed table: a provider reads the facts, so what one session commits the next feed shows."""
    with Session(engine) as session:
        before = collect(session, feed_providers(), FeedQuery(principal=ANONYMOUS, locale="en", country="RS"))
        create_instrument(session, slug="protocole-du-jour", signed_on=date.today(), in_force_on=None)
    with Session(engine) as session:
        after = collect(session, feed_providers(), FeedQuery(principal=ANONYMOUS, locale="en", country="RS"))
    assert len(after) == len(before) + 1 and after[0].title == "New in the registry: Protocole d'essai"


def test_a_control_character_in_stored_data_does_not_break_a_feed_or_a_calendar(client, session):
    """Found by schemathesis: a text holding a control character made lxml refuse the feed (PostgreSQL
    refuses NUL itself; SQLite stores it)."""
    nul = "\x00" if session.get_bind().dialect.name == "sqlite" else ""
    create_instrument(session, slug="2024-05-02-controle", title_fr=f"Protocole{nul} avec\x0b contr\x1fôle",
                      signed_on=date.today(), in_force_on=None)
    entries = parse(client.get("/countries/RS/feed.atom")).entries
    assert "Nouveau dans le registre\u00a0: Protocole avec contrôle" in [e.title for e in entries]
    assert client.get("/calendar.ics").status_code == 200
