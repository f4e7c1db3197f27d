"""The PostgreSQL full-text backend: what only it has to prove (folding in the database, two
instances on one index, creation under concurrency, wiring and health). The behaviour every
backend shares is in tests/test_search.py and tests/test_search_reindex.py, which run it here too."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import text

from registry.cli import main
from registry.composition import all_metadata, is_migrated
from registry.db import make_engine
from registry.settings import SettingsError
from registry.web.app import create_app
from search import SearchDocument, make_backend
from search.postgres_backend import START, STOP, PostgresBackend
from tests.search_helpers import find, keys

ONLY_POSTGRES = pytest.mark.parametrize("seeded_database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                        indirect=True)


@pytest.fixture
def postgres_backend(postgres_engine) -> PostgresBackend:
    backend = PostgresBackend(postgres_engine)
    backend.ensure()
    return backend


@pytest.mark.postgres
def test_two_instances_see_each_others_writes_at_once(postgres_backend):
    other_engine = make_engine(postgres_backend.engine.url.render_as_string(hide_password=False))
    try:
        other = PostgresBackend(other_engine)
        assert other.ensure() is False
        other.index([SearchDocument(key="x:1", kind="x", title="Échange de lettres", body="", url="/x")])
        assert keys(postgres_backend, "echange") == ["x:1"]
        postgres_backend.remove(["x:1"])
        assert keys(other, "echange") == []
    finally:
        other_engine.dispose()


@pytest.mark.postgres
def test_two_instances_starting_at_once_create_the_index_once(postgres_engine):
    url = postgres_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            created = list(pool.map(lambda engine: PostgresBackend(engine).ensure(), engines))
    finally:
        for engine in engines:
            engine.dispose()
    assert sorted(created) == [False, False, False, True]
    assert PostgresBackend(postgres_engine).is_reachable()


@pytest.mark.postgres
def test_ensure_keeps_an_existing_unaccent_and_index(postgres_engine):
    with postgres_engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION unaccent"))
    backend = PostgresBackend(postgres_engine)
    assert backend.is_reachable() is False
    assert backend.ensure() is True
    backend.index([SearchDocument(key="k", kind="x", title="Totalisation des périodes", body="", url="/k")])
    assert backend.ensure() is False and backend.ensure() is False
    assert keys(backend, "periode") == ["k"]


@pytest.mark.postgres
def test_indexed_text_cannot_forge_highlight_tags(postgres_backend):
    postgres_backend.index([SearchDocument(key="f", kind="x", title="t", url="/f",
                                           body=f"{START}forged{STOP} mention of the pension")])
    [hit] = find(postgres_backend, "pension").hits
    assert hit.highlight.count("<b>") == hit.highlight.count("</b>") == 1 and "<b>pension</b>" in hit.highlight


@ONLY_POSTGRES
def test_health_reports_the_postgres_search_index(settings, engine):
    app = create_app(replace(settings, search_backend="postgres"), engine=engine)
    assert isinstance(app.state.search.backend, PostgresBackend)
    with TestClient(app) as client:
        assert client.get("/health").json()["search"] == "unreachable"  # not created yet: `registry run` does it
        app.state.search.ensure()
        response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok", "search": "ok",
                                                               "search_pending": 0, "search_oldest_pending_s": None}


@ONLY_POSTGRES
def test_reindex_command_fills_the_postgres_index(engine, tmp_path):
    env = {"REGISTRY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "REGISTRY_DATA_DIR": str(tmp_path / "var"), "REGISTRY_SEARCH_BACKEND": "postgres"}
    result = CliRunner().invoke(main, ["search", "reindex"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Search index built" in result.output
    assert keys(PostgresBackend(engine), "Serbie", country="RS")
    assert not (tmp_path / "var" / "index").exists()  # nothing on disk


@ONLY_POSTGRES
def test_migrations_autogenerate_ignores_the_search_table(engine):
    PostgresBackend(engine).ensure()
    with engine.connect() as conn:
        unfiltered = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), all_metadata())
        filtered = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True,
                                                                           "include_name": is_migrated}),
                                    all_metadata())
    # what autogenerate would propose without the filter: dropping the index and its table
    assert {diff[0] for diff in unfiltered} == {"remove_table", "remove_index"}
    assert filtered == []


def test_postgres_backend_on_sqlite_stops_at_start_naming_both_settings(tmp_path, settings):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with pytest.raises(SettingsError, match="REGISTRY_SEARCH_BACKEND.*REGISTRY_DATABASE_URL"):
            create_app(replace(settings, search_backend="postgres"), engine=engine)
    finally:
        engine.dispose()
    result = CliRunner().invoke(main, ["search", "reindex"], env={
        "REGISTRY_DATA_DIR": str(tmp_path / "var"), "REGISTRY_SEARCH_BACKEND": "postgres", "REGISTRY_DATABASE_URL": ""})
    assert result.exit_code == 1
    assert "REGISTRY_SEARCH_BACKEND=postgres" in result.output and "REGISTRY_DATABASE_URL" in result.output


def test_unknown_backend_names_the_choices(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(SettingsError, match="tantivy, whoosh, postgres, memory"):
        make_backend("elastic", tmp_path / "index", engine)
    engine.dispose()
