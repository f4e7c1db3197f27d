"""Hostile DOCX files (issue 13, "Why" 6 and 7) on every route that reads an uploaded DOCX: the
template upload, the official-text upload (API and page), the verification of a generated file.
Each is a 4xx naming the part of the file, in the reader's language, stores nothing and logs no
error; a DOCTYPE hidden behind a 5 KB comment or written in UTF-16 is refused like any other."""


import pytest
from sqlmodel import select

from agreements.models import OfficialText
from forms.catalog_loader import catalog_root
from registry.blobs import Blob
from registry.models import AuditEntry
from registry.uploads import UploadRejected, inspect_docx
from tests.documents import docx_bytes
from tests.hostile_files import HOSTILE_DOCX, paragraph, with_document

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CASES = list(HOSTILE_DOCX)
TEXTS = "/api/instruments/{id}/texts"


def template_base() -> bytes:
    return (catalog_root() / "SE-416-04" / "template.docx").read_bytes()


@pytest.mark.parametrize("case", CASES)
def test_inspection_refuses_and_names_the_part(case):
    build, part = HOSTILE_DOCX[case]
    with pytest.raises(UploadRejected) as refused:
        inspect_docx(build(), 20 * 2**20)
    assert part in str(refused.value) and refused.value.params.get("part") == part


@pytest.mark.parametrize("case", CASES)
def test_template_upload_refuses_in_the_readers_language(api_client_as, session, no_errors_logged, case):
    build, part = HOSTILE_DOCX[case]
    legal = api_client_as("legal")
    created = legal.post("/api/forms/SE-416-04/versions", json={"label": "2025-01"})
    url, before = created.json()["url"], created.json()["template"]["sha256"]
    hostile = build(template_base())
    answers = {}
    for lang in ("fr", "en"):
        response = legal.put(f"{url}/template?lang={lang}", headers={"If-Match": '"1"'},
                             files={"file": ("modele.docx", hostile, DOCX)})
        assert response.status_code == 422, response.text[:300]
        answers[lang] = response.json()["detail"]
        assert part in answers[lang] and "Traceback" not in response.text
    assert answers["fr"] != answers["en"] and "modèle refusé" in answers["fr"]
    assert legal.get(url).json()["template"]["sha256"] == before
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "form_version.template")).all() == []


@pytest.mark.parametrize("case", CASES)
def test_official_text_upload_refuses_and_stores_nothing(api_client_as, client, session, no_errors_logged, case):
    build, part = HOSTILE_DOCX[case]
    legal = api_client_as("legal")
    accord = {i["slug"]: i["id"] for i in client.get("/api/instruments?country=RS").json()}["2014-11-06-accord"]
    blobs_before = len(session.exec(select(Blob)).all())
    response = legal.post(TEXTS.format(id=accord) + "?lang=en", data={"language": "fr"},
                          files={"file": ("accord.docx", build(), DOCX)})
    assert response.status_code == 422, response.text[:300]
    (error,) = response.json()["errors"]
    assert error["field"] == "file" and part in error["message"]
    assert session.exec(select(OfficialText)).all() == [] and len(session.exec(select(Blob)).all()) == blobs_before


@pytest.mark.parametrize("case", ["padded entity expansion", "UTF-16 external entity", "missing _rels/.rels"])
def test_official_text_page_refuses_in_french(login_as, no_errors_logged, case):
    build, part = HOSTILE_DOCX[case]
    legal = login_as("legal")
    response = legal.post("/countries/RS/instruments/2014-11-06-accord/texts", data={"language": "fr"},
                          files={"file": ("accord.docx", build(), DOCX)})
    assert response.status_code == 422 and part in response.text and "Traceback" not in response.text
    assert 'lang="fr"' in response.text


@pytest.mark.parametrize("case", CASES)
def test_verifying_a_hostile_file_says_it_is_not_ours(client, no_errors_logged, case):
    build, _ = HOSTILE_DOCX[case]
    response = client.post("/api/documents/verify", files={"file": ("x.docx", build(), DOCX)})
    assert response.status_code == 200 and response.json()["recognised"] is False


def test_utf16_without_a_doctype_is_a_document_like_any_other(api_client_as, client):
    """The defused parse refuses what a part declares, not its encoding."""
    document = with_document(paragraph("Član 1. Sporazum o socijalnom osiguranju"), encoding="utf-16")
    inspect_docx(document, 2**20)
    legal = api_client_as("legal")
    accord = {i["slug"]: i["id"] for i in client.get("/api/instruments?country=RS").json()}["2014-11-06-accord"]
    response = legal.post(TEXTS.format(id=accord), data={"language": "sr-Latn"},
                          files={"file": ("sporazum.docx", document, DOCX)})
    assert response.status_code == 201, response.text[:300]


def test_real_documents_still_pass():
    for path in sorted(catalog_root().glob("*/template.docx")):
        inspect_docx(path.read_bytes(), 20 * 2**20)
    inspect_docx(docx_bytes("Accord", footer="pied de page"), 2**20)
