"""Rebuilding the index aside (`rebuild_aside`, `registry search reindex`): searches keep
answering from the old index until the swap, a failed build leaves it whole, and writes
committed during the rebuild are applied after the swap. Parametrised over every backend that
search.api.BACKENDS names, so a new backend (tantivy) joins these tests when it is added."""

import threading

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from registry.cli import main
from registry.composition import following_index, rebuild_search
from search import SearchDocument, make_backend
from search.api import BACKENDS
from search.whoosh_backend import WhooshBackend
from tests import factories
from tests.test_search_following import outbox_rows, retitle
from tests.search_helpers import keys


def backend_params():
    """(backend, database): the postgres backend lives in a PostgreSQL database; the others are
    tried on SQLite (their PostgreSQL variants add nothing to what is tested here)."""
    for name in BACKENDS:
        if name == "postgres":
            yield pytest.param(name, "postgres", marks=pytest.mark.postgres, id=name)
        else:
            yield pytest.param(name, "sqlite", id=name)


WITH_EVERY_BACKEND = pytest.mark.parametrize(("backend_name", "seeded_database_url"), list(backend_params()),
                                             indirect=["seeded_database_url"])


@pytest.fixture
def backend(backend_name, engine, tmp_path):
    backend = make_backend(backend_name, tmp_path / "index", engine)
    backend.ensure()
    return backend


def doc(key: str, title: str) -> SearchDocument:
    return SearchDocument(key=key, kind="form", title=title, body="", url=f"/{key}")


def found(backend, text: str) -> set[str]:
    return set(keys(backend, text))


@WITH_EVERY_BACKEND
def test_searches_answer_from_the_old_index_until_the_swap(backend):
    backend.index([doc("old:1", "Attestation ancienne")])
    halfway, resume = threading.Event(), threading.Event()

    def new_documents():
        yield doc("new:1", "Attestation nouvelle")
        halfway.set()
        assert resume.wait(10)
        yield doc("new:2", "Attestation nouvelle bis")

    errors = []
    builder = threading.Thread(target=lambda: _run(errors, backend.rebuild_aside, new_documents()))
    builder.start()
    try:
        assert halfway.wait(10)
        assert found(backend, "attestation") == {"old:1"}  # mid-build: the old index, whole
    finally:
        resume.set()
        builder.join()
    assert errors == [] and found(backend, "attestation") == {"new:1", "new:2"}


def _run(errors: list, function, *args) -> None:
    try:
        function(*args)
    except Exception as exc:  # reported by the test's assertion
        errors.append(exc)


@WITH_EVERY_BACKEND
def test_writes_committed_during_a_rebuild_are_applied_after_the_swap(backend, engine):
    """A server (its follower) writes while `registry search reindex` (another process: its own
    lock holder) rebuilds; the writes land in the middle of the build, after the units they
    touch were read. After the swap the index holds them, and nothing is left pending."""
    server = following_index(engine, backend)  # the server's follower: drains after each commit
    with Session(engine, expire_on_commit=False) as session:
        early = factories.create_instrument(session, title_fr="Protocole de Samarcande")
    written = []

    def progress(done: int, total: int) -> None:
        if done and not written:  # the first chunk (the first instruments) has been read
            retitle(engine, early.id, "Protocole de Boukhara")
            with Session(engine, expire_on_commit=False) as session:
                written.append(factories.create_instrument(session, title_fr="Protocole de Zanzibar"))
            assert server.status().pending == 2  # the server found the lock taken: kept for after

    count = rebuild_search(engine, backend, progress)
    assert count >= 151 and written
    assert found(backend, "boukhara") == {f"instrument:{early.id}"} and found(backend, "samarcande") == set()
    assert found(backend, "zanzibar") == {f"instrument:{written[0].id}"}
    assert outbox_rows(engine, pending_only=True) == []


def test_another_process_reads_the_new_generation_after_a_swap(tmp_path):
    """whoosh in the server keeps its index object; `registry search reindex` swaps the link."""
    server, command = WhooshBackend(tmp_path / "index"), WhooshBackend(tmp_path / "index")
    assert server.ensure() is True
    server.index([doc("old", "Certificat ancien")])
    assert found(server, "certificat") == {"old"}
    first = command.generations.generation()
    command.rebuild_aside([doc("new", "Certificat nouveau")])
    assert found(server, "certificat") == {"new"}
    server.index([doc("after", "Certificat d'après")])  # its writes go to the new generation too
    assert found(command, "certificat") == {"new", "after"}
    command.rebuild_aside([doc("third", "Certificat troisième")])
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("index."))
    assert len(kept) == 2 and first not in kept  # the live one and the previous one
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


def test_an_index_folder_from_before_links_is_moved_aside_at_its_first_rebuild(tmp_path):
    from whoosh import index as whoosh_index

    from search.whoosh_backend import build_schema

    (tmp_path / "index").mkdir()
    whoosh_index.create_in(str(tmp_path / "index"), build_schema())  # as earlier versions made it
    legacy = WhooshBackend(tmp_path / "index")
    assert legacy.ensure() is False
    legacy.index([doc("old", "Formulaire ancien")])
    legacy.rebuild_aside([doc("new", "Formulaire nouveau")])
    assert (tmp_path / "index").is_symlink() and found(legacy, "formulaire") == {"new"}
    assert [p.name.startswith("index.legacy-") for p in tmp_path.iterdir() if "legacy" in p.name] == [True]


def test_reindex_command_rebuilds_aside_and_says_how_many(engine, tmp_path):
    env = {"REGISTRY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "REGISTRY_DATA_DIR": str(tmp_path / "var"), "REGISTRY_SEARCH_BACKEND": "whoosh"}
    for _ in range(2):  # the second replaces the first, aside
        result = CliRunner().invoke(main, ["search", "reindex"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "Search index built:" in result.output
    backend = WhooshBackend(tmp_path / "var" / "index")
    assert (tmp_path / "var" / "index").is_symlink() and keys(backend, "Serbie", country="RS")
