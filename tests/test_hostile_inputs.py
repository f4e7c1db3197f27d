"""Hostile JSON and CSV (issue 13, "Why" 6 and 8): deeply nested field schemas, data and JSON
Lines, CSV cells over 128 KiB in a batch and in an instrument import. Each is a 4xx naming where
(the part, the line), in the reader's language, with nothing written and no error logged; and a
formula typed into an instrument leaves the export quoted."""

import csv
import io
import json

import pytest
from sqlmodel import select

from registry.models import AuditEntry
from tests.hostile_files import BIG_CELL, nested_field_specs, nested_json

SERBIAN_POSTING = "SE-121-01"
BATCHES = f"/api/forms/{SERBIAN_POSTING}/batches?on=2024-01-15"


def both_languages(send) -> dict[str, str]:
    """The detail of the same refusal in English and in French."""
    answers = {}
    for lang in ("en", "fr"):
        response = send(lang)
        assert 400 <= response.status_code < 500, response.text[:300]
        answers[lang] = response.json()["detail"]
    assert answers["en"] != answers["fr"]
    return answers


def test_a_json_lines_row_nested_too_deep_names_its_line(api_client_as, no_errors_logged):
    caisse = api_client_as("caisse")
    rows = b'{"worker": {"last_name": "A"}}\n' + ('{"worker": ' + nested_json(5000, "{}") + "}").encode()
    answers = both_languages(lambda lang: caisse.post(f"{BATCHES}&lang={lang}",
                                                      files={"file": ("rows.jsonl", rows, "application/x-ndjson")}))
    assert answers["en"] == "line 2: JSON nested more than 32 levels deep"
    assert answers["fr"].startswith("ligne 2")


def test_a_batch_csv_cell_over_128_kib_names_its_line(api_client_as, no_errors_logged):
    caisse = api_client_as("caisse")
    rows = f"Nom;Prénom(s)\nPetrović;Đorđe\nDupont;{BIG_CELL}\n".encode()
    answers = both_languages(lambda lang: caisse.post(f"{BATCHES}&lang={lang}",
                                                      files={"file": ("rows.csv", rows, "text/csv")}))
    assert answers["en"].startswith("line 3 of the CSV file holds a cell longer than 131,072 characters")


def test_a_batch_csv_cell_holding_nested_json_names_its_row_and_column(api_client_as, no_errors_logged):
    caisse = api_client_as("caisse")
    rows = f"Nom;Adresse\nPetrović;{nested_json(100)}\n".encode()
    response = caisse.post(f"{BATCHES}&lang=en", files={"file": ("rows.csv", rows, "text/csv")})
    assert response.status_code == 400
    assert response.json()["detail"] == "row 1, column Adresse: JSON nested more than 32 levels deep"


def test_an_instrument_import_with_a_cell_over_128_kib_names_the_file_and_line(api_client_as, session,
                                                                               no_errors_logged):
    legal = api_client_as("legal")
    instruments = f"country_code,slug,title_fr\nRS,2024-01-01-protocole,{BIG_CELL}\n".encode()
    response = legal.post("/api/import/instruments.csv?lang=en",
                          files={"instruments": ("instruments.csv", instruments, "text/csv")})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "instruments" and error["message"].startswith("line 2 of the CSV file holds a cell")
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "instrument.import")).all() == []


def test_the_import_page_refuses_a_cell_over_128_kib_in_french(login_as, no_errors_logged):
    legal = login_as("legal")
    instruments = f"country_code,slug,title_fr\nRS,2024-01-01-protocole,{BIG_CELL}\n".encode()
    page = legal.post("/instruments/import", files={"instruments": ("instruments.csv", instruments, "text/csv")})
    assert page.status_code == 400 and "instruments.csv" in page.text and "ligne 2" in page.text


def test_a_field_schema_nested_too_deep_is_refused_in_a_multipart_part(api_client_as, no_errors_logged):
    legal = api_client_as("legal")
    url = legal.post("/api/forms/SE-416-04/versions", json={"label": "2025-01"}).json()["url"]
    from tests.documents import docx_bytes

    response = legal.put(f"{url}/template?lang=en", headers={"If-Match": '"1"'},
                         files={"file": ("t.docx", docx_bytes("{{ a }}"), "application/octet-stream")},
                         data={"fields": nested_field_specs(3000)})
    assert response.status_code == 422 and "fields: JSON nested more than 32 levels deep" in response.json()["detail"]


@pytest.mark.parametrize("depth", [100, 3000])
def test_a_field_schema_nested_too_deep_is_refused_in_a_json_body(api_client_as, no_errors_logged, depth):
    legal = api_client_as("legal")
    url = legal.post("/api/forms/SE-416-04/versions", json={"label": "2025-01"}).json()["url"]
    body = '{"fields": ' + nested_field_specs(depth) + "}"
    response = legal.patch(f"{url}?lang=en", content=body.encode(),
                           headers={"If-Match": '"1"', "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text[:300]
    assert legal.get(url).json()["etag"] == '"1"'  # nothing written


def test_deeply_nested_data_outside_the_schema_never_reaches_a_worker(api_client_as, no_errors_logged):
    caisse = api_client_as("caisse")
    from tests.test_golden_documents import serbian_posting

    data = serbian_posting()
    data["junk"] = json.loads(nested_json(400))
    response = caisse.post(f"/api/forms/{SERBIAN_POSTING}/documents?on=2024-01-15", json=data)
    assert response.status_code == 200, response.text[:300]


def test_a_formula_in_a_title_leaves_the_export_quoted(api_client_as, client):
    legal = api_client_as("legal")
    created = legal.post("/api/instruments", json={"country_code": "RS", "kind": "protocol", "signed_on": "2024-05-02",
                                                   "title_fr": '=HYPERLINK("http://evil.example","Cliquez")',
                                                   "source": "@SUM(A1:A9)"})
    assert created.status_code == 201, created.text
    rows = list(csv.DictReader(io.StringIO(client.get("/api/export/instruments.csv").text)))
    row = next(r for r in rows if "HYPERLINK" in r["title_fr"])
    assert row["title_fr"] == "'=HYPERLINK(\"http://evil.example\",\"Cliquez\")" and row["source"] == "'@SUM(A1:A9)"
