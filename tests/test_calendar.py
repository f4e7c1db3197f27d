"""iCalendar: one .ics per meeting and subscribable calendars, read back with vobject (a parser
independent of the icalendar package that writes them)."""

from datetime import date

import pytest
import vobject
from sqlmodel import Session, select

from agreements.meetings.models import Meeting


def meeting_id(app, country: str, starts_on: str) -> int:
    with Session(app.state.engine) as db:
        return db.exec(select(Meeting.id).where(Meeting.country_code == country,
                                                Meeting.starts_on == date.fromisoformat(starts_on))).one()


def events(response) -> list:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = vobject.readOne(response.text)
    assert calendar.version.value == "2.0" and calendar.prodid.value
    return list(getattr(calendar, "vevent_list", []))


def test_the_2023_andorran_joint_commission_imports_with_both_dates_and_the_place(client, app):
    (event,) = events(client.get(f"/meetings/{meeting_id(app, 'AD', '2023-10-26')}/calendar.ics"))
    assert event.dtstart.value == date(2023, 10, 26)
    assert event.dtend.value == date(2023, 10, 28)  # exclusive: the last day is the 27th
    assert event.location.value == "Paris, ministère du travail, de la santé et des solidarités"
    assert event.summary.value == ("Commission mixte franco-andorrane de sécurité sociale / "
                                   "Comissió mixta francoandorrana de seguretat social")
    assert event.sequence.value == "0" and event.uid.value
    assert event.url.value.endswith(f"/meetings/{meeting_id(app, 'AD', '2023-10-26')}")


def test_moving_a_session_keeps_its_uid_and_bumps_sequence(client, api_client_as):
    """The 2023 session's minutes are approved, so its dates are frozen (409); the next one is planned."""
    delegation = api_client_as("delegation")
    created = delegation.post("/api/meetings", json={"country_code": "AD", "kind": "joint_commission",
                                                     "starts_on": "2025-10-16", "ends_on": "2025-10-17",
                                                     "place": "Andorra la Vella"})
    assert created.status_code == 201, created.text
    url = f"/meetings/{created.json()['id']}/calendar.ics"
    (before,) = events(client.get(url))
    assert (before.sequence.value, before.dtstart.value) == ("0", date(2025, 10, 16))
    moved = delegation.patch(f"/api/meetings/{created.json()['id']}", json={"starts_on": "2025-11-20", "ends_on": "2025-11-21"},
                             headers={"If-Match": created.headers["etag"]})
    assert moved.status_code == 200, moved.text
    (after,) = events(client.get(url))
    assert after.uid.value == before.uid.value
    assert (after.sequence.value, after.dtstart.value, after.dtend.value) == ("1", date(2025, 11, 20), date(2025, 11, 22))
    assert delegation.patch(f"/api/meetings/{created.json()['id']}", json={"note": "salle B"},
                            headers={"If-Match": moved.headers["etag"]}).status_code == 200
    assert events(client.get(url))[0].sequence.value == "1"  # a note is not a new schedule
    in_country = {e.uid.value: e for e in events(client.get("/countries/AD/calendar.ics"))}
    assert in_country[before.uid.value].sequence.value == "1" and len(in_country) == 2


def test_a_videoconference_says_so(client, app):
    (event,) = events(client.get(f"/meetings/{meeting_id(app, 'IN', '2023-09-26')}/calendar.ics?lang=en"))
    assert event.location.value == "videoconference"
    assert event.summary.value == "Visioconférence franco-indienne / Franco-Indian videoconference"


@pytest.mark.parametrize("role,countries,sees", [
    (None, (), False), ("researcher", (), False), ("caisse", (), False), ("delegation", ("AR",), False),
    ("delegation", ("GA",), True), ("legal", (), True), ("admin", (), True)])
def test_a_restricted_meeting_is_in_a_calendar_only_for_who_may_see_it(client, app, login_as, role, countries, sees):
    gabon = meeting_id(app, "GA", "2023-05-12")
    reader = client if role is None else login_as(role, countries=countries)
    for url in ("/calendar.ics", "/countries/GA/calendar.ics"):
        uids = [e.url.value.rsplit("/", 1)[1] for e in events(reader.get(url))]
        assert (str(gabon) in uids) is sees, (role, url)
    single = reader.get(f"/meetings/{gabon}/calendar.ics")
    assert single.status_code == (200 if sees else 404)
    if sees:
        assert events(single)[0].contents["class"][0].value == "CONFIDENTIAL"


def test_unknown_country_or_meeting_is_404(client):
    assert client.get("/countries/ZZ/calendar.ics").status_code == 404
    assert client.get("/meetings/999999/calendar.ics").status_code == 404


def test_the_whole_calendar_lists_every_public_session(client, app):
    uids = [e.url.value.rsplit("/", 1)[1] for e in events(client.get("/calendar.ics"))]
    assert str(meeting_id(app, "AD", "2023-10-26")) in uids and str(meeting_id(app, "RS", "2023-10-19")) in uids
    assert str(meeting_id(app, "GA", "2023-05-12")) not in uids
