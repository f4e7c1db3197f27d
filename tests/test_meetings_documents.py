"""Bilingual agenda and minutes: DOCX from the shipped templates, PDF through LibreOffice;
both languages side by side or one after the other; French only when the partner writes French."""

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from agreements.meetings.documents import build_context, document_request, render_request, template_bytes
from agreements.meetings.models import Meeting
from agreements.meetings.queries import agenda_of
from agreements.services.texts import docx_text
from registry.documents.converter import FakeConverter
from registry.documents.provenance import read_provenance
from registry.documents.template_rules import check_template
from registry.web.app import create_app
from tests.conftest import missing_dependency


def meeting_of(session, country: str, starts_on: date) -> Meeting:
    return session.exec(select(Meeting).where(Meeting.country_code == country, Meeting.starts_on == starts_on)).one()


@pytest.mark.parametrize("kind", ["agenda", "minutes"])
@pytest.mark.parametrize("layout", ["side_by_side", "sequential"])
def test_the_shipped_templates_pass_the_sandbox_check(kind, layout):
    # the meeting documents print partner text as RichText built by code (its direction): {{r …}}
    assert check_template(template_bytes(kind, layout), rich_values=True) == []


@pytest.mark.parametrize("layout", ["side_by_side", "sequential"])
def test_andorran_minutes_carry_both_languages_in_either_layout(session, layout):
    andorra = meeting_of(session, "AD", date(2023, 10, 26))
    text = docx_text(render_request(document_request(session, andorra, "minutes", layout)))
    for item in agenda_of(session, andorra.id):
        assert item.title_fr in text and item.title_partner in text
    assert "Procès-verbal" in text and "Acta" in text
    assert "26 octobre 2023" in text and "26 d’octubre del 2023" in text
    assert "Jordi Exemple" in text and "CNSE / CASS" in text  # participants, action items table
    assert "Décision 1 : Les deux parties retiennent" in text and "Decisió 1: Les dues parts" in text
    assert "Contenu illustratif" in text


def test_malian_documents_are_in_french_only(session):
    mali = meeting_of(session, "ML", date(2023, 4, 12))
    request = document_request(session, mali, "minutes", "side_by_side")
    assert request.template == template_bytes("minutes", "sequential")
    text = docx_text(render_request(request))
    assert "Procès-verbal" in text and "Minutes" not in text and "12 avril 2023" in text
    assert build_context(session, mali, "minutes")[0]["bilingual"] is False


def test_serbian_dates_and_the_provenance_of_the_agenda(session):
    serbia = meeting_of(session, "RS", date(2023, 10, 19))
    data = render_request(document_request(session, serbia, "agenda", today=date(2024, 1, 5)))
    text = docx_text(data)
    assert "Dnevni red" in text and "19. oktobar 2023." in text and "19 octobre 2023" in text
    provenance = read_provenance(data)
    assert provenance.kind == "agenda" and provenance.languages == ("fr", "sr-Latn")
    assert provenance.as_of == "2024-01-05"


def test_andorran_minutes_as_docx_and_pdf_over_http(client, app):
    with Session(app.state.engine) as db:
        andorra = meeting_of(db, "AD", date(2023, 10, 26))
        titles = [(i.title_fr, i.title_partner) for i in agenda_of(db, andorra.id)]
    base = f"/api/meetings/{andorra.id}/documents"
    docx = client.get(f"{base}/minutes.docx")
    assert docx.status_code == 200 and docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = docx_text(docx.content)
    assert all(fr in text and ca in text for fr, ca in titles)
    if not app.state.converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    pdf = client.get(f"{base}/minutes.pdf?layout=sequential")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    flat = " ".join(pdf_text.split())
    assert all(" ".join(fr.split()) in flat and " ".join(ca.split()) in flat for fr, ca in titles), flat[:2000]
    # a tagged PDF, French as a whole, its Catalan passages tagged Catalan (for screen readers)
    root = PdfReader(io.BytesIO(pdf.content)).trailer["/Root"]
    assert root["/Lang"] == "fr-FR" and root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert "ca-ES" in structure_languages(root["/StructTreeRoot"])  # LibreOffice writes Catalan ca-ES


def structure_languages(element, seen=None) -> set[str]:
    """Every /Lang in a tagged PDF's structure tree."""
    seen = set() if seen is None else seen
    element = element.get_object()
    if isinstance(element, list):
        for child in element:
            structure_languages(child, seen)
    elif hasattr(element, "get"):
        if "/Lang" in element:
            seen.add(str(element["/Lang"]))
        if "/K" in element:
            structure_languages(element["/K"], seen)
    return seen


def test_pdf_without_libreoffice_answers_503_and_docx_still_works(settings, engine, search_backend):
    app = create_app(settings, engine=engine, search=search_backend, converter=FakeConverter(available=False))
    from litestar.testing import TestClient

    with Session(engine) as db:
        serbia = meeting_of(db, "RS", date(2023, 10, 19)).id
    with TestClient(app) as client:
        refused = client.get(f"/api/meetings/{serbia}/documents/agenda.pdf")
        assert refused.status_code == 503 and "libreoffice-writer-nogui" in refused.json()["detail"]
        assert client.get(f"/api/meetings/{serbia}/documents/agenda.docx").status_code == 200
        assert client.get(f"/api/meetings/{serbia}/documents/nothing.txt").status_code == 404
