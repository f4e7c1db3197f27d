"""Shared fixtures: settings, a migrated database per test, an app client, factories.

Database tests run on SQLite by default; with REGISTRY_TEST_POSTGRES_URL set, tests marked
`postgres` run against that server too (each in its own schema-free fresh database)."""

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from registry import migrate
from registry.composition import seed, track_search_changes
from registry.db import make_engine
from registry.documents.converter import UnoserverConverter, find_unoserver
from registry.documents.workers import RenderPool
from registry.settings import Settings
from registry.web.app import create_app
from search.memory import MemoryBackend

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "")
track_search_changes()  # as every entry point does: writes in tests reach the search outbox too
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the documents generated now; review with git diff tests/golden")


@pytest.fixture
def golden(request):
    """golden(name, rendering): compare a normalised rendering (tests/golden.py) with
    tests/golden/<name>; with --update-golden, write it instead and say so in the summary."""
    from tests.golden import compare_golden

    update = request.config.getoption("update_golden")

    def check(name: str, rendering: str) -> None:
        written = compare_golden(name, rendering, update=update)
        if written:  # user_properties travel with the report, also from pytest-xdist workers
            request.node.user_properties.append(("golden", f"{written} tests/golden/{name}"))

    return check


def pytest_terminal_summary(terminalreporter) -> None:
    written = sorted({value for reports in terminalreporter.stats.values() for report in reports
                      for key, value in getattr(report, "user_properties", ()) if key == "golden"})
    if written:
        terminalreporter.write_sep("-", f"{len(written)} golden file(s) written: review git diff tests/golden")
        for line in written:
            terminalreporter.write_line(line)


def missing_dependency(reason: str) -> None:
    """Skip locally, fail in CI: a missing system package must not pass unnoticed there."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def no_errors_logged(caplog):
    """Fails the test if anything was logged at ERROR: a refusal of hostile input is the client's
    mistake (INFO), never a server error."""
    caplog.set_level(logging.INFO)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage()[:300] for r in errors]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", environment="test", search_backend="memory", secret_key="t" * 32)


def _fresh_postgres_database(template: str | None = None) -> Iterator[str]:
    admin_url = make_url(POSTGRES_URL)
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        missing_dependency("REGISTRY_TEST_POSTGRES_URL is not set (PostgreSQL server for database tests)")
    yield from _fresh_postgres_database()


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """An empty PostgreSQL database of its own, for a test that only makes sense there."""
    if not POSTGRES_URL:
        missing_dependency("REGISTRY_TEST_POSTGRES_URL is not set (PostgreSQL server for database tests)")
    for url in _fresh_postgres_database():
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def _migrate_and_seed(url: str) -> None:
    from search import outbox

    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        seed(session)
        session.commit()
    # as `registry run` does by building the index after seeding; each test starts with an empty
    # index (MemoryBackend) and calls reindex when it searches the shipped data
    with engine.begin() as conn:
        outbox.mark_done(conn, outbox.pending_ids(conn))
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite_file(tmp_path_factory) -> Path:
    """Migrated and seeded once per test process; each test gets a copy (seeding costs seconds)."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    _migrate_and_seed(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def seeded_postgres_template() -> Iterator[str]:
    """A migrated, seeded PostgreSQL database used as CREATE DATABASE … TEMPLATE for each test."""
    if not POSTGRES_URL:
        missing_dependency("REGISTRY_TEST_POSTGRES_URL is not set (PostgreSQL server for database tests)")
    for url in _fresh_postgres_database():
        _migrate_and_seed(url)
        yield make_url(url).database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded_database_url(request, tmp_path: Path) -> Iterator[str]:
    """A migrated database holding the shipped reference data, on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("seeded_sqlite_file"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("seeded_postgres_template")
    yield from _fresh_postgres_database(template=template)


@pytest.fixture
def engine(seeded_database_url: str) -> Iterator[Engine]:
    """A migrated database holding the shipped reference data (a copy of a seeded template)."""
    engine = make_engine(seeded_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def search_backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def app(settings: Settings, engine: Engine, search_backend: MemoryBackend):
    return create_app(settings, engine=engine, search=search_backend)


@pytest.fixture(scope="module")
def render_pool() -> Iterator[RenderPool]:
    pool = RenderPool(workers=2, timeout=30, memory_mb=1024)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def converter(tmp_path_factory) -> Iterator[UnoserverConverter]:
    """A real LibreOffice behind unoserver, started on the first conversion of the module."""
    converter = UnoserverConverter(find_unoserver(search_from=Path(__file__).parent), tmp_path_factory.mktemp("lo"))
    yield converter
    converter.close()


@pytest.fixture
def rendering_app(settings: Settings, engine: Engine, search_backend: MemoryBackend, render_pool, converter):
    """The app with real render workers and a real converter, for document tests."""
    return create_app(settings, engine=engine, search=search_backend, converter=converter, render_pool=render_pool)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


# --- accounts: people logged in through a real session, machines through a real token ---------

TEST_PASSWORD = "correct horse battery staple"



@pytest.fixture
def make_user(engine: Engine):
    """make_user(role="admin", username=None, countries=(), password=TEST_PASSWORD) -> User"""
    from registry import accounts
    from registry.audit import Actor

    made = iter(range(1, 10_000))

    def make(role: str = "admin", username: str | None = None, countries=(), password: str = TEST_PASSWORD):
        with Session(engine, expire_on_commit=False) as db:
            user = accounts.create_user(db, username or f"{role}{next(made)}", password, role,
                                        actor=Actor.system("system:test"), countries=countries)
            db.commit()
        return user

    return make


HTTPS_BASE_URL = "https://testserver.local"  # cookies are Secure outside development


def own_jar(client: TestClient, base_url: str = HTTPS_BASE_URL) -> httpx.Client:
    """Another browser on the same running test application: same transport, its own cookies."""
    return httpx.Client(transport=client._transport, base_url=base_url, follow_redirects=True)


class AuthenticatedClient:
    """Requests carrying one principal's credentials in explicit headers, through the test
    client's transport but with a cookie jar of its own (several Litestar TestClients on one app
    leak a stream at shutdown, and one shared jar would mix up the principals)."""

    def __init__(self, client: TestClient, headers: dict[str, str], user=None) -> None:
        self.client = own_jar(client)
        self.headers, self.user = headers, user

    def request(self, method: str, url: str, *, headers: dict | None = None, **kwargs):
        return self.client.request(method, url, headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs):
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs):
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs):
        return self.request("DELETE", url, **kwargs)


@pytest.fixture
def login_as(app, client, make_user):
    """login_as("legal", countries=("RS",)) -> an AuthenticatedClient with a live session of a new
    account of that role (or of `user=`), plus a CSRF cookie and x-csrftoken header, so form and
    JSON writes pass the CSRF check. The account is on `.user`, the session cookie in `.session_cookie`."""
    from litestar.middleware.csrf import generate_csrf_token

    from registry.auth.sessions import open_session
    from registry.web.security_middleware import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

    def login(role: str = "admin", *, countries=(), user=None) -> AuthenticatedClient:
        user = user or make_user(role, countries=countries)
        with Session(app.state.engine) as db:
            cookie, _record = open_session(db, user, "testclient")
            db.commit()
        csrf = generate_csrf_token(app.state.secret_key)
        logged_in = AuthenticatedClient(client, {"Cookie": f"{SESSION_COOKIE}={cookie}; {CSRF_COOKIE}={csrf}",
                                                 CSRF_HEADER: csrf}, user)
        logged_in.session_cookie = cookie
        return logged_in

    return login


@pytest.fixture
def make_token(app, make_user):
    """make_token(role="caisse", countries=(), owner=None, name=None) -> the bearer secret"""
    from registry.audit import Actor
    from registry.auth.tokens import create_token

    made = iter(range(1, 10_000))

    def make(role: str = "caisse", countries=(), owner=None, name: str | None = None) -> str:
        owner = owner or make_user(role)
        with Session(app.state.engine, expire_on_commit=False) as db:
            secret, _token = create_token(db, Actor.system("system:test"), owner, name or f"{role}-token-{next(made)}",
                                          role, countries)
            db.commit()
        return secret

    return make


@pytest.fixture
def api_client_as(client, make_token):
    """api_client_as("caisse", countries=("RS",)) -> an AuthenticatedClient sending Authorization: Bearer."""

    def client_for(role: str = "caisse", countries=()) -> AuthenticatedClient:
        return AuthenticatedClient(client, {"Authorization": f"Bearer {make_token(role, countries)}"})

    return client_for
