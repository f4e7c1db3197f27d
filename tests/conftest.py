"""Shared fixtures: settings, a migrated database per test, an app client, factories.

Database tests run on SQLite by default; with REGISTRY_TEST_POSTGRES_URL set, tests marked
`postgres` run against that server too (each in its own schema-free fresh database)."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from registry import migrate
from registry.composition import seed
from registry.db import make_engine
from registry.settings import Settings
from registry.web.app import create_app
from search.memory import MemoryBackend

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_dependency(reason: str) -> None:
    """Skip locally, fail in CI: a missing system package must not pass unnoticed there."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", environment="test", search_backend="memory", secret_key="t" * 32)


def _fresh_postgres_database() -> Iterator[str]:
    admin_url = make_url(POSTGRES_URL)
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
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
def engine(empty_engine: Engine) -> Engine:
    """A migrated database holding the shipped reference data."""
    migrate.upgrade(empty_engine)
    with Session(empty_engine) as session:
        seed(session)
        session.commit()
    return empty_engine


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


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
