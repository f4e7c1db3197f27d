"""Logs that help (issue 13, item 9) and no traceback in a production body (item 6).

A client's mistake is one INFO line without a traceback (a 404 under /static/ is not logged);
a failure of ours is one ERROR record under the request id that the page, the JSON body and the
X-Request-ID header show."""

import logging
from dataclasses import replace

import pytest
from litestar import get
from litestar.testing import TestClient
from sqlalchemy.exc import OperationalError

from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.settings import Settings
from registry.web.app import create_app

NEW = {"country_code": "RS", "kind": "protocol", "title_fr": "Protocole relatif aux étudiants",
       "signed_on": "2025-03-01", "in_force_on": "2025-06-01", "risks": ["sickness"], "source": "test"}
SECRET = "secret detail: password=hunter2 at /srv/registry/db.py"


def registry_records(caplog):
    return [r for r in caplog.records if r.name.startswith(("registry", "litestar"))]


def client_errors(client, api_client_as):
    """One request per 4xx of the issue, each checked to be what it claims."""
    legal, caisse = api_client_as("legal"), api_client_as("caisse")
    serbia = {i["slug"]: i["id"] for i in client.get("/api/instruments?country=RS").json()}
    created = legal.post("/api/instruments", json=NEW).json()
    url = f"/api/instruments/{created['id']}"
    assert legal.patch(url, json={"title_fr": "Première"}, headers={"If-Match": '"1"'}).status_code == 200
    return {
        404: client.get("/api/countries/QQ"),
        412: legal.patch(url, json={"title_fr": "Perdue"}, headers={"If-Match": '"1"'}),
        422: legal.post("/api/instruments", json={**NEW, "in_force_on": "2024-01-01"}),
        409: legal.post(f"/api/instruments/{serbia['2014-11-06-accord']}/links",
                        json={"kind": "amends", "to_id": serbia["2018-03-15-arrangement"]}),
        401: client.post("/api/instruments", json=NEW),
        403: caisse.post("/api/instruments", json=NEW),
        "static": client.get("/static/no-such-file.css"),
    }


def test_client_errors_log_one_info_line_without_traceback(client, api_client_as, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    responses = client_errors(client, api_client_as)
    for status, response in responses.items():
        assert response.status_code == (404 if status == "static" else status), (status, response.text)
    records = registry_records(caplog)
    assert not [r for r in records if r.exc_info or r.levelno >= logging.WARNING]
    lines = [r.getMessage() for r in records if r.name == "registry.web"]
    for status in (404, 412, 422, 409, 401, 403):
        request_id = responses[status].headers["x-request-id"]
        assert [line for line in lines if line.startswith(f"{status} ") and request_id in line], (status, lines)
    assert not [line for line in lines if "/static/" in line]


@get("/test-only/boom", guards=[requires(Permission.read_public)], sync_to_thread=True)
def boom() -> str:
    raise RuntimeError(SECRET)


def test_a_server_error_is_one_error_record_under_the_id_the_body_shows(app, client, caplog):
    app.register(boom)
    caplog.set_level(logging.INFO)
    caplog.clear()
    api = client.get("/test-only/boom", headers={"Accept": "application/json"})
    page = client.get("/test-only/boom", headers={"Accept": "text/html"})
    errors = [r for r in registry_records(caplog) if r.levelno >= logging.ERROR]
    assert len(errors) == 2 and all(r.exc_info for r in errors)
    for response, record in zip((api, page), errors):
        request_id = response.headers["x-request-id"]
        assert response.status_code == 500 and request_id in response.text and request_id in record.getMessage()
    assert api.json()["request_id"] == api.headers["x-request-id"]
    assert api.headers["x-request-id"] != page.headers["x-request-id"]


def failing(exc: Exception):
    @get(f"/test-only/fail-{type(exc).__name__}", guards=[requires(Permission.read_public)], sync_to_thread=True)
    def fail() -> str:
        raise exc

    return fail


FAILURES = [RuntimeError(SECRET), KeyError(SECRET), RecursionError(SECRET), OverflowError(SECRET),
            OperationalError("SELECT 1", {}, Exception(SECRET))]


@pytest.mark.parametrize("environment", ["production", "test"])
def test_no_traceback_ever_reaches_a_body_outside_development(tmp_path, engine, search_backend, environment):
    settings = Settings(data_dir=tmp_path / "var", environment=environment, search_backend="memory", secret_key="s" * 32)
    app = create_app(settings, engine=engine, search=search_backend)
    for exc in FAILURES:
        app.register(failing(exc))
    with TestClient(app, raise_server_exceptions=False) as client:
        for exc in FAILURES:
            for accept in ("application/json", "text/html", "*/*"):
                response = client.get(f"/test-only/fail-{type(exc).__name__}", headers={"Accept": accept})
                assert response.status_code == 500, (exc, accept)
                body = response.text
                assert "hunter2" not in body and "Traceback" not in body and "db.py" not in body, (exc, accept)
                assert response.headers["x-request-id"] in body


def test_registry_serves_production_unless_told_otherwise(tmp_path):
    assert Settings().environment == Settings.from_env({}).environment == "production"
    app = create_app(replace(Settings.from_env({}), data_dir=tmp_path / "var", search_backend="memory"))
    assert app.debug is False
