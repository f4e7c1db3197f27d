"""GET /api/forms as a catalog served fast: pages (page, per_page, X-Total-Count, Link), only the
listed columns read (no template bytes, no field schema), and answers that follow every write,
on every instance, though each instance keeps the bytes it has built (forms/listing.py)."""

from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import event
from sqlmodel import Session, select

from forms.models import FormVersion
from registry.web.app import create_app

NEW_FORM = {"code": "SE 121-33", "country_code": "RS", "instrument_slug": "2014-11-06-accord",
            "title_fr": "Demande de pension d'invalidité", "title_partner": "Zahtev za invalidsku penziju",
            "partner_language": "sr-Latn", "risk": "invalidity", "direction": "both", "code_confirmed": False}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [f["code"] for f in response.json()]


def test_pages_cut_the_whole_list_and_say_how_many(client):
    everything = codes(client.get("/api/forms", params={"country": "RS", "on": "2024-01-15"}))
    assert len(everything) == 32
    second = client.get("/api/forms", params={"country": "RS", "on": "2024-01-15", "page": 2, "per_page": 10})
    assert codes(second) == everything[10:20]
    assert second.headers["X-Total-Count"] == "32"
    links = {rel: urlsplit(url.strip("<>")) for url, rel in (part.split("; ") for part in second.headers["Link"].split(", "))}
    assert {rel: dict(parse_qsl(url.query)) for rel, url in links.items()} == {
        f'rel="{rel}"': {"country": "RS", "on": "2024-01-15", "page": str(n), "per_page": "10"}
        for rel, n in (("first", 1), ("last", 4), ("prev", 1), ("next", 3))}
    assert {url.path for url in links.values()} == {"/api/forms"}
    past_the_end = client.get("/api/forms", params={"country": "RS", "page": 9, "per_page": 10})
    assert codes(past_the_end) == [] and past_the_end.headers["X-Total-Count"] == "32"


def test_a_state_filter_is_paged_after_filtering(client):
    published = codes(client.get("/api/forms", params={"status": "published", "on": "2024-01-15"}))
    page = client.get("/api/forms", params={"status": "published", "on": "2024-01-15", "per_page": 5, "page": 2})
    assert codes(page) == published[5:10] and page.headers["X-Total-Count"] == str(len(published))


def test_a_bad_page_is_refused_naming_the_parameter_in_both_languages(client):
    french = client.get("/api/forms", params={"per_page": "1000"})
    assert french.status_code == 400
    assert french.json()["extra"]["parameter"] == "per_page"
    assert "per_page" in french.json()["detail"] and "nombre entier de 1 à 500" in french.json()["detail"]
    english = client.get("/api/forms", params={"page": "zero", "lang": "en"})
    assert english.status_code == 400 and english.json()["extra"]["parameter"] == "page"
    assert "a whole number from 1" in english.json()["detail"]
    assert client.get("/api/forms", params={"page": "0"}).status_code == 400


def test_the_listing_reads_no_template_and_no_field_schema(app, client, engine):
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert len(codes(client.get("/api/forms", params={"page": 1, "per_page": 200}))) > 30
        versions = client.get("/api/forms/SE-416-04/versions")
        assert versions.status_code == 200 and [v["number"] for v in versions.json()][:2] == [1, 2]
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    version_reads = [s for s in statements if "FROM form_version" in s]
    assert version_reads, "the versions were not read at all"
    for statement in version_reads:
        head = statement.split("FROM form_version")[0]
        assert "template_data" not in head and "form_version.fields" not in head, statement


def test_a_write_shows_at_once_on_this_instance_and_on_another(settings, engine, search_backend, api_client_as, client):
    before = codes(client.get("/api/forms", params={"country": "RS"}))  # this instance has built its bytes
    other = create_app(settings, engine=engine, search=search_backend)  # a second instance on the same database
    from litestar.testing import TestClient

    with TestClient(other) as other_client:
        assert codes(other_client.get("/api/forms", params={"country": "RS"})) == before
        created = api_client_as("legal").post("/api/forms", json=NEW_FORM)
        assert created.status_code == 201, created.text
        assert "SE 121-33" in codes(client.get("/api/forms", params={"country": "RS"}))
        assert "SE 121-33" in codes(other_client.get("/api/forms", params={"country": "RS"}))
        # a change that adds no row: a version edited in place (status) is seen too
        with Session(engine) as session:
            version = session.exec(select(FormVersion).where(FormVersion.label == "2026-12")).first()  # applies today
            form_code_before = {f["code"]: f["state"] for f in other_client.get("/api/forms").json()}
            version.status, version.version = "withdrawn", version.version + 1
            session.add(version)
            session.commit()
        after = {f["code"]: f["state"] for f in other_client.get("/api/forms").json()}
        assert after != form_code_before
