"""Dates the registry holds lie in 1900–2100, on every write path (API, pages, imports, shipped
data), refused with the field named in the reader's language; and pages that draw timelines
answer whatever dates the database already holds (issue 13, item 2)."""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from agreements.meetings.models import Meeting
from agreements.models import Instrument
from forms.models import Form, FormVersion
from registry import dates
from registry.problems import Refused
from registry.web.timeline import MAX_LANES, MAX_TICKS, Lane, Mark, Segment, render_timeline, year_step
from tests.factories import create_instrument, held_with_minutes, plan

OUT = "outside the dates the registry holds (1900-01-01 to 2100-12-31)"
OUT_FR = "hors des dates que tient le registre (1900-01-01 à 2100-12-31)"


def refused_fields(response) -> list[str]:
    assert response.status_code == 422, (response.status_code, response.text[:500])
    return [e["field"] for e in response.json()["errors"]]


def test_a_meeting_dated_0001_01_01_is_refused_naming_the_field_in_either_language(api_client_as):
    delegation = api_client_as("delegation")
    body = {"country_code": "AR", "kind": "videoconference", "starts_on": "0001-01-01"}
    refused = delegation.post("/api/meetings?lang=fr", json=body)
    assert refused_fields(refused) == ["starts_on", "ends_on"]  # ends_on defaults to the first day
    assert f"0001-01-01 est {OUT_FR}" in refused.json()["errors"][0]["message"]
    english = delegation.post("/api/meetings?lang=en", json={**body, "ends_on": "2024-01-01"})
    assert refused_fields(english) == ["starts_on"]
    late = delegation.post("/api/meetings?lang=en", json={**body, "starts_on": "2101-01-01"})
    assert refused_fields(late) == ["starts_on", "ends_on"] and OUT in late.json()["detail"]
    assert delegation.get("/api/meetings?country=AR&year=2101").json() == []


@pytest.fixture
def records(app):
    """One record of each dated kind, ready for writes (Serbia)."""
    with Session(app.state.engine, expire_on_commit=False) as db:
        instrument = create_instrument(db)
        planned = plan(db, starts_on=date(2025, 6, 2), ends_on=date(2025, 6, 2))
        minutes, heads = held_with_minutes(db)
        pending = db.exec(select(FormVersion).join(Form).where(Form.code == "SE 121-05",
                                                               FormVersion.status == "draft")).one()
    return dict(instrument=instrument, planned=planned, minutes=minutes, heads=heads, pending=pending)


def write_cases(r) -> list[tuple[str, str, dict, str, list[str]]]:
    """(who, method, url, body, ETag, the fields refused) for every JSON write that takes a date."""
    return [
        ("legal", "POST", "/api/instruments", {"country_code": "RS", "kind": "protocol", "title_fr": "Protocole",
                                              "signed_on": "1899-12-31"}, None, ["signed_on"]),
        ("legal", "PATCH", f"/api/instruments/{r['instrument'].id}", {"in_force_on": "2101-01-01"},
         r["instrument"].version, ["in_force_on"]),
        ("legal", "PATCH", f"/api/instruments/{r['instrument'].id}", {"terminated_on": "2999-01-01"},
         r["instrument"].version, ["terminated_on"]),
        ("delegation", "PATCH", f"/api/meetings/{r['planned'].id}", {"starts_on": "2101-01-01", "ends_on": "2101-01-02"},
         r["planned"].version, ["starts_on", "ends_on"]),
        ("delegation", "PUT", f"/api/meetings/{r['minutes'].id}/minutes", "minutes-with-action", r["minutes"].version,
         ["items[0].action_items[0].due_on"]),
        ("delegation", "POST", f"/api/meetings/{r['minutes'].id}/approvals",
         {"participant_id": r["heads"][0].id, "approved_on": "1899-12-31"}, r["minutes"].version, ["approved_on"]),
        ("legal", "PATCH", "/api/forms/SE-121-05/versions/{number}", {"valid_from": "2101-01-01"}, "pending",
         ["valid_from"]),
        ("legal", "POST", "/api/forms/SE-121-05/versions/{number}/validations",
         {"side": "partner", "validated_on": "1800-05-05", "body_name": "RFZO"}, "pending", ["validated_on"]),
        ("legal", "POST", "/api/forms/SE-121-05/versions/{number}/publish", {"valid_from": "0001-01-01"},
         "validated", ["valid_from"]),
    ]


@pytest.mark.parametrize("case", range(9))
def test_every_json_write_refuses_a_date_out_of_range(case, records, api_client_as, app):
    who, method, url, body, etag, fields = write_cases(records)[case]
    client = api_client_as(who)
    if body == "minutes-with-action":
        agenda = client.get(url.removesuffix("/minutes")).json()["agenda"]
        body = {"items": [{"agenda_item_id": agenda[-1]["id"],
                           "action_items": [{"text_fr": "Relancer", "owner": "Cleiss", "due_on": "2101-06-01"}]}]}
    if etag in ("pending", "validated"):
        etag = pending_version_etag(app, records["pending"], validated=etag == "validated")
        url = url.format(number=records["pending"].number)
    headers = {"If-Match": f'"{etag}"'} if etag is not None else {}
    response = client.request(method, url + "?lang=en", json=body, headers=headers)
    assert refused_fields(response) == fields and OUT in response.json()["detail"]


def pending_version_etag(app, version: FormVersion, validated: bool) -> int:
    """The version number (ETag) of the pending Serbian form, validated by both bodies if asked."""
    from forms import services
    from tests.factories import LEGAL

    with Session(app.state.engine, expire_on_commit=False) as db:
        current = db.get(FormVersion, version.id)
        if validated:
            form = db.get(Form, current.form_id)
            services.record_validation(db, LEGAL, form, current, {"side": "partner", "validated_on": date(2024, 2, 1), "body_name": "RFZO"},
                                       current.version)
            db.commit()
            assert current.status == "validated"
        return current.version


def test_pages_refuse_a_date_out_of_range_on_the_field_in_french(login_as):
    legal = login_as("legal")
    page = legal.post("/instruments/new", data={"country_code": "RS", "kind": "protocol", "title_fr": "Protocole",
                                                "signed_on": "1300-06-01"})
    assert page.status_code == 422 and 'id="signed_on-error"' in page.text and f"1300-06-01 est {OUT_FR}" in page.text
    delegation = login_as("delegation")
    page = delegation.post("/meetings/new", data={"country_code": "RS", "kind": "technical_meeting",
                                                  "starts_on": "2999-12-31", "ends_on": "2999-12-31"})
    assert page.status_code == 422 and 'id="starts_on-error"' in page.text and "2999-12-31 est hors" in page.text


def test_imports_refuse_the_rows_whose_dates_are_out_of_range(api_client_as):
    legal = api_client_as("legal")
    row = {"country_code": "RS", "kind": "protocol", "title_fr": "Protocole ancien", "slug": "protocole-ancien",
           "signed_on": "1850-01-01"}
    report = legal.post("/api/import/instruments", json={"format": "registry-instruments/1", "instruments": [row]})
    assert report.status_code == 200, report.text
    (outcome,) = report.json()["instruments"]
    assert outcome["action"] == "refused" and outcome["errors"] == [f"signed_on: 1850-01-01 is {OUT}"]
    csv_file = "country_code,kind,title_fr,slug,in_force_on\nRS,protocol,Protocole futur,protocole-futur,2200-01-01\n"
    report = legal.post("/api/import/instruments.csv", files={"instruments": ("instruments.csv", csv_file, "text/csv")})
    (outcome,) = report.json()["instruments"]
    assert outcome["action"] == "refused" and outcome["errors"] == [f"in_force_on: 2200-01-01 is {OUT}"]
    assert legal.get("/api/instruments?country=RS&q=Protocole ancien").json() == []


def test_shipped_data_passes_the_rule_and_a_direct_write_is_refused(session):
    """The loaders of shipped data write rows directly (no service): the rule holds there too."""
    earliest = {name: session.exec(select(column).order_by(column)).first()
                for name, column in [("signed_on", Instrument.signed_on), ("starts_on", Meeting.starts_on)]}
    assert all(value is None or dates.in_range(value) for value in earliest.values())
    session.add(Meeting(country_code="RS", kind="technical_meeting", starts_on=date(1, 1, 1), ends_on=date(1, 1, 1)))
    with pytest.raises(Refused) as refused:
        session.flush()
    assert [e.field for e in refused.value.errors] == ["starts_on", "ends_on"]


def test_a_row_stored_with_a_bad_date_before_the_rule_can_still_be_archived(session):
    from agreements import services
    from tests.factories import LEGAL

    instrument = create_instrument(session)
    session.execute(update(Instrument).where(Instrument.id == instrument.id).values(signed_on=date(1300, 1, 1)))
    session.commit()
    session.refresh(instrument)
    services.archive_instrument(session, LEGAL, instrument, instrument.version)  # the bad date is not what changes
    session.commit()
    assert instrument.archived


# --- timelines: any span, bounded drawing ---------------------------------------------------

@pytest.mark.parametrize("years", [0, 1, 11, 12, 13, 60, 600, 700, 1000, 8000, 9998])
def test_the_axis_has_a_step_for_any_span(years):
    step = year_step(years)
    assert years / step <= MAX_TICKS and (step == 1 or years / smaller(step) > MAX_TICKS)


def smaller(step: int) -> int:
    ladder = [f * 10**k for k in range(5) for f in (1, 2, 5)]
    return ladder[ladder.index(step) - 1]


def test_a_timeline_from_year_1_to_9999_is_drawn_with_bounded_ticks_lanes_and_marks():
    many_marks = tuple(Mark(date(2000, 1, 1 + n % 28), "event", f"session {n}") for n in range(5000))
    lanes = [Lane("from year 1", segments=(Segment(date(1, 1, 1), date(9999, 12, 31), "in_force"),),
                  marks=(Mark(date(1, 1, 1), "signed", "signed"),)),
             Lane("sessions", marks=many_marks)] + [Lane(f"lane {n}") for n in range(500)]
    svg = render_timeline(lanes, date(2025, 1, 1), "t", as_of=date(1, 1, 1))
    assert svg.count('class="year"') <= MAX_TICKS + 1
    assert svg.count('<g class="lane') == MAX_LANES and f"… +{len(lanes) - MAX_LANES}" in svg
    assert svg.count("<circle") <= 2  # 5000 sessions within one month: one pixel, one mark


# --- pages over data stored directly in the database ----------------------------------------

def answered_within(client, url: str, seconds: float):
    """The response, or a failure if none came within `seconds` (the request runs in a thread,
    so a hung page fails this test instead of hanging the suite)."""
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("response", client.get(url)), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    assert "response" in result, f"{url} did not answer within {seconds} s"
    return result["response"], time.monotonic() - started


def test_pages_render_quickly_with_dates_from_1300_to_2999_stored_directly(app, client):
    with Session(app.state.engine, expire_on_commit=False) as db:
        instrument = create_instrument(db, slug="protocole-extreme")
        meeting = plan(db)
        version = db.exec(select(FormVersion).join(Form).where(Form.code == "SE 121-01")).first()
        form_slug = db.get(Form, version.form_id).slug
        # bypassing the services and the flush: what an older database may already hold
        db.execute(update(Instrument).where(Instrument.id == instrument.id)
                   .values(signed_on=date(1300, 1, 1), in_force_on=date(1300, 6, 1), terminated_on=date(2999, 12, 31)))
        db.execute(update(Meeting).where(Meeting.id == meeting.id)
                   .values(starts_on=date(2999, 12, 30), ends_on=date(2999, 12, 31)))
        db.execute(update(FormVersion).where(FormVersion.id == version.id).values(valid_from=date(9999, 12, 31)))
        db.commit()
    for url in ("/countries/RS", "/countries/RS?on=0001-01-01", "/countries/RS?on=9999-12-31",
                f"/countries/RS/instruments/{instrument.slug}", f"/meetings/{meeting.id}", "/meetings?country=RS",
                f"/forms/{form_slug}", "/api/instruments?country=RS", "/countries/RS/decisions"):
        response, seconds = answered_within(client, url, 30)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        assert seconds < 5, (url, seconds)
    page = client.get("/countries/RS").text
    assert "<svg" in page and "1300 · Protocole" in page and ">3000<" in page
