"""Golden files for generated documents (tests/golden/, rendered by tests/golden.py): filled and
blank forms, the Arabic form, a partner's fillable PDF, the Andorran agenda and minutes in both
layouts, a decision log and a batch report, each fetched over HTTP like a user would.
`pytest --update-golden` rewrites them; review with `git diff tests/golden`.

The documents do not depend on the database backend, so these run on SQLite only."""

import csv
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from agreements.meetings.models import Meeting
from tests.conftest import missing_dependency
from tests.golden import (GOLDEN_DIR, GoldenMismatch, compare_golden, csv_golden, docx_golden, golden_diff,
                          normalised, pdf_golden)

CATALOG = Path(__file__).resolve().parents[1] / "forms" / "catalog"
SQLITE_ONLY = pytest.mark.parametrize("seeded_database_url", ["sqlite"], indirect=True)
NO_LIBREOFFICE = "LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)"


def sample(code: str) -> dict:
    return json.loads((CATALOG / code / "sample.json").read_text(encoding="utf-8"))


def serbian_posting() -> dict:
    """The catalog sample with the values of tests/test_generation.py: Đ, an ampersand, a date."""
    data = sample("SE-121-01")
    data["worker"].update(last_name="Petrović & Fils", first_name="Đorđe", birth_date="1980-12-01")
    return data


def moroccan_pension() -> dict:
    data = sample("SE-350-07")
    data["pensioner"].update(last_name="العمراني", first_name="محمد")
    return data


def brazilian_posting() -> dict:
    data = sample("SE-416-01")
    data["worker"].update(last_name="Petrović", first_name="Đorđe Ђорђе")
    data["employer"]["name"] = "Construtora São João & Filhos"
    return data


@pytest.fixture
def app(rendering_app):
    return rendering_app


def generated(response) -> bytes:
    assert response.status_code == 200, response.text[:500]
    return response.content


# --- forms ----------------------------------------------------------------------------------------

FILLED = [
    pytest.param("SE-121-01", serbian_posting, "docx", "2024-01-15", "SE-121-01_filled.docx.txt", id="serbian-docx"),
    pytest.param("SE-121-01", serbian_posting, "pdf", "2024-01-15", "SE-121-01_filled.pdf.txt", id="serbian-pdf"),
    pytest.param("SE-350-07", moroccan_pension, "docx", "2024-06-01", "SE-350-07_filled.docx.txt", id="arabic-docx"),
    pytest.param("SE-350-07", moroccan_pension, "pdf", "2024-06-01", "SE-350-07_filled.pdf.txt", id="arabic-pdf"),
    pytest.param("SE-416-01", brazilian_posting, "pdf", "2024-06-01", "SE-416-01_filled.pdf.txt",
                 id="fillable-pdf"),
    # the versions of December 2026: the same forms on A4 (the ones above stay as they were)
    pytest.param("SE-121-01", serbian_posting, "pdf", "2026-12-15", "SE-121-01_a4_filled.pdf.txt", id="serbian-a4-pdf"),
    pytest.param("SE-350-07", moroccan_pension, "pdf", "2026-12-15", "SE-350-07_a4_filled.pdf.txt", id="arabic-a4-pdf"),
    pytest.param("SE-416-01", brazilian_posting, "pdf", "2026-12-15", "SE-416-01_v2_filled.pdf.txt",
                 id="fillable-pdf-v2"),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("code", "data", "fmt", "on", "name"), FILLED)
def test_filled_form(api_client_as, converter, golden, code, data, fmt, on, name):
    if fmt == "pdf" and not converter.available():
        missing_dependency(NO_LIBREOFFICE)
    client = api_client_as("caisse")
    document = generated(client.post(f"/api/forms/{code}/documents?format={fmt}&on={on}", json=data()))
    rendering = pdf_golden(document) if fmt == "pdf" else docx_golden(document)
    if fmt == "pdf":  # the same document twice from the same warm LibreOffice: same text
        again = generated(client.post(f"/api/forms/{code}/documents?format={fmt}&on={on}", json=data()))
        assert pdf_golden(again) == rendering
    golden(name, rendering)


@SQLITE_ONLY
@pytest.mark.parametrize(("on", "name"), [("2024-01-15", "SE-121-01_blank.docx.txt"),
                                          ("2026-12-15", "SE-121-01_a4_blank.docx.txt")], ids=["first", "a4"])
def test_blank_serbian_certificate(client, golden, on, name):
    blank = generated(client.get(f"/api/forms/SE-121-01/blank?format=docx&on={on}"))
    golden(name, docx_golden(blank))


# --- meetings ---------------------------------------------------------------------------------------

def andorran_joint_commission(app) -> int:
    with Session(app.state.engine) as db:
        return db.exec(select(Meeting.id).where(Meeting.country_code == "AD",
                                                Meeting.starts_on == date(2023, 10, 26))).one()


@SQLITE_ONLY
@pytest.mark.parametrize(("kind", "layout", "name"), [
    ("agenda", "side_by_side", "AD-2023-10-26_agenda_side-by-side.docx.txt"),
    ("agenda", "sequential", "AD-2023-10-26_agenda_sequential.docx.txt"),
    ("minutes", "side_by_side", "AD-2023-10-26_minutes_side-by-side.docx.txt"),
    ("minutes", "sequential", "AD-2023-10-26_minutes_sequential.docx.txt"),
], ids=["agenda-side-by-side", "agenda-sequential", "minutes-side-by-side", "minutes-sequential"])
def test_andorran_agenda_and_minutes(app, client, golden, kind, layout, name):
    document = generated(client.get(f"/api/meetings/{andorran_joint_commission(app)}/documents/{kind}.docx"
                                    f"?layout={layout}"))
    golden(name, docx_golden(document))


@SQLITE_ONLY
def test_andorran_decision_log(client, golden):
    response = client.get("/api/decisions.csv?country=AD")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    golden("decisions-AD.csv.txt", csv_golden(response.text))


# --- batch ------------------------------------------------------------------------------------------

@SQLITE_ONLY
def test_batch_of_five_rows_with_two_invalid(api_client_as, golden):
    rows = []
    for number in range(1, 6):
        row = serbian_posting()
        row["worker"]["last_name"] = f"Petrović-{number}"
        if number == 2:
            row["worker"]["birth_date"] = "1980-13-01"
        if number == 4:
            del row["employer"]["name"]
            row["posting"]["activity"] = "x" * 301
        rows.append(json.dumps(row, ensure_ascii=False))
    response = api_client_as("caisse").post(
        "/api/forms/SE-121-01/batches?on=2024-01-15&name_field=worker.last_name",
        files={"file": ("rows.jsonl", "\n".join(rows).encode(), "application/x-ndjson")})
    archive = zipfile.ZipFile(io.BytesIO(generated(response)))
    report = archive.read("report.csv").decode("utf-8")
    assert sorted({int(r["row"]) for r in csv.DictReader(io.StringIO(report))}) == [2, 4]
    listing = "\n".join(["=== archive", *sorted(archive.namelist()), "=== report.csv", report])
    golden("SE-121-01_batch-report.csv.txt", csv_golden(listing))


# --- the check itself -------------------------------------------------------------------------------

def template_rendering(**replace: str) -> str:
    """The rendering of the catalog template of SE 121-01, with some XML text replaced."""
    source = (CATALOG / "SE-121-01" / "template.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as original:
        parts = {info: original.read(info) for info in original.infolist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as changed:
        for info, data in parts.items():
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                for old, new in replace.items():
                    assert old in text
                    text = text.replace(old, new, 1)
                data = text.encode("utf-8")
            changed.writestr(info, data)
    return docx_golden(buffer.getvalue())


def test_a_changed_label_fails_with_a_diff(tmp_path):
    name = "SE-121-01_template.docx.txt"
    rendering = template_rendering()
    assert "Prezime *" in rendering
    assert compare_golden(name, rendering, update=True, directory=tmp_path) == "created"
    assert compare_golden(name, rendering, directory=tmp_path) is None
    with pytest.raises(GoldenMismatch) as failure:
        compare_golden(name, rendering.replace("Prezime *", "Prezime", 1), directory=tmp_path)
    message = str(failure.value)
    assert "--update-golden" in message and f"--- tests/golden/{name}" in message
    assert re.search(r"^-.*Prezime \*$", message, re.MULTILINE) and re.search(r"^\+.*Prezime$", message, re.MULTILINE)
    assert len(message.splitlines()) < 15  # the changed line and its context, not the whole document


def test_a_changed_language_tag_or_direction_changes_the_rendering():
    plain = template_rendering()
    assert "lang=sr-Latn-RS" in plain
    for change in ({"sr-Latn-RS": "hr-HR"}, {"<w:b/>": "<w:b w:val=\"0\"/>"},
                   {"<w:pPr/>": "<w:pPr><w:bidi/></w:pPr>"}, {"<w:gridSpan w:val=\"2\"/>": ""},
                   {"Potvrda o upućivanju na rad": "Potvrda o upucivanju na rad"}):
        assert template_rendering(**change) != plain, change


def test_a_missing_golden_file_fails_and_is_not_created(tmp_path):
    with pytest.raises(GoldenMismatch, match="--update-golden"):
        compare_golden("new.docx.txt", "¶ text\n", directory=tmp_path)
    assert not (tmp_path / "new.docx.txt").exists()
    assert compare_golden("new.docx.txt", "¶ text\n", update=True, directory=tmp_path) == "created"
    assert compare_golden("new.docx.txt", "¶ text\n", directory=tmp_path) is None
    assert compare_golden("new.docx.txt", "¶ other\n", update=True, directory=tmp_path) == "updated"
    assert (tmp_path / "new.docx.txt").read_text(encoding="utf-8") == "¶ other\n"
    assert [p.name for p in tmp_path.iterdir()] == ["new.docx.txt"]  # no temporary file left
    with pytest.raises(ValueError):
        compare_golden("../escape.txt", "x\n", update=True, directory=tmp_path)


def test_the_diff_is_cut_to_a_readable_size():
    expected = "".join(f"line {n}\n" for n in range(500))
    diff = golden_diff(expected, expected.replace("line", "LINE"), "long.txt")
    assert len(diff.splitlines()) == 61 and diff.endswith("more diff lines")


def test_volatile_values_are_masked_and_the_rest_kept():
    text = ("SE 121-01 · 2023-12 · fr/sr-Latn · ce2017101a03 · 2024-01-15 · 2026-11-26T18:15:56+00:00\n"
            "/CreationDate: D:20261126181625Z'\n/Creator: LibreOffice 7.4.7.2 40(Build:2)\n"
            "registry-provenance:{\"a\":\"2026-11-26\",\"r\":\"meeting:17\"}\nhttp://x/meetings/17/documents  \n"
            "/meetings/17#decision-1 /countries/RS/instruments/2014-11-06-accord\n1er\u00a0décembre \u200fم\n")
    assert normalised(text, today=date(2026, 11, 26)) == (
        "SE 121-01 · 2023-12 · fr/sr-Latn · ce2017101a03 · 2024-01-15 · <timestamp>\n"
        "/CreationDate: <pdf-date>\n/Creator: LibreOffice <version>\n"
        "registry-provenance:{\"a\":\"<today>\",\"r\":\"meeting:<id>\"}\nhttp://x/meetings/<id>/documents\n"
        "/meetings/<id>#decision-1 /countries/RS/instruments/2014-11-06-accord\n1er⍽décembre <RLM>م\n")


def test_every_golden_file_belongs_to_a_test():
    """No orphans: a golden file whose test was renamed or removed would never be checked again."""
    named = set(re.findall(r"[\w.-]+\.(?:docx|pdf|csv)\.txt", Path(__file__).read_text(encoding="utf-8")))
    assert {p.name for p in GOLDEN_DIR.iterdir() if not p.name.startswith(".")} <= named
