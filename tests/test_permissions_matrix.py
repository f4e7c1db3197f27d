"""Every route against the permission table, for every role, generated from the route table.

A route without a `requires(Permission.X)` guard fails `test_every_route_declares_a_permission`;
a guard that does not do what the table says fails `test_route_answers_each_role_as_the_table_says`.
The last tests strip a guard from a real route and show both checks catch it."""

import re
import uuid

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from litestar.types import Empty

from registry.auth.permissions import Permission, allowed
from registry.enums import Role
from registry.web.app import create_app
from tests.cross_country import CASES, NOT_COUNTRY_MATERIAL, World

# Routes with no permission guard, on purpose and by name: a new one has to be added here.
PUBLIC_BY_NATURE = {
    ("GET", "/static/{file_path:path}"): "stylesheets and images of the pages",
    ("HEAD", "/static/{file_path:path}"): "stylesheets and images of the pages",
    **{("GET", path): "the OpenAPI description and its viewers" for path in (
        "/schema", "/schema/openapi.json", "/schema/openapi.yaml", "/schema/openapi.yml", "/schema/redoc",
        "/schema/swagger", "/schema/elements", "/schema/rapidoc", "/schema/oauth2-redirect.html",
        "/schema/{path:str}")},
}
# Litestar answers OPTIONS on every path itself (the Allow header), reading nothing.
AUTOMATIC_OPTIONS = "options_handler"

ROLES: list[Role | None] = [None, *Role]  # None: anonymous
# values that parse but name nothing: an allowed caller gets 404 or 400, never a change
SAMPLE_PATH_VALUES = {"int": "999999", "str": "ZZ", "path": "x", "uuid": str(uuid.UUID(int=0)), "date": "1900-01-01",
                      "datetime": "1900-01-01T00:00:00", "float": "0.5", "decimal": "0.5", "time": "00:00:00"}


def route_table(app: Litestar) -> list[tuple[str, str, object]]:
    """(method, path, handler) for every route the application answers."""
    table = []
    for route in app.routes:
        for method, entry in getattr(route, "route_handler_map", {}).items():
            handler = entry[0] if isinstance(entry, tuple) else entry
            table.append((method, route.path, handler))
    return sorted(table, key=lambda row: (row[1], row[0]))


def declared_permissions(handler) -> list[Permission]:
    """The permissions named by the guards on the handler and every layer above it."""
    return [guard.permission for layer in handler.ownership_layers for guard in (layer.guards or [])
            if isinstance(getattr(guard, "permission", None), Permission)]


def is_exempt(method: str, path: str, handler) -> bool:
    return (method, path) in PUBLIC_BY_NATURE or (method == "OPTIONS" and handler.handler_name == AUTOMATIC_OPTIONS)


def routes_without_rule(app: Litestar) -> list[str]:
    return [f"{method} {path}" for method, path, handler in route_table(app)
            if not is_exempt(method, path, handler) and len(declared_permissions(handler)) != 1]


def guarded_routes(app: Litestar) -> list[tuple[str, str, Permission]]:
    return [(method, path, declared_permissions(handler)[0]) for method, path, handler in route_table(app)
            if not is_exempt(method, path, handler) and len(declared_permissions(handler)) == 1]


def concrete(path: str) -> str:
    return re.sub(r"\{[^:}]+:([a-z]+)\}", lambda m: SAMPLE_PATH_VALUES[m.group(1)], path)


def call(client, method: str, path: str):
    kwargs = {"headers": {"Accept": "application/json"}, "follow_redirects": False}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, concrete(path), **kwargs)


def refused_by_guard(response, permission: Permission) -> bool:
    """A 401/403 from a `requires` guard names the permission it wanted."""
    if response.status_code not in (401, 403):
        return False
    try:
        extra = response.json().get("extra") or {}
    except ValueError:
        return False
    return extra.get("permission") == permission.value


def violations(app: Litestar, client_for_role, routes=None) -> list[str]:
    """What the application answers that the permission table does not say, for every guarded
    route (or `routes`) and every role. `client_for_role(role)` gives a client of that role
    (None: anonymous)."""
    found = []
    for method, path, permission in routes or guarded_routes(app):
        for role in ROLES:
            client = client_for_role(role)
            response = call(client, method, path)
            who = role.value if role else "anonymous"
            if allowed(role, permission):
                if refused_by_guard(response, permission) or response.status_code == 403:
                    found.append(f"{method} {path}: {who} may {permission.value} but got {response.status_code}")
            else:
                expected = 401 if role is None else 403
                if response.status_code != expected or not refused_by_guard(response, permission):
                    found.append(f"{method} {path}: {who} may not {permission.value} but got {response.status_code}")
    return found


def session_clients(app: Litestar, test_client, make_user):
    """One account per role, and a fresh session (with CSRF token) for every request: a route
    under test may log its caller out."""
    from litestar.middleware.csrf import generate_csrf_token
    from sqlmodel import Session

    from registry.auth.sessions import open_session
    from registry.web.security_middleware import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
    from tests.conftest import AuthenticatedClient

    users = {}

    def client_for(role: Role | None) -> AuthenticatedClient:
        csrf = generate_csrf_token(app.state.secret_key)
        if role is None:  # a browser that has been shown a form, but is logged in to nothing
            return AuthenticatedClient(test_client, {"Cookie": f"{CSRF_COOKIE}={csrf}", CSRF_HEADER: csrf})
        if role not in users:
            users[role] = make_user(role.value)
        with Session(app.state.engine) as db:
            cookie, _record = open_session(db, users[role])
            db.commit()
        return AuthenticatedClient(test_client, {"Cookie": f"{SESSION_COOKIE}={cookie}; {CSRF_COOKIE}={csrf}",
                                                 CSRF_HEADER: csrf})

    return client_for


def test_every_route_declares_a_permission(app):
    assert routes_without_rule(app) == []


def test_the_route_table_is_not_empty_and_has_writes(app):
    """The checks below mean something only if they see the application's routes."""
    routes = guarded_routes(app)
    assert len(routes) > 20
    assert {permission for _m, _p, permission in routes} >= {Permission.read_public, Permission.edit_instruments,
                                                              Permission.manage_users, Permission.read_audit}


def test_route_answers_each_role_as_the_table_says(app, client, make_user):
    assert violations(app, session_clients(app, client, make_user)) == []


def test_public_by_nature_routes_answer_anonymous(client):
    assert client.get("/static/registry.css").status_code == 200
    assert client.get("/schema/openapi.json").status_code == 200


# --- the checks catch a missing guard ----------------------------------------------------------

def strip_guard(app: Litestar, method: str, path: str) -> None:
    (handler,) = [h for m, p, h in route_table(app) if (m, p) == (method, path)]
    for layer in handler.ownership_layers:
        layer.guards = [g for g in (layer.guards or []) if not hasattr(g, "permission")]
    handler._resolved_guards = Empty  # Litestar caches the resolved list on first use


@pytest.fixture
def app_without_a_guard(settings, engine, search_backend):
    """A second application, one of whose write routes lost its guard."""
    app = create_app(settings, engine=engine, search=search_backend)
    strip_guard(app, "POST", "/admin/users/{user_id:int}/disable")
    return app


def test_a_route_without_its_guard_fails_the_declaration_check(app_without_a_guard):
    assert routes_without_rule(app_without_a_guard) == ["POST /admin/users/{user_id:int}/disable"]


def test_a_route_without_its_guard_fails_the_behaviour_check(app_without_a_guard, make_user):
    """The handler no longer declares its rule, so the check is given the rule the table wants
    for it: anonymous and caisse now get through, and the check says so."""
    route = ("POST", "/admin/users/{user_id:int}/disable", Permission.manage_users)
    with TestClient(app_without_a_guard) as anonymous:
        found = violations(app_without_a_guard, session_clients(app_without_a_guard, anonymous, make_user),
                           routes=[route])
    assert any(line.startswith(f"{route[0]} {route[1]}: anonymous may not") for line in found)
    assert any(line.startswith(f"{route[0]} {route[1]}: caisse may not") for line in found)
    assert not any(": admin " in line for line in found)


# --- country limits: every write route, a principal limited to Argentina acting on Serbia ---------

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# rows that change on every request whoever makes it (who logged in, a token's last use), or that
# record the refusal itself: left out of "nothing changed"
NOT_COMPARED = {"audit_entry", "auth_session", "api_token", "login_throttle"}


def write_routes(app: Litestar) -> set[tuple[str, str]]:
    return {(method, path) for method, path, _handler in route_table(app) if method in WRITE_METHODS}


def test_every_write_route_has_a_cross_country_case(app):
    routes = write_routes(app)
    assert len(routes) > 40
    assert sorted(routes - set(CASES) - set(NOT_COUNTRY_MATERIAL)) == []
    assert sorted((set(CASES) | set(NOT_COUNTRY_MATERIAL)) - routes) == []  # no case for a route gone
    assert not set(CASES) & set(NOT_COUNTRY_MATERIAL)


def database_state(engine) -> dict[str, str]:
    """A digest of every row of every table that a refused write must leave as it was."""
    import hashlib

    from sqlalchemy import select as sa_select

    from registry.composition import all_metadata

    state = {}
    with engine.connect() as connection:
        for table in all_metadata().sorted_tables:
            if table.name in NOT_COMPARED:
                continue
            rows = connection.execute(sa_select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return state


def refusals(engine) -> list:
    from sqlmodel import Session, select

    from registry.models import AuditEntry

    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == "access.refused")
                            .order_by(AuditEntry.id)).all())


def send(writer, call):
    headers = {"Accept": "text/html" if call.is_page else "application/json"}
    data = dict(call.data or {})
    if call.version is not None:
        if call.is_page:
            data["version"] = str(call.version)
        else:
            headers["If-Match"] = f'"{call.version}"'
    return writer.request(call.method, call.url, json=call.json, data=data or None, files=call.files,
                          headers=headers, follow_redirects=False)


def limited_writer(route, client, login_as, make_token, countries):
    """The role a route's permission needs, limited to `countries`: a token for the API, a
    browser session for pages."""
    from tests.conftest import AuthenticatedClient

    (handler,) = [h for m, p, h in route_table(client.app) if (m, p) == route]
    role = "delegation" if declared_permissions(handler) == [Permission.edit_meetings] else "legal"
    if route[1].startswith("/api/"):
        return AuthenticatedClient(client, {"Authorization": f"Bearer {make_token(role, countries)}"})
    return login_as(role, countries=countries)


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda route: f"{route[0]} {route[1]}")
def test_a_principal_limited_to_one_country_may_not_write_for_another(route, app, client, login_as, make_token):
    """403, one audit row naming the refusal, not a row changed; the same request by a principal
    limited to Serbia succeeds (so the request was valid and the limit alone refused it)."""
    call = CASES[route](World(app.state.engine))
    argentina = limited_writer(route, client, login_as, make_token, ("AR",))
    serbia = limited_writer(route, client, login_as, make_token, ("RS",))
    before, refused_before = database_state(app.state.engine), len(refusals(app.state.engine))
    response = send(argentina, call)
    assert response.status_code == 403, (response.status_code, response.text[:400])
    if call.is_page:
        assert "Votre compte est limité à AR" in response.text
    else:
        assert response.json()["extra"]["country"] == "RS", response.json()
    assert database_state(app.state.engine) == before
    audited = refusals(app.state.engine)
    assert len(audited) == refused_before + 1 and audited[-1].after["status"] == 403
    assert audited[-1].after["path"] == call.url
    allowed = send(serbia, call)
    assert allowed.status_code < 400, (allowed.status_code, allowed.text[:400])
    assert database_state(app.state.engine) != before
