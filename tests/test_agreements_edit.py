"""Writes on instruments: invariants, revisions, audit, optimistic concurrency, links."""

import threading
from datetime import date

import pytest
from sqlmodel import Session, select

from agreements import services
from agreements.models import Instrument
from agreements.queries import find_by_slug
from agreements.services.revisions import revisions_of
from registry.models import AuditEntry
from registry.problems import Conflict, Refused, StaleVersion
from tests.factories import LEGAL, create_instrument


def test_create_records_revision_and_audit(session):
    instrument = create_instrument(session)
    assert instrument.slug == "2024-05-02-protocole" and instrument.version == 1
    (revision,) = revisions_of(session, instrument.id)
    assert revision.action == "create" and revision.actor == "juriste"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "instrument.create")).one()
    assert entry.entity_id == str(instrument.id) and entry.remote_addr == "127.0.0.1"


def test_slug_is_unique_within_a_country(session):
    first, second = create_instrument(session), create_instrument(session)
    assert (first.slug, second.slug) == ("2024-05-02-protocole", "2024-05-02-protocole-2")


@pytest.mark.parametrize("dates,field,both", [
    ({"signed_on": date(2024, 5, 2), "in_force_on": date(2024, 1, 1)}, "in_force_on", ("2024-01-01", "2024-05-02")),
    ({"in_force_on": date(2024, 9, 1), "terminated_on": date(2024, 8, 1)}, "terminated_on", ("2024-08-01", "2024-09-01")),
])
def test_inconsistent_dates_are_refused_naming_both(session, dates, field, both):
    with pytest.raises(Refused) as refused:
        create_instrument(session, **dates)
    (error,) = refused.value.errors
    assert error.field == field and all(d in (error.message % error.params) for d in both)
    assert find_by_slug(session, "RS", "2024-05-02-protocole") is None


def test_unknown_country_and_kind_are_refused(session):
    with pytest.raises(Refused) as refused:
        create_instrument(session, country_code="ZZ")
    assert refused.value.errors[0].field == "country_code"
    with pytest.raises(Refused) as refused:
        create_instrument(session, kind="treaty")
    assert refused.value.errors[0].field == "kind"


def test_update_grows_the_version_and_keeps_field_differences(session):
    instrument = create_instrument(session)
    services.update_instrument(session, LEGAL, instrument, {"title_fr": "Protocole modifié"}, expected_version=1)
    session.commit()
    assert instrument.version == 2
    first, second = revisions_of(session, instrument.id)
    assert second.changes == {"title_fr": {"before": "Protocole d'essai", "after": "Protocole modifié"}}
    assert first.snapshot["title_fr"] == "Protocole d'essai"


def test_stale_version_is_refused_and_nothing_overwritten(session):
    instrument = create_instrument(session)
    services.update_instrument(session, LEGAL, instrument, {"title_fr": "A"}, expected_version=1)
    session.commit()
    with pytest.raises(StaleVersion) as stale:
        services.update_instrument(session, LEGAL, instrument, {"title_fr": "B"}, expected_version=1)
    assert stale.value.current == 2
    session.refresh(instrument)
    assert instrument.title_fr == "A"


def test_two_editors_at_once_one_wins_one_gets_stale(engine):
    with Session(engine) as setup:
        instrument_id = create_instrument(setup).id
    barrier = threading.Barrier(2)
    outcomes = {}

    def edit(name: str) -> None:
        with Session(engine, expire_on_commit=False) as session:
            instrument = session.get(Instrument, instrument_id)
            barrier.wait()
            try:
                services.update_instrument(session, LEGAL, instrument, {"title_fr": f"Titre de {name}"}, 1)
                session.commit()
                outcomes[name] = "saved"
            except StaleVersion:
                outcomes[name] = "stale"

    threads = [threading.Thread(target=edit, args=(name,)) for name in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["saved", "stale"]
    with Session(engine) as session:
        (winner,) = [name for name, outcome in outcomes.items() if outcome == "saved"]
        assert session.get(Instrument, instrument_id).title_fr == f"Titre de {winner}"
        assert [r.version for r in revisions_of(session, instrument_id)] == [1, 2]


def test_archived_instrument_stays_readable(session):
    instrument = create_instrument(session)
    services.archive_instrument(session, LEGAL, instrument, expected_version=1)
    session.commit()
    assert session.get(Instrument, instrument.id).archived is True
    assert revisions_of(session, instrument.id)[-1].action == "archive"


def test_links_refuse_cycles_other_countries_and_self(session):
    accord = find_by_slug(session, "RS", "2014-11-06-accord")
    arrangement = find_by_slug(session, "RS", "2018-03-15-arrangement")
    with pytest.raises(Conflict, match="cycle"):
        services.add_link(session, LEGAL, accord, arrangement, "amends")
    with pytest.raises(Conflict, match="unrelated"):
        services.add_link(session, LEGAL, accord, find_by_slug(session, "BA", "1950-01-05-convention"), "supersedes")
    with pytest.raises(Conflict, match="itself"):
        services.add_link(session, LEGAL, accord, accord, "amends")
    with pytest.raises(Conflict, match="already"):
        services.add_link(session, LEGAL, arrangement, accord, "implements")


def test_new_link_is_audited(session):
    protocol = create_instrument(session)
    accord = find_by_slug(session, "RS", "2014-11-06-accord")
    services.add_link(session, LEGAL, protocol, accord, "implements")
    session.commit()
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "instrument.link")).one()
    assert entry.after["to"] == "2014-11-06-accord"
