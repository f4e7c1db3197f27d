"""Liaison forms over HTTP: which version applies on a date, the catalog, comparison, who sees
drafts, and the whole write cycle (copy, edit, upload, validate, publish) with its refusals."""

import io
import json
import zipfile

import pytest
from sqlmodel import select

from forms.catalog_loader import catalog_root
from registry.models import AuditEntry
from tests.documents import docx_bytes, pdf_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def english(writer):
    """Messages in English: the interface defaults to French, whose catalog translates them."""
    writer.headers["Accept-Language"] = "en"
    return writer


def forms_by_code(response) -> dict:
    assert response.status_code == 200, response.text
    return {f["code"]: f for f in response.json()}


# --- reading: what applies, the catalog ---------------------------------------------------

def test_serbian_forms_one_pending_validation(client):
    forms = forms_by_code(client.get("/api/forms", params={"country": "RS", "on": "2024-01-15"}))
    assert sorted(forms) == [f"SE 121-{n:02d}" for n in range(1, 33)]
    pending = [code for code, f in forms.items() if f["state"] == "pending_validation"]
    assert pending == ["SE 121-05"] and forms["SE 121-05"]["pending_validation"] is True
    assert forms["SE 121-05"]["applicable_version"] is None
    published = [f for code, f in forms.items() if code != "SE 121-05"]
    assert all(f["state"] == "published" and f["applicable_version"]["valid_from"] == "2023-12-01" for f in published)
    assert all(f["code_confirmed"] is False and f["illustrative"] is True for f in forms.values())


def test_serbian_forms_did_not_apply_before_the_agreement(client):
    forms = forms_by_code(client.get("/api/forms", params={"country": "RS", "on": "2023-11-30"}))
    assert forms["SE 121-01"]["state"] == "not_yet_applicable" and forms["SE 121-01"]["applicable_version"] is None


@pytest.mark.parametrize("on,number,label", [("2023-08-01", 1, "2014-09"), ("2023-08-31", 1, "2014-09"),
                                             ("2023-09-01", 2, "2023-09"), ("2023-10-01", 2, "2023-09")])
def test_brazilian_pension_claim_version_on_a_date(client, on, number, label):
    response = client.get("/api/forms/SE-416-04", params={"on": on})
    assert response.status_code == 200
    version = response.json()["version"]
    assert (version["number"], version["label"]) == (number, label)
    assert version["template"]["url"] == f"/api/forms/SE-416-04/versions/{number}/template"
    assert {v["side"] for v in version["validations"]} == {"france", "partner"}


def test_today_is_the_default_and_old_spellings_of_the_code_work(client):
    for code in ("SE-416-04", "SE 416.04", "se 416 04", "SE416-04"):
        response = client.get(f"/api/forms/{code}")
        assert response.status_code == 200 and response.json()["version"]["number"] == 3, code


def test_no_version_before_the_first_is_a_clear_404(client):
    response = client.get("/api/forms/SE-416-04", params={"on": "2010-01-01"})
    assert response.status_code == 404
    body = response.json()
    assert "no published version of SE 416-04 applied on 2010-01-01" in body["detail"]
    assert "v1 2014-09-01 to 2023-08-31" in body["detail"]
    assert [v["number"] for v in body["extra"]["versions"]] == [1, 2, 3]


def test_unknown_form_and_bad_date(client):
    assert "SE 999-99" in client.get("/api/forms/SE 999-99").json()["detail"]
    response = client.get("/api/forms/SE-416-04", params={"on": "2023-02-30"})
    assert response.status_code == 400 and response.json()["extra"]["parameter"] == "on"
    assert client.get("/api/forms", params={"status": "alive"}).json()["extra"]["parameter"] == "status"


def test_catalog_filters(client):
    old_age = forms_by_code(client.get("/api/forms", params={"country": "RS", "risk": "old_age"}))
    assert set(old_age) == {"SE 121-04", "SE 121-06", "SE 121-23", "SE 121-24", "SE 121-25", "SE 121-26", "SE 121-31",
                            "SE 121-32"}
    pending = forms_by_code(client.get("/api/forms", params={"status": "pending_validation"}))
    assert set(pending) == {"SE 121-05"}
    by_instrument = forms_by_code(client.get("/api/forms", params={"country": "BR", "instrument": "2011-12-15-accord"}))
    assert set(by_instrument) == {"SE 416-01", "SE 416-04"}
    instrument_id = by_instrument["SE 416-01"]["instrument_id"]
    assert set(forms_by_code(client.get("/api/forms", params={"instrument": instrument_id}))) == set(by_instrument)
    arabic = forms_by_code(client.get("/api/forms", params={"country": "MA"}))["SE 350-07"]
    assert arabic["partner_language"] == "ar-MA" and arabic["code_confirmed"] is True


def test_catalog_page_has_badges_and_language_marks(client):
    page = client.get("/forms?lang=fr").text
    assert 'id="SE-121-05" data-state="pending_validation"' in page
    assert 'id="SE-416-04" data-state="published"' in page
    assert '<span lang="ar-MA" dir="rtl">شهادة من أجل تسجيل صاحب المعاش وذوي حقوقه</span>' in page
    assert '<span lang="sr-Latn" dir="ltr">Potvrda o upućivanju na rad</span>' in page


def test_form_page_shows_versions_on_a_timeline_and_who_validated(client):
    page = client.get("/forms/SE-416-04?lang=en").text
    assert '<svg' in page and 'class="lane version-superseded"' in page and 'class="lane version-published"' in page
    assert 'id="v2" data-status="superseded"' in page and 'id="v3" data-status="published"' in page
    assert "Instituto Nacional do Seguro Social (INSS)" in page
    serbian = client.get("/forms/SE-121-01?lang=en").text
    assert "Rencontre technique des organismes de liaison franco-serbes, Montreuil" in serbian


# --- comparison --------------------------------------------------------------------------

def test_comparison_of_the_brazilian_versions(client):
    result = client.get("/api/forms/SE-416-04/compare", params={"from": 1, "to": 2}).json()
    assert [f["name"] for f in result["added"]] == ["applicant.cpf", "other_pension", "other_pension_details",
                                                    "payment.email"]
    assert [f["name"] for f in result["removed"]] == ["payment.fax"]
    changed = {c["name"]: c for c in result["changed"]}
    assert changed["applicant.mother_name"]["changes"] == {"required": {"before": False, "after": True}}
    nit = changed["applicant.nit"]
    assert (nit["label_fr_changed"], nit["label_partner_changed"], nit["one_language_only"]) == (False, True, True)
    assert changed["periods"]["one_language_only"] is False and result["one_language_only"] == ["applicant.nit"]
    assert result["template_changed"] is True


def test_comparison_page_shows_the_changed_fields(client):
    page = client.get("/forms/SE-416-04/compare?from=1&to=2&lang=en").text
    for name in ("applicant.cpf", "other_pension", "payment.email"):
        assert f'<tr class="created" data-field="{name}">' in page
    assert '<tr class="refused" data-field="payment.fax">' in page
    assert 'data-field="applicant.nit" data-attribute="label_partner"' in page
    assert '<span lang="pt-BR" dir="ltr">NIT / PIS / PASEP</span>' in page
    assert 'class="badge confidence-low one-language"' in page
    assert 'data-field="periods" data-attribute="columns.employer.label_fr"' in page


# --- who sees drafts -------------------------------------------------------------------

def test_drafts_are_for_staff(client, api_client_as):
    url = "/api/forms/SE-121-05/versions/1"
    assert client.get(url).status_code == 401
    assert api_client_as("caisse").get(url).status_code == 403
    assert client.get(url + "/template").status_code == 401
    draft = english(api_client_as("legal")).get(url)
    assert draft.status_code == 200 and draft.json()["missing_validations"] == ["partner"]
    assert draft.headers["etag"] == '"1"'
    assert client.get("/api/forms/SE-121-05/versions").json() == []
    assert [v["number"] for v in api_client_as("delegation").get("/api/forms/SE-121-05/versions").json()] == [1]
    assert "visible to staff only" in client.get("/forms/SE-121-05?lang=en").text


def test_published_template_downloads_for_staff_only(client, api_client_as):
    assert client.get("/api/forms/SE-416-01/versions/1/template").status_code == 401
    assert api_client_as("caisse").get("/api/forms/SE-416-01/versions/1/template").status_code == 403
    response = api_client_as("legal").get("/api/forms/SE-416-01/versions/1/template")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content == (catalog_root() / "SE-416-01" / "template-v1.pdf").read_bytes()


# --- writes --------------------------------------------------------------------------------

def upload(writer, url: str, etag: str, name: str, data: bytes, media_type: str = DOCX):
    return writer.put(f"{url}/template", headers={"If-Match": etag}, files={"file": (name, data, media_type)})


def brazilian_next(writer) -> tuple[str, dict]:
    created = writer.post("/api/forms/SE-416-04/versions", json={"label": "2025-01", "change_notes": "Ressources"})
    assert created.status_code == 201, created.text
    return created.json()["url"], created.json()


def test_a_new_version_starts_as_a_copy_of_the_latest(api_client_as):
    legal = english(api_client_as("legal"))
    url, v3 = brazilian_next(legal)
    v2 = legal.get("/api/forms/SE-416-04/versions/3").json()
    assert (v3["number"], v3["status"], v3["based_on"], v3["etag"]) == (4, "draft", 3, '"1"')
    assert v3["fields"] == v2["fields"] and v3["template"]["sha256"] == v2["template"]["sha256"]
    assert v3["validations"] == [] and v3["missing_validations"] == ["france", "partner"]


def test_published_versions_never_change(api_client_as):
    legal = english(api_client_as("legal"))
    response = legal.patch("/api/forms/SE-416-04/versions/2", json={"label": "retouche"}, headers={"If-Match": '"1"'})
    assert response.status_code == 409 and "can no longer change" in response.json()["detail"]
    data = (catalog_root() / "SE-416-04" / "template.docx").read_bytes()
    assert upload(legal, "/api/forms/SE-416-04/versions/2", '"1"', "t.docx", data).status_code == 409


def test_editing_a_draft_needs_the_current_etag(api_client_as):
    legal = english(api_client_as("legal"))
    url, _ = brazilian_next(legal)
    assert legal.patch(url, json={"label": "x"}).status_code == 428
    edited = legal.patch(url, json={"label": "2025-01 révisé"}, headers={"If-Match": '"1"'})
    assert edited.status_code == 200 and edited.headers["etag"] == '"2"'
    stale = legal.patch(url, json={"label": "perdu"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and legal.get(url).json()["label"] == "2025-01 révisé"


def template_with(*paragraphs: str) -> bytes:
    """The latest version's template with paragraphs added at the end."""
    from docx import Document

    document = Document(io.BytesIO((catalog_root() / "SE-416-04" / "template.docx").read_bytes()))
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes("x"))) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item))
        dst.writestr("word/media/image1.png", b"\0" * (60 * 2**20))
    return out.getvalue()


@pytest.mark.parametrize("name,data,media_type,needle", [
    ("ssti.docx", template_with("{{ ''.__class__.__mro__ }}"), DOCX, "'__class__'"),
    ("globals.docx", template_with("{{ cycler.__init__.__globals__ }}"), DOCX, "'__init__'"),
    ("dos.docx", template_with("{{ 'x' * 100000000 }}"), DOCX, "the * operator is for numbers"),
    ("syntax.docx", template_with("{% if applicant.cpf %}"), DOCX, "paragraph"),
    ("bomb.docx", zip_bomb(), DOCX, "zip bomb"),
    ("cut.docx", template_with()[:20000], DOCX, "truncated"),
    ("plain.pdf", pdf_bytes("Formulaire"), "application/pdf", "no form fields"),
    ("extra.docx", template_with("{{ applicant.rg }}"), DOCX, "not declared as fields: applicant.rg"),
    ("notes.txt", b"just text", "text/plain", "neither a DOCX nor a PDF"),
])
def test_bad_templates_are_refused_and_nothing_is_stored(api_client_as, session, name, data, media_type, needle):
    legal = english(api_client_as("legal"))
    url, v3 = brazilian_next(legal)
    response = upload(legal, url, '"1"', name, data, media_type)
    assert response.status_code == 422, response.text
    assert needle in response.json()["detail"]
    after = legal.get(url).json()
    assert after["template"]["sha256"] == v3["template"]["sha256"] and after["etag"] == '"1"'
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "form_version.template")).all() == []


def test_fields_and_template_change_together(api_client_as):
    legal = english(api_client_as("legal"))
    url, v3 = brazilian_next(legal)
    rg = {"name": "applicant.rg", "type": "text", "label_fr": "Numéro RG (carte d'identité)",
          "label_partner": "Número do RG (carteira de identidade)", "max_length": 14}
    refused = legal.patch(url, json={"fields": v3["fields"] + [rg]}, headers={"If-Match": '"1"'})
    assert refused.status_code == 422 and "declared as fields but not in the template: applicant.rg" in refused.text
    template = template_with("RG : {{ applicant.rg }}")
    assert upload(legal, url, '"1"', "v3.docx", template).status_code == 422  # not declared yet
    both = legal.put(f"{url}/template", headers={"If-Match": '"1"'},
                     files={"file": ("v3.docx", template, DOCX)}, data={"fields": json.dumps(v3["fields"] + [rg])})
    assert both.status_code == 200, both.text
    assert both.json()["fields"][-1]["name"] == "applicant.rg" and "applicant.rg" in both.json()["template"]["variables"]
    assert both.json()["template"]["sha256"] != v3["template"]["sha256"]
    bad = legal.put(f"{url}/template", headers={"If-Match": '"2"'}, files={"file": ("v3.docx", template, DOCX)},
                    data={"fields": "not json"})
    assert bad.status_code == 400 and bad.json()["extra"]["parameter"] == "fields"


def test_publishing_needs_both_validations_then_supersedes(api_client_as, client, session):
    legal = english(api_client_as("legal"))
    url, _ = brazilian_next(legal)
    publish = {"valid_from": "2027-01-01"}
    refused = legal.post(f"{url}/publish", json=publish, headers={"If-Match": '"1"'})
    assert refused.status_code == 409 and "neither liaison body has validated it" in refused.json()["detail"]
    france = legal.post(f"{url}/validations", headers={"If-Match": '"1"'},
                        json={"side": "france", "validated_on": "2024-11-20", "meeting_ref": "visioconférence Cleiss-INSS"})
    assert france.status_code == 201 and france.json()["validations"][0]["body_name"] == "Cleiss"
    refused = legal.post(f"{url}/publish", json=publish, headers={"If-Match": '"2"'})
    assert refused.status_code == 409 and "partner's liaison body (BR) has not validated it" in refused.json()["detail"]
    nameless = legal.post(f"{url}/validations", headers={"If-Match": '"2"'},
                          json={"side": "partner", "validated_on": "2024-11-22"})
    assert nameless.status_code == 422 and "name the body" in nameless.text
    partner = legal.post(f"{url}/validations", headers={"If-Match": '"2"'},
                         json={"side": "partner", "validated_on": "2024-11-22", "body_name": "INSS"})
    assert partner.status_code == 201 and partner.json()["status"] == "validated"
    assert api_client_as("caisse").post(f"{url}/publish", json=publish, headers={"If-Match": '"3"'}).status_code == 403
    published = legal.post(f"{url}/publish", json=publish, headers={"If-Match": '"3"'})
    assert published.status_code == 200 and published.json()["status"] == "published"
    v3 = legal.get("/api/forms/SE-416-04/versions/3").json()
    assert (v3["status"], v3["valid_until"]) == ("superseded", "2026-12-31")
    assert client.get("/api/forms/SE-416-04", params={"on": "2026-12-31"}).json()["version"]["number"] == 3
    assert client.get("/api/forms/SE-416-04", params={"on": "2027-01-01"}).json()["version"]["number"] == 4
    edit = legal.patch(url, json={"label": "après coup"}, headers={"If-Match": '"4"'})
    assert edit.status_code == 409
    actions = session.exec(select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.entity == "form_version",
                                                                              AuditEntry.action != "seed.create")
                           .order_by(AuditEntry.id)).all()
    assert [a for a, _ in actions][:5] == ["form_version.create", "form_version.validate", "form_version.validate",
                                           "form_version.supersede", "form_version.publish"]
    assert [a for a, _ in actions][5:] in (["form_version.blank"], ["form_version.blank"] * 2)  # DOCX, PDF
    assert all(actor.startswith("token:") or actor for _, actor in actions)


def test_create_a_form_accepting_the_old_code_spelling(api_client_as):
    legal = english(api_client_as("legal"))
    body = {"code": "se 121 33", "country_code": "RS", "instrument_slug": "2014-11-06-accord",
            "title_fr": "Demande de pension d'invalidité", "title_partner": "Zahtev za invalidsku penziju",
            "partner_language": "sr-Latn", "risk": "invalidity", "direction": "both", "code_confirmed": False}
    created = legal.post("/api/forms", json=body)
    assert created.status_code == 201 and created.json()["code"] == "SE 121-33"
    assert created.json()["state"] == "draft" and created.json()["versions"] == []
    duplicate = legal.post("/api/forms", json={**body, "code": "SE 121.33"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    unknown = legal.post("/api/forms", json={**body, "code": "SE 121-34", "instrument_slug": "1999-01-01-accord"})
    assert unknown.status_code == 422 and "instrument_slug" in unknown.text
    assert api_client_as("caisse").post("/api/forms", json=body).status_code == 403
