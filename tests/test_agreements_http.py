"""The agreements over HTTP: API writes with ETags, pages for legal staff, refusals."""

from tests.documents import docx_bytes, pdf_bytes

NEW = {"country_code": "RS", "kind": "protocol", "title_fr": "Protocole relatif aux étudiants",
       "signed_on": "2025-03-01", "in_force_on": "2025-06-01", "risks": ["sickness"], "source": "test"}


def test_anonymous_cannot_write(client):
    assert client.post("/api/instruments", json=NEW).status_code == 401


def test_caisse_cannot_write(api_client_as):
    assert api_client_as("caisse").post("/api/instruments", json=NEW).status_code == 403


def test_create_read_edit_with_etags(api_client_as):
    legal = api_client_as("legal")
    created = legal.post("/api/instruments", json=NEW)
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    url = f"/api/instruments/{created.json()['id']}"
    assert legal.patch(url, json={"title_fr": "Sans If-Match"}).status_code == 428
    edited = legal.patch(url, json={"title_fr": "Protocole modifié"}, headers={"If-Match": '"1"'})
    assert edited.status_code == 200 and edited.headers["etag"] == '"2"'
    stale = legal.patch(url, json={"title_fr": "Version perdue"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["etag"] == '"2"' and stale.json()["current_version"] == 2
    assert legal.get(url).json()["title_fr"] == "Protocole modifié"
    history = legal.get(f"{url}/history", params={"from_version": 1, "to_version": 2}).json()
    assert [r["version"] for r in history["revisions"]] == [1, 2]
    assert history["compared"]["changes"]["title_fr"]["after"] == "Protocole modifié"


def test_null_in_a_patch_clears_a_text_or_a_date_and_is_refused_elsewhere(api_client_as):
    legal = api_client_as("legal")
    created = legal.post("/api/instruments", json={**NEW, "title_partner": "Protokol"})
    url = f"/api/instruments/{created.json()['id']}"
    refused = legal.patch(url, json={"title_fr": None, "confidence": None}, headers={"If-Match": '"1"'})
    assert refused.status_code == 400 and "confidence, title_fr" in str(refused.json())  # named; nothing written
    cleared = legal.patch(url, json={"title_partner": None, "in_force_on": None}, headers={"If-Match": '"1"'})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["title_partner"] == "" and cleared.json()["in_force_on"] is None


def test_refused_dates_name_both_fields_in_french(api_client_as):
    legal = api_client_as("legal")
    response = legal.post("/api/instruments?lang=fr", json={**NEW, "in_force_on": "2024-01-01"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "in_force_on" and "2024-01-01" in error["message"] and "2025-03-01" in error["message"]


def test_unknown_field_and_bad_kind_are_400(api_client_as):
    legal = api_client_as("legal")
    assert legal.post("/api/instruments", json={**NEW, "colour": "blue"}).status_code == 400
    assert legal.post("/api/instruments", json={**NEW, "kind": "treaty"}).status_code == 400


def test_links_api_refuses_a_cycle_with_409(api_client_as, client):
    legal = api_client_as("legal")
    serbia = {i["slug"]: i["id"] for i in client.get("/api/instruments?country=RS").json()}
    response = legal.post(f"/api/instruments/{serbia['2014-11-06-accord']}/links",
                          json={"kind": "amends", "to_id": serbia["2018-03-15-arrangement"]})
    assert response.status_code == 409 and "cycle" in response.json()["detail"]
    links = client.get(f"/api/instruments/{serbia['2014-11-06-accord']}/links").json()
    assert {link["other_slug"] for link in links["children"]} == {"2018-03-15-arrangement", "2021-07-02-avenant"}


def test_official_text_upload_and_download_keeps_the_accented_name(api_client_as, client):
    legal = api_client_as("legal")
    serbia = {i["slug"]: i["id"] for i in client.get("/api/instruments?country=RS").json()}
    url = f"/api/instruments/{serbia['2014-11-06-accord']}/texts"
    uploaded = legal.post(url, data={"language": "sr-Latn"},
                          files={"file": ("Sporazum – Đorđe.docx", docx_bytes("Član 1. Sporazum"), "application/octet-stream")})
    assert uploaded.status_code == 201, uploaded.text
    download = client.get(uploaded.json()["url"])
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''Sporazum%20%E2%80%93%20%C4%90or%C4%91e.docx" in download.headers["content-disposition"]
    refused = legal.post(url, data={"language": "fr"}, files={"file": ("x.pdf", b"%PDF-1.7 garbage", "application/pdf")})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "file"


def test_export_then_dry_run_import_reports_unchanged(api_client_as, client):
    exported = client.get("/api/export/instruments.json").json()
    report = api_client_as("legal").post("/api/import/instruments?dry_run=true", json=exported).json()
    assert report["dry_run"] is True and report["counts"] == {"unchanged": 156}


def test_edit_page_flow_in_french(login_as, client):
    legal = login_as("legal")
    form = legal.get("/instruments/new?country=RS")
    assert form.status_code == 200 and 'name="_csrf_token"' in form.text
    refused = legal.post("/instruments/new", data={"country_code": "RS", "kind": "protocol", "title_fr": "Protocole",
                                                   "signed_on": "2025-03-01", "in_force_on": "2024-01-01"})
    assert refused.status_code == 422
    assert "2024-01-01" in refused.text and 'value="Protocole"' in refused.text and 'aria-invalid="true"' in refused.text
    created = legal.post("/instruments/new", data={"country_code": "RS", "kind": "protocol", "title_fr": "Protocole",
                                                   "signed_on": "2025-03-01", "risks": ["sickness", "family"]},
                         follow_redirects=False)
    assert created.status_code == 303
    page = legal.get(created.headers["location"])
    assert page.status_code == 200 and "Protocole" in page.text


def test_stale_edit_page_shows_the_current_version(login_as):
    legal = login_as("legal")
    url = "/countries/RS/instruments/2021-07-02-avenant/edit"
    assert legal.get(url).status_code == 200
    saved = legal.post(url, data={"version": "1", "kind": "amendment", "title_fr": "Premier enregistrement"},
                       follow_redirects=False)
    assert saved.status_code == 303
    stale = legal.post(url, data={"version": "1", "kind": "amendment", "title_fr": "Second enregistrement"})
    assert stale.status_code == 412 and "Premier enregistrement" in stale.text


def test_pages_for_an_instrument(client):
    page = client.get("/countries/RS/instruments/2014-11-06-accord")
    assert page.status_code == 200 and "2018-03-15-arrangement" in page.text
    assert client.get("/countries/RS/instruments/2014-11-06-accord/history").status_code == 200
    assert client.get("/countries/RS/instruments/nope").status_code == 404
    assert "<svg" in client.get("/countries/RS").text


def test_upload_page_refuses_a_pdf_bomb_and_the_server_stays_up(login_as, client):
    from tests.documents import pdf_bomb

    legal = login_as("legal")
    response = legal.post("/countries/RS/instruments/2014-11-06-accord/texts", data={"language": "fr"},
                          files={"file": ("bomb.pdf", pdf_bomb(200), "application/pdf")})
    assert response.status_code == 422
    assert client.get("/health").status_code == 200
    ok = legal.post("/countries/RS/instruments/2014-11-06-accord/texts", data={"language": "fr"},
                    files={"file": ("accord.pdf", pdf_bytes("Accord"), "application/pdf")}, follow_redirects=False)
    assert ok.status_code == 303


def test_an_official_text_of_several_megabytes_is_accepted(api_client_as, client):
    legal = api_client_as("legal")
    serbia = {i["slug"]: i["id"] for i in client.get("/api/instruments?country=RS").json()}
    import random

    words = random.Random(7)
    big = docx_bytes(*(f"Article {n}. " + " ".join(f"{words.getrandbits(40):x}" for _ in range(300))
                       for n in range(600)))
    assert len(big) > 2**20  # over the 1 MiB default body limit
    response = legal.post(f"/api/instruments/{serbia['2014-11-06-accord']}/texts", data={"language": "fr"},
                          files={"file": ("accord.docx", big, "application/octet-stream")})
    assert response.status_code == 201, response.text[:300]
