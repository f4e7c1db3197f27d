"""The index follows committed writes without ever failing them: a write it cannot follow is
kept and retried, /health says the index is stale, a failed query answers 503."""

import threading
import time

import pytest
from whoosh import index as whoosh_index

from registry.web.app import create_app
from search import SearchDocument
from search.following import FollowingIndex
from search.memory import MemoryBackend
from search.tantivy_backend import TantivyBackend
from search.whoosh_backend import WhooshBackend
from tests.search_helpers import STAFF, find
from tests.search_helpers import keys as search_keys


class FlakyBackend(MemoryBackend):
    """A memory index whose writes and queries fail while `down` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise OSError("index unavailable")

    def index(self, docs):
        self._check()
        return super().index(docs)

    def remove(self, keys):
        self._check()
        return super().remove(keys)

    def execute(self, plan):
        self._check()
        return super().execute(plan)


def doc(key: str, title: str) -> SearchDocument:
    return SearchDocument(key=key, kind="form", title=title, body="", url=f"/{key}")


def keys(backend, text: str) -> set[str]:
    return set(search_keys(backend, text))


def test_a_write_the_index_misses_is_kept_and_applied_at_the_next_one():
    flaky = FlakyBackend()
    index = FollowingIndex(flaky)
    index.index([doc("f:1", "Attestation de détachement")])
    flaky.down = True
    index.index([doc("f:2", "Attestation de pension")])  # does not raise
    index.remove(["f:1"])
    assert index.stale_since is not None and index.pending == 2
    flaky.down = False
    index.index([doc("f:3", "Attestation de scolarité")])
    assert keys(flaky, "attestation") == {"f:2", "f:3"} and index.stale_since is None and index.pending == 0


def test_the_newest_change_of_a_key_wins_among_those_kept():
    flaky = FlakyBackend()
    index = FollowingIndex(flaky)
    flaky.down = True
    index.index([doc("f:1", "Ancien titre")])
    index.remove(["f:1"])
    index.index([doc("f:1", "Nouveau titre")])
    flaky.down = False
    index.remove([])  # nothing to do: nothing retried either
    assert index.pending == 1
    index.index([doc("f:2", "Autre")])
    assert keys(flaky, "titre") == {"f:1"} and keys(flaky, "ancien") == set()


def test_beyond_what_it_can_hold_only_a_rebuild_makes_the_index_whole():
    flaky = FlakyBackend()
    index = FollowingIndex(flaky, max_pending=2)
    flaky.down = True
    index.index([doc(f"f:{n}", "Formulaire") for n in range(3)])
    flaky.down = False
    index.index([doc("f:9", "Formulaire")])
    assert index.stale_since is not None and index.pending == 0  # the three were dropped: stale
    index.rebuild([doc(f"f:{n}", "Formulaire") for n in (0, 1, 2, 9)])
    assert index.stale_since is None and len(keys(flaky, "formulaire")) == 4


def test_a_whoosh_writer_waits_for_another_process_lock(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.ensure()
    # another opening of the index (as `registry search reindex` would hold): whoosh's file lock
    holder = whoosh_index.open_dir(str(tmp_path / "index")).writer()
    releaser = threading.Timer(0.5, holder.commit)
    releaser.start()
    assert backend.index([doc("f:1", "Attestation")]) == 1  # waited, then wrote
    releaser.join()
    assert keys(backend, "attestation") == {"f:1"}


def test_a_tantivy_writer_waits_for_another_writer_lock(tmp_path):
    backend = TantivyBackend(tmp_path / "tantivy")
    backend.ensure()
    # another opening of the index holding its writer (as `registry search reindex` would): the lock file
    holder = backend._open().writer(heap_size=20_000_000, num_threads=1)

    def release() -> None:
        holder.commit()
        holder.__exit__(None, None, None)  # drops the writer and its lock

    releaser = threading.Timer(0.5, release)
    started = time.monotonic()
    releaser.start()
    assert backend.index([doc("f:1", "Attestation")]) == 1
    assert time.monotonic() - started >= 0.4  # it waited for the lock, then wrote
    releaser.join()
    assert keys(backend, "attestation") == {"f:1"}


@pytest.fixture
def flaky() -> FlakyBackend:
    return FlakyBackend()


@pytest.fixture
def app(settings, engine, flaky):
    return create_app(settings, engine=engine, search=flaky)


def test_a_saved_change_is_not_reported_as_failed_when_the_index_is_down(app, flaky, api_client_as, client):
    flaky.down = True
    created = api_client_as("delegation").post("/api/meetings", json={"country_code": "AR", "kind": "videoconference",
                                                                       "starts_on": "2024-02-15"})
    assert created.status_code == 201
    assert api_client_as("delegation").get(f"/api/meetings/{created.json()['id']}").status_code == 200
    health = client.get("/health")
    assert health.status_code == 200  # the instance serves: monitoring sees "degraded"
    assert health.json()["status"] == "degraded" and health.json()["search"] == "stale"
    assert health.json()["search_pending"] >= 1
    flaky.down = False  # no other write: the monitor's next poll applies what was kept
    assert client.get("/health").json() == {"status": "ok", "database": "ok", "search": "ok"}
    assert any(hit.url == f"/meetings/{created.json()['id']}"
               for hit in find(flaky, "visioconférence argentine", visibility=STAFF).hits)


def test_a_failed_query_answers_503_in_the_reader_language(flaky, client):
    flaky.down = True
    page = client.get("/search?q=pension", headers={"Accept": "text/html", "Accept-Language": "fr"})
    assert page.status_code == 503 and "La recherche est momentanément indisponible" in page.text
    assert "Traceback" not in page.text and page.headers["retry-after"] == "60"
    api = client.get("/api/search?q=pension&lang=en")
    assert api.status_code == 503 and api.json()["detail"] == "Search is unavailable for the moment; please try again in a minute."
