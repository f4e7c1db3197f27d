"""HTTP: health, countries, instruments as of a date, and the errors bad input gets."""

import pytest


def test_health_reports_database_and_index(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "search": "ok", "search_pending": 0,
                               "search_oldest_pending_s": None}


def test_health_degrades_when_the_database_is_gone(client, app):
    from sqlalchemy import create_engine

    app.state.health.engine = create_engine("sqlite:////nonexistent-dir/x.db")  # /health's own connection
    response = client.get("/health")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def by_slug(items):
    return {item["slug"]: item for item in items}


def test_serbian_instruments_today(client):
    items = by_slug(client.get("/api/instruments", params={"country": "RS"}).json())
    accord = items["2014-11-06-accord"]
    assert (accord["signed_on"], accord["in_force_on"], accord["status"]) == ("2014-11-06", "2023-12-01", "in_force")
    yugoslav = items["1950-01-05-convention"]
    assert yugoslav["terminated_on"] == "2023-12-01"
    assert yugoslav["status"] == "superseded" and yugoslav["superseded_by"] == [accord["id"]]


@pytest.mark.parametrize("on,expected", [("2023-11-30", "in_force"), ("2023-12-01", "superseded")])
def test_yugoslav_convention_for_serbia_around_the_switch(client, on, expected):
    items = by_slug(client.get("/api/instruments", params={"country": "RS", "on": on}).json())
    assert items["1950-01-05-convention"]["status"] == expected


def test_yugoslav_convention_still_applies_to_bosnia(client):
    (item,) = client.get("/api/instruments", params={"country": "BA", "on": "2024-01-01"}).json()
    assert item["status"] == "in_force" and item["in_force_date_unknown"] is True


def test_accord_not_yet_in_force_in_2020(client):
    items = by_slug(client.get("/api/instruments", params={"country": "RS", "on": "2020-01-01"}).json())
    assert items["2014-11-06-accord"]["status"] == "signed"
    assert items["2021-07-02-avenant"]["status"] == "not_yet_signed"


def test_low_confidence_is_shown(client):
    items = client.get("/api/instruments", params={"country": "PH"}).json()
    assert items and all(item["confidence"] == "low" for item in items)


def test_countries_list_and_detail(client):
    codes = {c["code"]: c for c in client.get("/api/countries").json()}
    assert codes["RS"]["instrument_count"] == 5 and codes["FR"]["instrument_count"] == 0
    serbia = client.get("/api/countries/rs").json()
    assert serbia["name_fr"] == "Serbie" and len(serbia["instruments"]) == 5
    argentina = client.get("/api/countries/AR").json()
    assert [b["acronym"] for b in argentina["liaison_bodies"]] == ["ANSES"]


def test_unknown_country_is_404_naming_it(client):
    for url in ("/api/countries/ZZ", "/api/instruments?country=ZZ"):
        response = client.get(url)
        assert response.status_code == 404 and "ZZ" in response.json()["detail"]


@pytest.mark.parametrize("query,parameter", [("on=2024-13-01", "on"), ("on=yesterday", "on"), ("kind=treaty", "kind"),
                                             ("status=alive", "status")])
def test_bad_parameters_are_400_naming_them(client, query, parameter):
    response = client.get(f"/api/instruments?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["parameter"] == parameter and parameter in body["detail"]


def test_kind_accepted_values_are_listed(client):
    body = client.get("/api/instruments?kind=treaty").json()
    assert "administrative_arrangement" in body["extra"]["accepted"]


def test_openapi_schema_is_served(client):
    schema = client.get("/schema/openapi.json").json()
    assert "/api/instruments" in schema["paths"]


def test_home_page_lists_countries_and_agreements(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="fr"' in response.text
    assert "Serbie" in response.text and "Accord de sécurité sociale entre le Gouvernement" in response.text


def test_country_page(client):
    response = client.get("/countries/RS")
    assert response.status_code == 200 and "2014-11-06-accord" in response.text
