"""The country-limit rule itself (registry/country_limits.py): every table declares its country
or why it has none, an undeclared one is refused under limits, the rule is what refuses (the
matrix in tests/test_permissions_matrix.py covers every write route), imports naming another
country are refused whole, reads of restricted material follow the same limits, and reading
another country's pages is never refused."""

import pytest
from sqlmodel import Session, select

from agreements.meetings.models import Contact
from forms.models import Form, FormVersion
from registry import country_limits
from registry.composition import all_metadata
from registry.country_limits import OutsideCountryLimits
from registry.models import AuditEntry


def test_every_table_says_which_country_its_rows_belong_to():
    tables = set(all_metadata().tables)
    declared = {model.__tablename__ for model in country_limits.SCOPES} | set(country_limits.UNLIMITED)
    assert sorted(tables - declared) == [], "declare these tables with country_limits.scoped or .unlimited"
    assert sorted(declared - tables) == []


def test_a_row_of_an_undeclared_table_is_refused_under_limits(session):
    class Stray:  # what a new table forgotten in the declarations looks like to the rule
        __tablename__ = "stray"

    country_limits.check_row(session, Stray())  # no limits: nothing to check
    country_limits.limit(session, ("AR",))
    with pytest.raises(OutsideCountryLimits) as refused:
        country_limits.check_row(session, Stray())
    assert "stray declares no country rule" in refused.value.detail


def test_moving_a_row_out_of_a_country_is_refused_too(session):
    """The country a row had counts as well as the one it gets."""
    contact = Contact(name="Ana", side="partner", country_code="RS")
    session.add(contact)
    session.commit()
    country_limits.limit(session, ("AR",))
    contact.country_code = "AR"
    with pytest.raises(OutsideCountryLimits) as refused:
        session.flush()
    assert refused.value.country == "RS"


def test_without_the_rule_a_limited_token_would_write_elsewhere(api_client_as, monkeypatch):
    """The 403s of the matrix come from the rule: switched off, the same request succeeds."""
    body = {"country_code": "RS", "kind": "protocol", "title_fr": "Protocole sans règle"}
    legal = api_client_as("legal", countries=("AR",))
    assert legal.post("/api/instruments", json=body).status_code == 403
    monkeypatch.setattr(country_limits, "check_row", lambda session, record: None)
    assert legal.post("/api/instruments", json=body).status_code == 201


def test_an_import_naming_another_country_is_refused_whole_dry_run_or_not(api_client_as, app):
    legal = api_client_as("legal", countries=("AR",))
    rows = [{"country_code": "AR", "kind": "protocol", "title_fr": "Protocole argentin", "slug": "protocole-ar"},
            {"country_code": "rs", "kind": "protocol", "title_fr": "Protocole serbe", "slug": "protocole-rs"}]
    document = {"format": "registry-instruments/1", "instruments": rows,
                "links": [{"country_code": "BR", "from_slug": "a", "kind": "amends", "to_slug": "b"}]}
    for dry_run in (True, False):
        refused = legal.post("/api/import/instruments?lang=en" + ("&dry_run=true" if dry_run else ""), json=document)
        assert refused.status_code == 403, refused.text
        body = refused.json()
        assert body["extra"]["country"] == "BR, RS" and body["extra"]["about"] == "instruments row 2 (RS); links row 1 (BR)"
        assert "limited to AR: it may not change what belongs to BR, RS" in body["detail"]
    assert legal.get("/api/instruments?country=AR&q=Protocole argentin").json() == []  # the AR row neither
    with Session(app.state.engine) as db:
        audited = db.exec(select(AuditEntry).where(AuditEntry.action == "access.refused")).all()
    assert [entry.after["permission"] for entry in audited][-2:] == ["country_limits", "country_limits"]


def test_drafts_of_a_form_are_read_by_staff_of_its_country_only(api_client_as, app):
    with Session(app.state.engine) as db:
        draft = db.exec(select(FormVersion).join(Form).where(Form.code == "SE 121-05",
                                                             FormVersion.status == "draft")).one()
    url = f"/api/forms/SE-121-05/versions/{draft.number}"
    serbia, argentina = api_client_as("legal", countries=("RS",)), api_client_as("legal", countries=("AR",))
    assert serbia.get(url).status_code == 200
    refused = argentina.get(url)
    assert refused.status_code == 403 and refused.json()["extra"] == {"country": "RS"}
    assert draft.number in [v["number"] for v in serbia.get("/api/forms/SE-121-05/versions").json()]
    assert draft.number not in [v["number"] for v in argentina.get("/api/forms/SE-121-05/versions").json()]
    assert argentina.get("/api/forms/SE-121-01/versions/1").status_code == 200  # published: public


@pytest.mark.parametrize("url", ["/countries/RS", "/countries/RS/instruments/2014-11-06-accord", "/meetings?country=RS",
                                 "/forms/SE-121-05", "/countries/RS/decisions", "/search?q=Serbie",
                                 "/countries/RS/instruments/2014-11-06-accord/edit"])
def test_reading_another_countrys_pages_is_not_refused(url, login_as):
    """Reads write nothing, so the rule never stops them (and the edit form of an instrument is
    shown: saving it is what the limits refuse)."""
    page = login_as("legal", countries=("AR",)).get(url)
    assert page.status_code == 200, (url, page.status_code)
