"""The index follows the outbox: every write records its search units in its own transaction;
they are applied after the commit, at start and at /health; a failure of the index never fails
a write, is reported by /health and healed by the next drain; one drainer at a time."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from whoosh import index as whoosh_index

from agreements import services as agreement_services
from agreements.models import Instrument
from registry.audit import Actor
from registry.composition import following_index, reindex, search_sources
from registry.models import User
from registry.web.app import create_app
from search import SearchDocument, outbox
from search.following import FollowingIndex
from search.memory import MemoryBackend
from search.outbox import SearchOutboxEntry
from search.sources import Refresh, SearchSource
from search.tantivy_backend import TantivyBackend
from search.whoosh_backend import WhooshBackend
from tests import factories
from tests.documents import docx_bytes
from tests.search_helpers import STAFF, find
from tests.search_helpers import keys as search_keys

ACTOR = Actor.system("system:test")


class FlakyBackend(MemoryBackend):
    """A memory index whose writes and queries fail while `down` is set; `delay` slows writes."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.delay = 0.0
        self.writes = 0

    def _check(self) -> None:
        if self.down:
            raise OSError("index unavailable")

    def index(self, docs):
        self._check()
        docs = list(docs)
        time.sleep(self.delay)  # between the drainer's read and its write
        self.writes += 1
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


def outbox_rows(engine, pending_only: bool = False) -> list[SearchOutboxEntry]:
    with Session(engine) as session:
        query = select(SearchOutboxEntry).order_by(SearchOutboxEntry.id)
        if pending_only:
            query = query.where(SearchOutboxEntry.done_at.is_(None))
        return list(session.exec(query).scalars())


def new_instrument(session: Session, title: str) -> Instrument:
    return factories.create_instrument(session, title_fr=title)


def retitle(engine, instrument_id: int, title: str) -> None:
    with Session(engine) as session:
        instrument = session.get(Instrument, instrument_id)
        agreement_services.update_instrument(session, ACTOR, instrument, {"title_fr": title}, instrument.version)
        session.commit()


# --- rows written in the transaction of the change ----------------------------------------------

def settle(engine) -> None:
    """Mark the rows pending now as done, as a drain would."""
    with engine.begin() as conn:
        outbox.mark_done(conn, outbox.pending_ids(conn))


def test_a_change_writes_its_unit_key_in_its_own_transaction(engine):
    before = len(outbox_rows(engine))
    with Session(engine) as session:
        instrument = agreement_services.create_instrument(session, ACTOR, {
            "country_code": "RS", "kind": "agreement", "title_fr": "Accord annulé"})
        session.flush()
        inside = session.exec(select(SearchOutboxEntry.key).where(SearchOutboxEntry.done_at.is_(None))).scalars().all()
        assert inside == [f"instrument:{instrument.id}"]  # visible inside the transaction…
        session.rollback()
    assert len(outbox_rows(engine)) == before  # …and gone with it: no row without the change, nor the reverse


def add_official_text(session):
    instrument = factories.create_instrument(session)
    settle(session.get_bind())
    agreement_services.attach_official_text(session, ACTOR, instrument, "fr", "texte.docx",
                                            docx_bytes("Texte officiel de l'accord"), 2**20)
    return f"instrument:{instrument.id}"


def add_form_version(session):
    from forms import services as form_services
    from forms.models import Form

    form = session.exec(select(Form).order_by(Form.id).limit(1)).scalar_one()
    form_services.create_version(session, ACTOR, form, "2099", None, "")
    return f"form:{form.id}"


def add_agenda_item(session):
    from agreements.meetings import services as meeting_services
    from agreements.meetings.references import DEFAULT_RESOLVERS

    meeting = factories.plan(session)
    settle(session.get_bind())
    meeting_services.add_agenda_item(session, ACTOR, meeting, {"title_fr": "Créances"}, meeting.version,
                                     DEFAULT_RESOLVERS)
    return f"meeting:{meeting.id}"


def hold_with_minutes(session):
    meeting, _heads = factories.held_with_minutes(session)  # contacts and participants: not searched
    return f"meeting:{meeting.id}"


@pytest.mark.parametrize("write", [add_official_text, add_form_version, add_agenda_item, hold_with_minutes],
                         ids=lambda f: f.__name__)
def test_rows_of_watched_models_name_the_unit_they_belong_to(engine, write):
    with Session(engine, expire_on_commit=False) as session:
        expected = write(session)
        session.commit()
    assert {row.key for row in outbox_rows(engine, pending_only=True)} == {expected}


def test_rows_of_models_search_does_not_show_write_nothing(engine):
    before = len(outbox_rows(engine))
    with Session(engine) as session:
        session.add(User(username="nobody", role="researcher", password_hash="x"))
        session.commit()
    assert len(outbox_rows(engine)) == before


# --- draining ------------------------------------------------------------------------------------

def test_a_write_is_searchable_as_soon_as_it_is_acknowledged(engine):
    backend = MemoryBackend()
    following = following_index(engine, backend)  # followed while someone holds it (the app does)
    with Session(engine, expire_on_commit=False) as session:
        instrument = new_instrument(session, "Accord sur les pensions de Zanzibar")
    assert keys(backend, "zanzibar") == {f"instrument:{instrument.id}"}
    assert outbox_rows(engine, pending_only=True) == [] and following.status().pending == 0


def test_rows_pending_at_start_are_applied_when_the_app_starts(settings, engine):
    with Session(engine, expire_on_commit=False) as session:
        instrument = new_instrument(session, "Accord écrit pendant que le serveur était arrêté")  # no follower
    assert len(outbox_rows(engine, pending_only=True)) == 1
    backend = MemoryBackend()
    from litestar.testing import TestClient

    with TestClient(create_app(settings, engine=engine, search=backend)):
        assert keys(backend, "arrêté") == {f"instrument:{instrument.id}"}
    assert outbox_rows(engine, pending_only=True) == []


def test_the_index_down_fails_no_write_and_health_reports_then_heals(settings, engine):
    flaky = FlakyBackend()
    from litestar.testing import TestClient

    with TestClient(create_app(settings, engine=engine, search=flaky)) as client:
        flaky.down = True
        with Session(engine, expire_on_commit=False) as session:
            instrument = new_instrument(session, "Accord sur les allocations de Tombouctou")  # does not raise
        retitle(engine, instrument.id, "Accord sur les allocations de Ouagadougou")
        [first, second] = outbox_rows(engine, pending_only=True)  # the second write's drain retried the first
        assert (first.attempts, second.attempts) == (2, 1) and "index unavailable" in second.last_error
        health = client.get("/health")
        assert health.status_code == 200  # the instance serves; monitoring sees "degraded"
        body = health.json()
        assert body["status"] == "degraded" and body["search"] == "stale" and body["search_pending"] == 2
        assert body["search_oldest_pending_s"] >= 0
        flaky.down = False  # no other write: the monitor's next poll applies what was kept
        assert client.get("/health").json() == {"status": "ok", "database": "ok", "search": "ok",
                                                "search_pending": 0, "search_oldest_pending_s": None}
        assert keys(flaky, "ouagadougou") == {f"instrument:{instrument.id}"} and keys(flaky, "tombouctou") == set()


def test_health_says_stale_once_a_change_has_waited_too_long_for_a_busy_drainer(settings, engine):
    """Another process holds the drain lock (a reindex): /health cannot apply the row; it says
    stale only once the row is older than STALE_AFTER, with no error recorded."""
    from litestar.testing import TestClient

    from registry.web.health import STALE_AFTER

    app = create_app(settings, engine=engine, search=MemoryBackend())
    with TestClient(app) as client, app.state.search.lock.hold() as held:
        assert held
        with engine.begin() as conn:
            conn.execute(outbox.TABLE.insert(), [{"key": "instrument:1", "attempts": 0, "last_error": "",
                                                  "created_at": outbox.utcnow() - timedelta(seconds=STALE_AFTER / 2)}])
        assert client.get("/health").json()["search"] == "ok"  # young: a drain is on its way
        with engine.begin() as conn:
            conn.execute(update(outbox.TABLE).values(created_at=outbox.utcnow() - timedelta(seconds=STALE_AFTER * 2)))
        body = client.get("/health").json()
        assert body["search"] == "stale" and body["search_pending"] == 1
        assert body["search_oldest_pending_s"] >= STALE_AFTER * 2


def test_a_failed_query_answers_503_in_the_reader_language(settings, engine):
    flaky = FlakyBackend()
    from litestar.testing import TestClient

    with TestClient(create_app(settings, engine=engine, search=flaky)) as client:
        flaky.down = True
        page = client.get("/search?q=pension", headers={"Accept": "text/html", "Accept-Language": "fr"})
        assert page.status_code == 503 and "La recherche est momentanément indisponible" in page.text
        assert "Traceback" not in page.text and page.headers["retry-after"] == "60"
        api = client.get("/api/search?q=pension&lang=en")
        assert api.status_code == 503
        assert api.json()["detail"] == "Search is unavailable for the moment; please try again in a minute."


def test_a_unit_whose_documents_fail_does_not_hold_back_the_others(engine):
    def refresh(session, ids):
        if 13 in ids:
            raise ValueError("unit 13 is broken")
        return Refresh([doc(f"thing:{i}", "Chose") for i in ids])

    broken = SearchSource(name="thing", watches={}, unit_ids=lambda s: [], refresh=refresh)
    good = SearchSource(name="other", watches={}, unit_ids=lambda s: [],
                        refresh=lambda s, ids: Refresh([doc(f"other:{i}", "Autre") for i in ids]))
    backend = MemoryBackend()
    following = FollowingIndex(backend, engine, [broken, good])
    with engine.begin() as conn:
        conn.execute(outbox.TABLE.insert(), [{"key": k, "created_at": outbox.utcnow(), "attempts": 0, "last_error": ""}
                                             for k in ("thing:13", "other:1", "nothing-here", "gone:4")])
    assert following.drain() == 3  # other:1, and the two keys no source knows (dropped, logged)
    [left] = outbox_rows(engine, pending_only=True)
    assert left.key == "thing:13" and left.attempts == 1 and "unit 13 is broken" in left.last_error
    assert keys(backend, "autre") == {"other:1"}
    assert following.status().pending == 1 and following.status().last_error.startswith("ValueError")


def test_done_rows_are_kept_a_day_then_pruned(engine):
    following = FollowingIndex(MemoryBackend(), engine, search_sources())
    with Session(engine, expire_on_commit=False) as session:
        new_instrument(session, "Accord ancien")
    following.drain()
    with engine.begin() as conn:
        conn.execute(update(outbox.TABLE).values(done_at=outbox.utcnow() - outbox.HISTORY - timedelta(minutes=1)))
    with Session(engine, expire_on_commit=False) as session:
        recent = new_instrument(session, "Accord récent")
    # a process prunes at its first drain, then every PRUNE_EVERY: the old rows go, the new one stays
    FollowingIndex(MemoryBackend(), engine, search_sources()).drain()
    assert [row.key for row in outbox_rows(engine)] == [f"instrument:{recent.id}"]


# --- several drainers ----------------------------------------------------------------------------

class GatedBackend(MemoryBackend):
    """Its first write waits for `gate`: a drainer that has read a unit, stopped before writing it."""

    def __init__(self) -> None:
        super().__init__()
        self.gate, self.waiting = threading.Event(), threading.Event()
        self.first = True

    def index(self, docs):
        docs = list(docs)
        if self.first:
            self.first = False
            self.waiting.set()
            self.gate.wait(10)
        return super().index(docs)


def test_a_drainer_that_read_an_older_state_cannot_write_it_over_a_newer_one(engine):
    """Drainer A reads "Samarcande" and stalls before writing it; the title becomes "Boukhara";
    drainer B (another process) drains now. Were B to write "Boukhara" while A stalls, A would
    then write "Samarcande" over it with both rows done (tried without the lock: it does). The
    lock makes B leave, and A, once through, drains the newer row itself."""
    backend = GatedBackend()
    a, b = (FollowingIndex(backend, engine, search_sources()) for _ in range(2))
    with Session(engine, expire_on_commit=False) as session:
        instrument = new_instrument(session, "Accord de Samarcande")
    stalled = threading.Thread(target=a.drain)
    stalled.start()
    assert backend.waiting.wait(10)  # A has read the unit and is about to write it
    retitle(engine, instrument.id, "Accord de Boukhara")
    assert b.drain() == 0
    backend.gate.set()
    stalled.join()
    assert [hit.title for hit in find(backend, "accord", country="RS", kind="instrument").hits
            if hit.key == f"instrument:{instrument.id}"] == ["Accord de Boukhara"]
    assert outbox_rows(engine, pending_only=True) == []


def test_concurrent_writers_and_drainers_leave_the_last_committed_state_in_the_index(engine):
    """Four drainers (as four processes would) busy while a writer edits one instrument 15
    times, with a slow index: the index ends with the last title, and no row is left pending."""
    backend = FlakyBackend()
    backend.delay = 0.03
    drainers = [FollowingIndex(backend, engine, search_sources()) for _ in range(4)]
    with Session(engine, expire_on_commit=False) as session:
        instrument = new_instrument(session, "Accord révision zéro")
    stop = threading.Event()

    def drain_forever(following):
        while not stop.is_set():
            if not following.drain():
                time.sleep(0.001)

    threads = [threading.Thread(target=drain_forever, args=(d,)) for d in drainers]
    for thread in threads:
        thread.start()
    try:
        for n in range(1, 16):
            retitle(engine, instrument.id, f"Accord révision {'x' * n}")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    drainers[0].drain()  # what a drainer that left at the end would have found
    [hit] = find(backend, "accord révision", visibility=STAFF, country="RS", kind="instrument").hits
    assert hit.title == f"Accord révision {'x' * 15}"
    assert outbox_rows(engine, pending_only=True) == []


def test_reindex_without_an_outbox_still_works_for_a_bare_backend(session):
    backend = MemoryBackend()
    assert reindex(session, backend) >= 151


def test_a_whoosh_writer_waits_for_another_process_lock(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.ensure()
    # another opening of the index (as another process would hold it): whoosh's file lock
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

