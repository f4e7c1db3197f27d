"""Meetings over HTTP: API writes with ETags and refusals, pages and forms for delegations,
restricted meetings invisible to whoever may not see them (pages, API, search)."""

from datetime import date

import pytest
from sqlmodel import Session, select

from agreements.meetings.models import Meeting
from registry.composition import reindex


def meeting_id(app, country: str, starts_on: str) -> int:
    with Session(app.state.engine) as db:
        return db.exec(select(Meeting.id).where(Meeting.country_code == country,
                                                Meeting.starts_on == date.fromisoformat(starts_on))).one()


@pytest.fixture
def indexed(app, search_backend):
    with Session(app.state.engine) as db:
        reindex(db, search_backend)
    return search_backend


def test_plan_edit_and_refusals_through_the_api(api_client_as, client):
    delegation = api_client_as("delegation")
    assert client.post("/api/meetings", json={}).status_code == 401
    assert api_client_as("legal").post("/api/meetings", json={"country_code": "AR", "kind": "videoconference",
                                                               "starts_on": "2024-02-15"}).status_code == 403
    refused = delegation.post("/api/meetings?lang=fr", json={"country_code": "AR", "kind": "videoconference",
                                                             "starts_on": "2024-02-15", "ends_on": "2024-02-14"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "ends_on"
    created = delegation.post("/api/meetings", json={"country_code": "AR", "kind": "videoconference",
                                                     "starts_on": "2024-02-15"})
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    body = created.json()
    assert body["video"] is True and body["partner_language"] == "es" and body["previous_id"]
    assert body["agenda"][0]["origin"] == "previous_minutes" and all(i["proposed"] for i in body["agenda"])
    url = f"/api/meetings/{body['id']}"
    assert delegation.patch(url, json={"place": "Buenos Aires"}).status_code == 428
    early = delegation.post(f"{url}/status?lang=en", json={"status": "published"}, headers={"If-Match": '"1"'})
    assert early.status_code == 409 and "“Planned” cannot become “Minutes published”" in early.json()["detail"]
    assert early.json()["extra"] == {"current": "planned", "requested": "published", "allowed": "agenda_sent"}
    in_french = delegation.post(f"{url}/status?lang=fr", json={"status": "published"}, headers={"If-Match": '"1"'})
    assert "à l’état «\u00a0Prévue\u00a0» ne peut pas passer à l’état «\u00a0Procès-verbal publié\u00a0»" in \
        in_french.json()["detail"]
    proposed = delegation.post(f"{url}/status", json={"status": "agenda_sent"}, headers={"If-Match": '"1"'})
    assert proposed.status_code == 409
    edited = delegation.patch(url, json={"ends_on": "2024-02-01"}, headers={"If-Match": '"1"'})
    assert edited.status_code == 422
    assert client.get(url).json()["ends_on"] == "2024-02-15"  # nothing changed
    for item in body["agenda"]:
        version = client.get(url).headers["etag"]
        assert delegation.patch(f"{url}/agenda/{item['id']}", json={"proposed": False},
                                headers={"If-Match": version}).status_code == 200
    sent = delegation.post(f"{url}/status", json={"status": "agenda_sent"}, headers={"If-Match": client.get(url).headers["etag"]})
    assert sent.status_code == 200 and sent.json()["status"] == "agenda_sent"
    stale = delegation.post(f"{url}/agenda", json={"title_fr": "Divers"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412


def test_minutes_through_the_api_are_frozen_once_approved(api_client_as, app):
    delegation = api_client_as("delegation")
    url = f"/api/meetings/{meeting_id(app, 'AD', '2023-10-26')}"
    current = delegation.get(url)
    item = current.json()["agenda"][0]
    refused = delegation.put(f"{url}/minutes?lang=en", json={"items": [{"agenda_item_id": item["id"], "discussion_fr": "x"}]},
                             headers={"If-Match": current.headers["etag"]})
    assert refused.status_code == 409 and "approved" in refused.json()["detail"]
    assert delegation.get(url).json()["agenda"][0]["discussion_fr"] == item["discussion_fr"]
    revisions = delegation.get(f"{url}/minutes/revisions").json()
    assert [r["number"] for r in revisions] == [1]


def test_a_restricted_meeting_is_invisible_to_whoever_may_not_see_it(client, api_client_as, login_as, app, indexed):
    gabon = meeting_id(app, "GA", "2023-05-12")
    assert client.get(f"/api/meetings/{gabon}").status_code == 404
    assert client.get(f"/meetings/{gabon}").status_code == 404
    assert gabon not in [m["id"] for m in client.get("/api/meetings?country=GA").json()]
    assert api_client_as("caisse").get(f"/api/meetings/{gabon}").status_code == 404
    assert client.get("/api/decisions?country=GA").json() == []
    assert "preuve" not in client.get("/countries/GA").text.lower()
    assert not [h for h in client.get("/api/search?q=pensions gabonaises").json()["hits"] if h["country"] == "GA"
                and h["kind"] == "minutes"]
    other = login_as("delegation", countries=("AR",))
    assert other.get(f"/meetings/{gabon}").status_code == 404
    assert other.get(f"/api/meetings?country=GA").json() == []
    staff = login_as("delegation", countries=("GA",))
    page = staff.get(f"/meetings/{gabon}")
    assert page.status_code == 200 and "Serge Exemple" in page.text
    assert staff.get("/api/decisions?country=GA").json()
    assert any(hit["kind"] == "minutes" for hit in staff.get("/api/search?q=pensions gabonaises").json()["hits"])


def test_public_minutes_are_searchable_and_drafts_are_not(client, app, indexed, api_client_as):
    hits = client.get("/api/search?q=teletreball").json()["hits"]
    assert any(h["kind"] == "minutes" and h["country"] == "AD" for h in hits)
    delegation = api_client_as("delegation")
    planned = delegation.post("/api/meetings", json={"country_code": "IN", "kind": "videoconference",
                                                     "starts_on": "2024-05-02", "title_fr": "Séance zanzibarite"})
    assert planned.status_code == 201
    assert any(h["url"] == planned.json()["url"] for h in client.get("/api/search?q=zanzibarite").json()["hits"])


def test_pages_show_the_series_the_minutes_and_the_decision_log(client, app):
    october, december = meeting_id(app, "AR", "2023-10-05"), meeting_id(app, "AR", "2023-12-14")
    page = client.get(f"/meetings/{october}?lang=fr")
    assert page.status_code == 200 and f'href="/meetings/{december}"' in page.text
    assert "tous les deux mois" in page.text and "cada dos meses" in page.text and "Ana Ejemplo" in page.text
    assert f'href="/meetings/{october}"' in client.get(f"/meetings/{december}").text
    country = client.get("/countries/AR?lang=fr")
    assert f"/meetings/{october}" in country.text and 'class="lane meeting videoconference"' in country.text
    log = client.get("/countries/RS/decisions?lang=fr")
    assert log.status_code == 200 and "SE 121-01" in log.text and "SE 121-05" not in log.text
    csv = client.get("/countries/RS/decisions.csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("session,kind,decision")
    assert "SE 121-06" in csv.text and client.get("/api/decisions.csv?country=RS").text == csv.text
    assert client.get("/meetings?country=AR").status_code == 200


def test_delegation_plans_a_meeting_and_writes_minutes_through_the_forms(login_as, app):
    delegation = login_as("delegation", countries=("RS",))
    form = delegation.get("/meetings/new?country=RS")
    assert form.status_code == 200 and 'name="_csrf_token"' in form.text
    refused = delegation.post("/meetings/new", data={"country_code": "RS", "kind": "technical_meeting",
                                                     "starts_on": "2024-03-04", "ends_on": "2024-03-01"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text and "2024-03-01" in refused.text
    assert login_as("delegation", countries=("AR",)).post("/meetings/new", data={
        "country_code": "RS", "kind": "technical_meeting", "starts_on": "2024-03-04"}).status_code == 403
    created = delegation.post("/meetings/new", data={"country_code": "RS", "kind": "technical_meeting",
                                                     "starts_on": "2024-03-04", "ends_on": "2024-03-05",
                                                     "audience": "public", "document_layout": "sequential"},
                              follow_redirects=False)
    assert created.status_code == 303
    edit_url = created.headers["location"]
    new_id = int(edit_url.split("/")[2])
    with Session(app.state.engine) as db:
        meeting = db.get(Meeting, new_id)
        from agreements.meetings.queries import agenda_of

        items = agenda_of(db, new_id)
    assert items and items[0].origin == "previous_minutes"
    edit_page = delegation.get(edit_url)
    assert edit_page.status_code == 200 and "Approbation du procès-verbal de la session du 19 octobre 2023" in edit_page.text
    version = meeting.version
    for item in items:
        response = delegation.post(f"/meetings/{new_id}/agenda/{item.id}", data={"action": "accept", "version": version},
                                   follow_redirects=False)
        assert response.status_code == 303
        version += 1
    stale = delegation.post(f"/meetings/{new_id}/agenda", data={"title_fr": "Divers", "version": 1})
    assert stale.status_code == 412
    assert delegation.post(f"/meetings/{new_id}/status", data={"status": "agenda_sent", "version": version},
                           follow_redirects=False).status_code == 303
    version += 1
    assert delegation.post(f"/meetings/{new_id}/status", data={"status": "held", "version": version},
                           follow_redirects=False).status_code == 303
    version += 1
    minutes = delegation.get(f"/meetings/{new_id}/minutes")
    assert minutes.status_code == 200
    first = items[0].id
    saved = delegation.post(f"/meetings/{new_id}/minutes", data={
        "version": version, f"item-{first}-discussion_fr": "Le procès-verbal est relu.",
        f"item-{first}-discussion_partner": "Zapisnik je pročitan.",
        f"item-{first}-decision-new0-text_fr": "Le procès-verbal est approuvé.",
        f"item-{first}-decision-new0-text_partner": "Zapisnik je usvojen.",
        f"item-{first}-action-new0-text_fr": "Diffuser le procès-verbal", f"item-{first}-action-new0-owner": "Cleiss",
        f"item-{first}-action-new0-due_on": "2024-04-01"}, follow_redirects=False)
    assert saved.status_code == 303
    page = delegation.get(f"/meetings/{new_id}")
    assert "Zapisnik je usvojen." in page.text and "Diffuser le procès-verbal" in page.text
    assert "Minutes being drafted" in delegation.get(f"/meetings/{new_id}?lang=en").text
    early = delegation.post(f"/meetings/{new_id}/status", data={"status": "published", "version": version + 1})
    assert early.status_code == 409


def test_a_form_version_shows_the_decision_that_validated_it(app, client, login_as):
    serbia = meeting_id(app, "RS", "2023-10-19")
    page = client.get("/forms/SE-121-01?lang=fr")
    assert f'href="/meetings/{serbia}#decision-' in page.text
    assert "Décision de la session du 19 octobre 2023\u00a0:" in page.text and "31 formulaires de liaison sur 32" in page.text
    api = client.get("/api/forms/SE-121-01/versions/1").json()
    assert [(d["meeting_id"], d["meeting_date"]) for d in api["decisions"]] == [(serbia, "2023-10-19")]
    pending = login_as("legal").get("/api/forms/SE-121-05/versions/1").json()
    assert pending["decisions"] == [] and pending["missing_validations"] == ["partner"]

    with Session(app.state.engine) as db:  # the same decision in restricted minutes: staff only
        meeting = db.get(Meeting, serbia)
        meeting.audience = "restricted"
        db.add(meeting)
        db.commit()
    assert client.get("/api/forms/SE-121-01/versions/1").json()["decisions"] == []
    assert f"/meetings/{serbia}#decision-" not in client.get("/forms/SE-121-01").text
    assert len(login_as("legal").get("/api/forms/SE-121-01/versions/1").json()["decisions"]) == 1


def test_the_meeting_page_says_once_what_a_decision_changed(app, client):
    page = client.get(f"/meetings/{meeting_id(app, 'RS', '2023-10-19')}?lang=fr").text
    assert "Décision 1</strong></a> (mise en œuvre)\u00a0:" in page
    assert page.count("versions de formulaire\u00a0:") == 1 and page.count('href="/forms/SE-121-') == 31
    assert page.count("validée par les deux organismes de liaison") == 1  # shared by the 31: said once
    assert "Decision 1</strong></a> (implemented):" in client.get(f"/meetings/{meeting_id(app, 'RS', '2023-10-19')}?lang=en").text


def test_the_minutes_form_links_a_decision_to_the_form_versions_it_validated(app, login_as):
    from agreements.meetings.queries import decisions_of, effects_of
    from forms.models import Form, FormVersion
    from tests.factories import held_with_minutes

    with Session(app.state.engine) as db:
        meeting, _heads = held_with_minutes(db)
        decision = decisions_of(db, meeting.id)[0]
        versions = db.exec(select(FormVersion.id).join(Form).where(Form.code.in_(["SE 121-01", "SE 121-02"]))
                           .order_by(FormVersion.id)).all()
        meeting_id_, item_id, version = meeting.id, decision.agenda_item_id, meeting.version
    delegation = login_as("delegation", countries=("RS",))
    page = delegation.get(f"/meetings/{meeting_id_}/minutes")
    assert f'<option value="form_version:{versions[0]}">SE 121-01 v1 (2023-12)</option>' in page.text
    prefix = f"item-{item_id}-decision-{decision.id}"
    saved = delegation.post(f"/meetings/{meeting_id_}/minutes", data={
        "version": version, f"{prefix}-text_fr": decision.text_fr, f"{prefix}-effects-shown": "1",
        f"{prefix}-effects": [f"form_version:{v}" for v in versions]}, follow_redirects=False)
    assert saved.status_code == 303
    page = delegation.get(f"/meetings/{meeting_id_}/minutes")
    assert f'<option value="form_version:{versions[1]}" selected>' in page.text
    with Session(app.state.engine) as db:
        assert {e.target_id for e in effects_of(db, [decision.id])[decision.id]} == set(versions)
        version = db.get(Meeting, meeting_id_).version
    wrong = delegation.post(f"/meetings/{meeting_id_}/minutes", data={
        "version": version, f"{prefix}-text_fr": decision.text_fr, f"{prefix}-effects-shown": "1",
        f"{prefix}-effects": "form_version:999999"})
    assert wrong.status_code == 422 and "999999" in wrong.text
    with Session(app.state.engine) as db:  # nothing changed by the refusal
        assert {e.target_id for e in effects_of(db, [decision.id])[decision.id]} == set(versions)
    agenda = delegation.get(f"/meetings/{meeting_id_}/edit")
    assert f'<option value="form:' in agenda.text and '<optgroup label="formulaire">' in agenda.text


def test_a_participant_is_removed_from_the_meeting_page(app, login_as):
    from agreements.meetings.models import Participant
    from tests.factories import held_with_minutes

    with Session(app.state.engine) as db:
        meeting, heads = held_with_minutes(db)
        meeting_id_, head_id, version = meeting.id, heads[1].id, meeting.version
    delegation = login_as("delegation", countries=("RS",))
    def listed(page: str) -> str:  # the participants' list (the contacts stay offered below it)
        return page.split('<ul class="participants">')[1].split("</ul>")[0]

    assert "Milica Primer" in listed(delegation.get(f"/meetings/{meeting_id_}/edit").text)
    removed = delegation.post(f"/meetings/{meeting_id_}/participants/{head_id}",
                              data={"action": "remove", "version": version}, follow_redirects=False)
    assert removed.status_code == 303
    assert "Milica Primer" not in listed(delegation.get(f"/meetings/{meeting_id_}/edit").text)
    with Session(app.state.engine) as db:
        assert db.get(Participant, head_id).withdrawn
        version = db.get(Meeting, meeting_id_).version
    # approving now lacks the partner's head of delegation: refused with the reason
    refused = delegation.post(f"/meetings/{meeting_id_}/status?lang=en",
                              data={"status": "minutes_approved", "version": version})
    assert refused.status_code == 409 and "“Partner side”" in refused.text
