"""The Serbian chain of texts and what applied when."""

from datetime import date

from sqlmodel import select

from agreements.models import Instrument
from agreements.queries import find_by_slug, links_of, list_instruments, with_status


def status_of(session, country, slug, on):
    instrument = find_by_slug(session, country, slug)
    (item,) = with_status(session, [instrument], on)
    return item.status.status.value


def test_serbian_chain_of_texts(session):
    accord = find_by_slug(session, "RS", "2014-11-06-accord")
    parents, children = links_of(session, accord.id)
    child_kinds = {(session.get(Instrument, link.from_id).slug, link.kind) for link in children}
    assert child_kinds == {("2018-03-15-arrangement", "implements"), ("2021-07-02-avenant", "amends")}
    assert {(session.get(Instrument, link.to_id).slug, link.kind) for link in parents} == {
        ("1950-01-05-convention", "supersedes"), ("1967-01-23-arrangement", "supersedes")}


def test_yugoslav_convention_applies_to_serbia_until_the_new_agreement(session):
    assert status_of(session, "RS", "1950-01-05-convention", date(2023, 11, 30)) == "in_force"
    assert status_of(session, "RS", "1950-01-05-convention", date(2023, 12, 1)) == "superseded"
    assert status_of(session, "RS", "2014-11-06-accord", date(2023, 11, 30)) == "signed"
    assert status_of(session, "RS", "2014-11-06-accord", date(2023, 12, 1)) == "in_force"


def test_yugoslav_convention_still_applies_to_bosnia(session):
    (convention,) = list_instruments(session, country="BA")
    assert convention.title_fr.startswith("Convention générale de sécurité sociale entre la France et la Yougoslavie")
    for on in (date(2023, 11, 30), date(2023, 12, 1), date(2026, 1, 1)):
        assert status_of(session, "BA", convention.slug, on) == "in_force"


def test_every_seeded_instrument_has_a_first_revision(session):
    from agreements.services.revisions import revisions_of

    for instrument in session.exec(select(Instrument)).all()[:10]:
        (revision,) = revisions_of(session, instrument.id)
        assert revision.version == 1 and revision.action == "seed" and revision.actor == "system:seed"
