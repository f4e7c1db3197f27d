"""The version lifecycle in the services: validations bound to content, publication dates that
never overlap, withdrawal, and nothing ever deleted."""

from datetime import date

import pytest
from sqlmodel import func, select

from forms import services
from forms.models import Form, FormValidation, FormVersion
from forms.queries import applicable_version, find_form, missing_sides, validations_of, versions_of
from forms.search import form_documents
from registry.problems import Conflict, Refused, StaleVersion
from tests.factories import LEGAL


def brazil_claim(session) -> Form:
    return find_form(session, "SE 416-04")


def new_draft(session, label: str = "2025-01") -> FormVersion:
    version = services.create_version(session, LEGAL, brazil_claim(session), label)
    session.commit()
    return version


def validate(session, version: FormVersion, side: str, on: date = date(2024, 11, 20)) -> None:
    services.record_validation(session, LEGAL, brazil_claim(session), version,
                               {"side": side, "validated_on": on, "body_name": "INSS"}, version.version)
    session.commit()


def test_a_validation_agrees_to_content_an_edit_makes_it_stale(session):
    draft = new_draft(session)
    validate(session, draft, "france")
    assert missing_sides(draft, validations_of(session, [draft.id])[draft.id]) == ["partner"]
    services.update_version(session, LEGAL, draft, {"change_notes": "notes only"}, draft.version)
    session.commit()
    assert missing_sides(draft, validations_of(session, [draft.id])[draft.id]) == ["partner"]  # notes are not content
    fields = [f for f in draft.fields if f["name"] != "payment.email"]
    with pytest.raises(Refused):  # the template still prints payment.email
        services.update_version(session, LEGAL, draft, {"fields": fields}, draft.version)
    session.rollback()
    changed = [{**draft.fields[0], "label_partner": "Sobrenome (de solteira, se for o caso)"}, *draft.fields[1:]]
    services.update_version(session, LEGAL, draft, {"fields": changed}, draft.version)
    session.commit()
    assert missing_sides(draft, validations_of(session, [draft.id])[draft.id]) == ["france", "partner"]
    validate(session, draft, "partner")
    with pytest.raises(Conflict, match="content that has changed since"):
        services.publish_version(session, LEGAL, brazil_claim(session), draft, date(2025, 1, 1), None, draft.version)
    session.rollback()
    validate(session, draft, "france")
    assert draft.status == "validated"


def published_v3(session, valid_from: date) -> FormVersion:
    draft = new_draft(session)
    validate(session, draft, "france")
    validate(session, draft, "partner")
    services.publish_version(session, LEGAL, brazil_claim(session), draft, valid_from, None, draft.version)
    session.commit()
    return draft


def test_publishing_closes_the_previous_version_the_day_before(session):
    v3 = published_v3(session, date(2027, 1, 1))  # the catalog's third version is from 2026-12-01: a fourth
    versions = versions_of(session, [brazil_claim(session).id])[brazil_claim(session).id]
    v1, v2, a4 = versions[0], versions[1], versions[2]
    assert (a4.status, a4.valid_until) == ("superseded", date(2026, 12, 31))
    assert (v2.status, v2.valid_until) == ("superseded", date(2026, 11, 30))  # untouched: it already ended
    assert (v1.status, v1.valid_until) == ("superseded", date(2023, 8, 31))
    assert [applicable_version(versions, date(y, m, d)).number for y, m, d in
            [(2014, 9, 1), (2023, 8, 31), (2023, 9, 1), (2026, 12, 31), (2027, 1, 1), (2030, 1, 1)]] == [1, 1, 2, 3, 4, 4]
    assert v3.published_by == "juriste" and v3.published_at is not None


def test_a_publication_cannot_start_before_a_published_version(session):
    draft = new_draft(session)
    validate(session, draft, "france")
    validate(session, draft, "partner")
    with pytest.raises(Conflict, match="already published from 2026-12-01"):
        services.publish_version(session, LEGAL, brazil_claim(session), draft, date(2023, 6, 1), None, draft.version)


def test_withdrawn_versions_stay_and_never_apply(session):
    v3 = published_v3(session, date(2027, 1, 1))
    with pytest.raises(Refused):
        services.withdraw_version(session, LEGAL, v3, " ", v3.version)
    services.withdraw_version(session, LEGAL, v3, "erreur de traduction", v3.version)
    session.commit()
    versions = versions_of(session, [v3.form_id])[v3.form_id]
    assert [v.status for v in versions] == ["superseded", "superseded", "superseded", "withdrawn"]
    assert applicable_version(versions, date(2027, 6, 1)) is None  # the A4 version ended the day before
    with pytest.raises(Conflict):
        services.withdraw_version(session, LEGAL, v3, "encore", v3.version)


def test_a_stale_etag_overwrites_nothing(session):
    draft = new_draft(session)
    services.update_version(session, LEGAL, draft, {"label": "A"}, 1)
    session.commit()
    with pytest.raises(StaleVersion) as stale:
        services.update_version(session, LEGAL, draft, {"label": "B"}, 1)
    assert (stale.value.expected, stale.value.current) == (1, 2)
    session.refresh(draft)
    assert draft.label == "A"


def test_validations_on_published_versions_and_without_template_are_refused(session):
    published = session.exec(select(FormVersion).where(FormVersion.form_id == brazil_claim(session).id,
                                                       FormVersion.number == 2)).one()
    with pytest.raises(Conflict, match="recorded on drafts"):
        validate(session, published, "france")
    session.rollback()
    form = services.create_form(session, LEGAL, {
        "code": "SE 121-33", "country_code": "RS", "instrument_slug": "2014-11-06-accord",
        "title_fr": "Demande de pension d'invalidité", "title_partner": "Zahtev za invalidsku penziju",
        "partner_language": "sr-Latn", "risk": "invalidity", "direction": "both"})
    empty = services.create_version(session, LEGAL, form, "projet")
    with pytest.raises(Conflict, match="no template yet"):
        services.record_validation(session, LEGAL, form, empty, {"side": "france", "validated_on": date(2025, 1, 1)},
                                   empty.version)


def test_nothing_is_ever_deleted(session):
    before = {table: session.exec(select(func.count()).select_from(table)).one()
              for table in (Form, FormVersion, FormValidation)}
    v3 = published_v3(session, date(2027, 1, 1))
    services.withdraw_version(session, LEGAL, v3, "erreur", v3.version)
    session.commit()
    after = {table: session.exec(select(func.count()).select_from(table)).one()
             for table in (Form, FormVersion, FormValidation)}
    assert after == {Form: before[Form], FormVersion: before[FormVersion] + 1, FormValidation: before[FormValidation] + 2}


def test_search_documents_keep_drafts_for_staff(session):
    forms = {f.code: f for f in session.exec(select(Form)).all()}
    documents = {d.key: d for d in form_documents(session, list(forms.values()))}
    pending = documents[f"form:{forms['SE 121-05'].id}"]
    claim = documents[f"form:{forms['SE 416-04'].id}"]
    assert pending.audience == "staff" and claim.audience == "public"
    assert "CPF" in claim.body and "Requerimento" in claim.body and claim.year == 2014 and claim.risks == ("old_age",)
