"""Document generation: filled bilingual forms in DOCX and PDF, errors per field, batches,
provenance and verification."""

import copy
import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from registry.documents.provenance import read_provenance
from tests.conftest import missing_dependency

CATALOG = Path(__file__).resolve().parents[1] / "forms" / "catalog"
SERBIAN_POSTING = "SE-121-01"


def sample(code: str) -> dict:
    return json.loads((CATALOG / code / "sample.json").read_text(encoding="utf-8"))


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def app(rendering_app):
    return rendering_app


def djordje() -> dict:
    data = sample(SERBIAN_POSTING)
    data["worker"].update(last_name="Petrović & Fils", first_name="Đorđe", birth_date="1980-12-01")
    return data


def test_serbian_posting_certificate_in_docx(api_client_as):
    response = api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/documents?format=docx&on=2024-01-15",
                                            json=djordje())
    assert response.status_code == 200, response.text
    text = docx_text(response.content)
    assert "Petrović & Fils" in text and "Đorđe" in text
    assert "1er décembre 1980" in text and "1. decembar 1980." in text
    provenance = read_provenance(response.content)
    assert provenance.reference == "SE 121-01" and provenance.languages == ("fr", "sr-Latn")
    assert provenance.as_of == "2024-01-15"


def test_serbian_posting_certificate_in_pdf(api_client_as, converter):
    if not converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    response = api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/documents?format=pdf&on=2024-01-15",
                                            json=djordje())
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "Petrović & Fils" in text and "Đorđe" in text
    assert "1er décembre 1980" in text and "1. decembar 1980." in text
    assert read_provenance(response.content).template_sha256


def test_every_error_is_listed_with_both_labels(api_client_as):
    data = djordje()
    data["worker"]["birth_date"] = "1980-02-30"
    data["worker"]["nir"] = "1 84 12 75 056 123 00"
    del data["worker"]["last_name"]
    data["posting"]["activity"] = "x" * 301
    response = api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/documents?on=2024-01-15", json=data)
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"worker.birth_date", "worker.nir", "worker.last_name", "posting.activity"}
    assert errors["worker.last_name"]["label_fr"] == "Nom" and errors["worker.last_name"]["label_partner"] == "Prezime"
    assert errors["worker.nir"]["message"] == "clé du NIR erronée\u00a0: 00 indiquée, 55 attendue"  # the reader's language
    english = api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/documents?on=2024-01-15&lang=en", json=data)
    assert {e["field"]: e["message"] for e in english.json()["errors"]}["worker.last_name"] == "required"
    assert english.json()["detail"] == "fields refused: 4"


def test_anonymous_cannot_fill_but_can_download_the_blank(client):
    assert client.post(f"/api/forms/{SERBIAN_POSTING}/documents", json=djordje()).status_code == 401
    blank = client.get(f"/api/forms/{SERBIAN_POSTING}/blank?format=docx&on=2024-01-15")
    assert blank.status_code == 200 and blank.headers["content-type"].startswith("application/vnd.openxml")
    again = client.get(f"/api/forms/{SERBIAN_POSTING}/blank?format=docx&on=2024-01-15")
    assert again.content == blank.content  # built once per version


def test_no_version_before_the_agreement_applies(client):
    response = client.get(f"/api/forms/{SERBIAN_POSTING}/blank?on=2020-01-01")
    assert response.status_code == 404 and "2020-01-01" in response.json()["detail"]


def test_generation_is_audited_without_the_data(api_client_as, session):
    from sqlmodel import select

    from registry.models import AuditEntry

    api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/documents?on=2024-01-15", json=djordje())
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "form.generate")).one()
    assert entry.after["documents"] == 1 and entry.after["form"] == "SE 121-01"
    assert "Petrović" not in json.dumps(entry.after) and "Petrović" not in json.dumps(entry.before)


def batch_rows(count: int, invalid: set[int]) -> bytes:
    base = djordje()
    lines = []
    for n in range(1, count + 1):
        row = copy.deepcopy(base)
        row["worker"]["last_name"] = f"Petrović-{n}"
        if n in invalid:
            row["worker"]["birth_date"] = "1980-13-01"
        lines.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(lines).encode()


def test_batch_keeps_valid_rows_and_reports_invalid_ones(api_client_as):
    rows = batch_rows(40, invalid={3, 17, 40})
    response = api_client_as("caisse").post(
        f"/api/forms/{SERBIAN_POSTING}/batches?on=2024-01-15&name_field=worker.last_name",
        files={"file": ("rows.jsonl", rows, "application/x-ndjson")})
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    documents = [n for n in archive.namelist() if n.endswith(".docx")]
    assert len(documents) == 37 and "SE-121-01_Petrovic-1.docx" in documents
    report = list(csv.DictReader(io.StringIO(archive.read("report.csv").decode())))
    assert sorted({int(r["row"]) for r in report}) == [3, 17, 40]
    assert response.headers["x-rejected-rows"] == "3"


def test_batch_csv_accepts_labels_and_refuses_unknown_columns(api_client_as):
    client = api_client_as("caisse")
    good = "Nom;Prénom(s);Datum rođenja\nPetrović;Đorđe;1980-12-01\n".encode()
    response = client.post(f"/api/forms/{SERBIAN_POSTING}/batches?on=2024-01-15",
                           files={"file": ("rows.csv", good, "text/csv")})
    assert response.status_code == 200
    report = zipfile.ZipFile(io.BytesIO(response.content)).read("report.csv").decode()
    assert "employer.name" in report  # the row lacks required fields: reported, not fatal
    bad = client.post(f"/api/forms/{SERBIAN_POSTING}/batches?on=2024-01-15",
                      files={"file": ("rows.csv", b"Nom;Couleur\nA;B\n", "text/csv")})
    assert bad.status_code == 400 and "Couleur" in bad.json()["detail"]
    latin1 = client.post(f"/api/forms/{SERBIAN_POSTING}/batches?on=2024-01-15",
                         files={"file": ("rows.csv", "Nom\nLefèvre\n".encode("latin-1"), "text/csv")})
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["detail"]


def test_too_many_rows_are_refused(api_client_as):
    rows = "Nom\n" + "x\n" * 10_001
    response = api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/batches?on=2024-01-15",
                                            files={"file": ("rows.csv", rows.encode(), "text/csv")})
    assert response.status_code == 400 and "10" in response.json()["detail"]


def test_verify_names_the_version_and_whether_it_is_current(api_client_as, client):
    produced = api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/documents?on=2024-01-15", json=djordje())
    verdict = client.post("/api/documents/verify", files={"file": ("x.docx", produced.content)}).json()
    # the version of 2024 was superseded by the A4 one on 2026-12-01: recognised, no longer the one in force
    assert verdict["recognised"] and verdict["template_matches"] and not verdict["in_force_today"]
    today = api_client_as("caisse").post(f"/api/forms/{SERBIAN_POSTING}/documents", json=djordje())
    verdict = client.post("/api/documents/verify", files={"file": ("x.docx", today.content)}).json()
    assert verdict["recognised"] and verdict["template_matches"] and verdict["in_force_today"]
    assert client.post("/api/documents/verify", files={"file": ("x.txt", b"hello")}).json()["recognised"] is False


def test_arabic_form_keeps_arabic_values_in_docx_and_pdf(api_client_as, converter):
    code = "SE-350-07"
    data = sample(code)
    data["pensioner"].update(last_name="العمراني", first_name="محمد")
    client = api_client_as("caisse")
    docx = client.post(f"/api/forms/{code}/documents?format=docx&on=2024-06-01", json=data)
    assert docx.status_code == 200, docx.text
    assert "العمراني" in docx_text(docx.content) and "محمد" in docx_text(docx.content)
    if not converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    pdf = client.post(f"/api/forms/{code}/documents?format=pdf&on=2024-06-01", json=data)
    assert pdf.status_code == 200, pdf.text
    assert "العمراني" in pdf_text(pdf.content) and "محمد" in pdf_text(pdf.content)


def test_fillable_pdf_form_with_non_latin_values(api_client_as, converter):
    if not converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    code = "SE-416-01"
    data = sample(code)
    data["worker"].update(last_name="Petrović", first_name="Đorđe Ђорђе")
    data["employer"]["name"] = "Construtora São João & Filhos"
    client = api_client_as("caisse")
    response = client.post(f"/api/forms/{code}/documents?format=pdf&on=2024-06-01", json=data)
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    for value in ("Petrović", "Đorđe Ђорђе", "Construtora São João & Filhos"):
        assert value in text
    assert read_provenance(response.content).reference == "SE 416-01"
    docx = client.post(f"/api/forms/{code}/documents?format=docx&on=2024-06-01", json=data)
    assert docx.status_code == 409


def test_a_thousand_rows_with_37_invalid_give_963_documents(api_client_as):
    invalid = set(range(7, 1000, 27))  # 37 rows spread over the file
    assert len(invalid) == 37
    response = api_client_as("caisse").post(
        f"/api/forms/{SERBIAN_POSTING}/batches?on=2024-01-15&format=docx",
        files={"file": ("rows.jsonl", batch_rows(1000, invalid), "application/x-ndjson")})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sum(name.endswith(".docx") for name in archive.namelist()) == 963
    report = list(csv.DictReader(io.StringIO(archive.read("report.csv").decode())))
    assert sorted({int(r["row"]) for r in report}) == sorted(invalid)


def test_fill_page_shows_both_labels_and_returns_the_file(login_as):
    caisse = login_as("caisse")
    page = caisse.get(f"/forms/{SERBIAN_POSTING}/fill?on=2024-01-15")
    assert page.status_code == 200 and "Prezime" in page.text and "Datum rođenja" in page.text
    data = {"worker.last_name": "Petrović & Fils", "worker.first_name": "Đorđe", "worker.birth_date": "1980-12-01"}
    refused = caisse.post(f"/forms/{SERBIAN_POSTING}/fill?on=2024-01-15", data=data)
    assert refused.status_code == 422 and 'value="Petrović &amp; Fils"' in refused.text
    full = {"_format": "docx", **{k: v for k, v in _flatten(djordje()).items()}}
    produced = caisse.post(f"/forms/{SERBIAN_POSTING}/fill?on=2024-01-15", data=full)
    assert produced.status_code == 200, produced.text[:500]
    assert "1er décembre 1980" in docx_text(produced.content)


def _flatten(data: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_fill_page_marks_each_refused_input_in_french_where_it_was_typed(login_as):
    caisse = login_as("caisse")
    sample = json.loads((CATALOG / "SE-121-03" / "sample.json").read_text(encoding="utf-8"))
    data = {"_format": "docx", **_flatten(sample["insured"], "insured."), **_flatten(sample["institution"], "institution."),
            "entitlement.start": "2024-01-01", "insured.address.city": ""}
    data |= {"family[0].last_name": "Petrović", "family[0].first_name": "Jelena", "family[0].birth_date": "1970-03-22",
             "family[0].relationship": "épouse / supruga",
             # row 1 left blank: row 2 is the second row sent, and its error must come back on row 2
             "family[2].last_name": "Petrović", "family[2].first_name": "Đorđe", "family[2].relationship": "fils / sin"}
    refused = caisse.post("/forms/SE-121-03/fill?on=2024-01-15", data=data)
    assert refused.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="([^"]+)-error">([^<]*)</p>', refused.text))
    assert errors == {"insured.address.city": "obligatoire", "family[2].birth_date": "obligatoire"}
    assert 'id="family[2].birth_date" name="family[2].birth_date" value="" aria-invalid="true"' in refused.text
    assert 'name="family[2].first_name" value="Đorđe"' in refused.text  # what was typed stays where it was typed


def test_the_form_page_leads_to_the_blank_forms_and_to_filling_in_for_those_who_may(client, login_as):
    public = client.get("/forms/SE-121-01?on=2024-01-15&lang=fr").text
    assert "/api/forms/SE-121-01/blank?format=docx&amp;on=2024-01-15" in public and "Formulaire vierge (PDF)" in public
    assert 'href="/forms/SE-121-01/fill' not in public  # anonymous may not fill: the page offers to log in
    assert 'href="/login?next=/forms/SE-121-01/fill%3Fon%3D2024-01-15"' in public
    page = login_as("caisse").get("/forms/SE-121-01?on=2024-01-15&lang=fr").text
    assert '<a class="button primary" href="/forms/SE-121-01/fill?on=2024-01-15">Remplir ce formulaire</a>' in page
