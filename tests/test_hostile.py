"""Hostile input, tested: SQL injection in every query parameter of every GET route, script in
titles and searches rendered escaped, oversized and malformed JSON refused cleanly."""

import pytest
from sqlmodel import Session, func, select

from registry.models import AuditEntry, Country, User
from tests.conftest import own_jar
from tests.test_permissions_matrix import concrete, is_exempt, route_table

SQL_INJECTIONS = [
    "' OR '1'='1",
    "RS' OR 1=1 --",
    "'; DROP TABLE country; --",
    "1; DELETE FROM user_account",
    "\" OR \"\"=\"",
    "RS' UNION SELECT username, password_hash FROM user_account --",
    "%' AND 1=(SELECT COUNT(*) FROM audit_entry) --",
    "1' AND pg_sleep(3) --",
]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RESERVED = {"self", "request", "state", "headers", "cookies", "query", "scope", "socket", "body", "data"}


def query_parameters(app) -> list[tuple[str, str]]:
    """(path, parameter) for every query parameter of every GET route of the application."""
    found = []
    for method, path, handler in route_table(app):
        if method != "GET" or is_exempt(method, path, handler):
            continue
        dependencies = set(handler.resolve_dependencies())
        path_names = {segment.split(":")[0].strip("{") for segment in path.split("/") if segment.startswith("{")}
        for name in handler.parsed_fn_signature.parameters:
            if name not in RESERVED | dependencies | path_names:
                found.append((path, name))
    return found


def table_counts(engine) -> tuple[int, int]:
    with Session(engine) as db:
        return db.exec(select(func.count()).select_from(Country)).one(), db.exec(select(func.count()).select_from(User)).one()


def test_the_generated_filter_list_covers_the_api(app):
    names = {f"{path}?{name}" for path, name in query_parameters(app)}
    assert {"/api/instruments?country", "/api/audit?actor", "/api/search?q", "/search?q"} <= names


def test_sql_injection_in_every_filter_is_harmless(app, login_as, engine):
    """As an admin, so that every route answers rather than refuses."""
    admin = login_as("admin")
    before = table_counts(engine)
    failures = []
    for path, name in query_parameters(app):
        for payload in SQL_INJECTIONS:
            response = admin.get(concrete(path), params={name: payload}, headers={"Accept": "application/json"})
            if response.status_code >= 500:
                failures.append(f"{path}?{name}={payload!r}: {response.status_code}")
            elif "$argon2" in response.text:
                failures.append(f"{path}?{name}={payload!r}: leaked a password hash")
    assert failures == []
    assert table_counts(engine) == before


@pytest.mark.parametrize("payload", SQL_INJECTIONS)
def test_sql_injection_in_path_segments_is_harmless(client, payload):
    for path in (f"/api/countries/{payload}", f"/countries/{payload}", f"/countries/RS/instruments/{payload}"):
        assert client.get(path).status_code in (400, 404)


def test_script_in_a_title_is_rendered_escaped(api_client_as, client):
    legal = api_client_as("legal")
    created = legal.post("/api/instruments", json={"country_code": "RS", "kind": "protocol", "title_fr": XSS,
                                                   "signed_on": "2024-05-02", "source": XSS})
    assert created.status_code == 201, created.text
    page = client.get("/countries/RS").text
    assert XSS not in page and "&lt;script&gt;alert(" in page and "onerror=alert(1)>" not in page


def test_script_in_a_search_is_rendered_escaped(client):
    page = client.get("/search", params={"q": XSS}).text
    assert XSS not in page and "&lt;script&gt;" in page


def test_script_in_a_login_name_is_escaped_in_the_audit_page(client, login_as):
    browser = own_jar(client)
    browser.get("/login")
    response = browser.post("/login", data={"username": XSS, "password": "whatever it is",
                                            "_csrf_token": browser.cookies.get("registry_csrf")})
    assert response.status_code == 401 and XSS not in response.text  # the form shows the name back, escaped
    page = login_as("admin").get("/admin/audit", params={"action": "auth."}).text
    assert XSS not in page and "&lt;script&gt;" in page


def test_script_in_a_display_name_is_escaped_in_the_users_page(login_as):
    admin = login_as("admin")
    admin.post("/admin/users/", data={"username": "mallory", "display_name": XSS, "role": "researcher",
                                      "password": "long enough password"})
    page = admin.get("/admin/users").text
    assert "mallory" in page and XSS not in page and "&lt;script&gt;" in page


MALFORMED = [
    b'{"country_code": "RS", ',  # cut short
    b'{"country_code": "RS"}}',
    b"[" * 100_000 + b"]" * 100_000,  # deeply nested
    b'{"country_code": "\xff\xfe"}',  # not UTF-8
    b'{"country_code": 12, "kind": [], "title_fr": {"a": null}}',  # wrong types
    b'{"country_code": "RS", "kind": "protocol", "title_fr": "x", "signed_on": "2024-13-45"}',
    b'{"country_code": "RS", "kind": "protocol", "title_fr": "x", "unknown": 1e999}',
    b"null",
    b"",
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_json_is_a_client_error(api_client_as, engine, body):
    legal = api_client_as("legal")
    response = legal.post("/api/instruments", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text[:200]


@pytest.mark.parametrize("content_type,body", [
    ("application/x-www-form-urlencoded", b"username=\xff\xfe&password=%ff%fe&_csrf_token=x"),
    ("multipart/form-data; boundary=zzz", b"--zzz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff"),
    ("multipart/form-data", b"no boundary at all"),
])
def test_malformed_forms_are_a_client_error(client, content_type, body):
    response = client.post("/login", content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500


def test_a_body_of_the_wrong_type_is_a_client_error(api_client_as):
    legal = api_client_as("legal")
    response = legal.post("/api/instruments", content=b"<xml/>", headers={"Content-Type": "application/xml"})
    assert 400 <= response.status_code < 500


def test_an_oversized_body_is_refused_before_it_is_read(api_client_as, engine):
    legal = api_client_as("legal")
    with Session(engine) as db:
        before = db.exec(select(func.count()).select_from(AuditEntry)).one()
    response = legal.post("/api/instruments", content=b"[" + b"1," * 3_000_000 + b"1]",
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(AuditEntry)).one() == before
