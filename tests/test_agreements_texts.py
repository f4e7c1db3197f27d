"""Official texts: PDF or DOCX per language, stored once by sha256, text extracted, bad files refused."""

import pytest
from sqlmodel import select

from agreements import services
from agreements.models import OfficialText
from agreements.queries import find_by_slug
from registry.blobs import Blob
from registry.problems import Refused
from tests.documents import docx_bytes, pdf_bomb, pdf_bytes
from tests.factories import LEGAL

LIMIT = 5 * 2**20


def attach(session, data, language="fr", filename="accord.pdf"):
    accord = find_by_slug(session, "RS", "2014-11-06-accord")
    text = services.attach_official_text(session, LEGAL, accord, language, filename, data, LIMIT)
    session.commit()
    return text


def test_pdf_and_docx_texts_are_extracted(session):
    pdf = attach(session, pdf_bytes("Accord de securite sociale France-Serbie"))
    docx = attach(session, docx_bytes("Sporazum o socijalnom osiguranju između Francuske i Srbije"), "sr-Latn",
                  "sporazum.docx")
    assert "France-Serbie" in pdf.extracted_text and pdf.media_type == "application/pdf"
    assert "između" in docx.extracted_text and docx.media_type.endswith("wordprocessingml.document")


def stored_blobs(session) -> int:
    return len(session.exec(select(Blob)).all())  # the seed stores the catalog's blank forms too


def test_identical_bytes_are_stored_once_and_older_text_stays(session):
    data = pdf_bytes("Texte officiel")
    before = stored_blobs(session)
    first = attach(session, data)
    second = attach(session, data, filename="copie.pdf")
    assert first.blob_sha256 == second.blob_sha256
    assert stored_blobs(session) == before + 1
    session.refresh(first)
    assert (first.is_current, second.is_current) == (False, True)
    assert len(session.exec(select(OfficialText)).all()) == 2


def test_file_name_cannot_traverse(session):
    text = attach(session, pdf_bytes("x"), filename="../../etc/passwd\x00.pdf")
    assert text.filename == "passwd.pdf"


@pytest.mark.parametrize("data,needle", [
    (b"hello, not a document", "neither a PDF nor a DOCX"),
    (pdf_bytes("secret", password="pw"), "encrypted"),
    (pdf_bytes("x")[:200], "PDF"),
    (pdf_bomb(200), "limit"),
])
def test_bad_files_are_refused_and_nothing_stored(session, data, needle):
    before = stored_blobs(session)
    with pytest.raises(Refused) as refused:
        attach(session, data)
    assert refused.value.errors[0].field == "file"
    assert needle in refused.value.errors[0].message % refused.value.errors[0].params
    session.rollback()
    assert session.exec(select(OfficialText)).all() == []
    assert stored_blobs(session) == before


def test_oversized_file_is_refused(session):
    accord = find_by_slug(session, "RS", "2014-11-06-accord")
    with pytest.raises(Refused):
        services.attach_official_text(session, LEGAL, accord, "fr", "big.pdf", pdf_bytes("x"), max_bytes=100)
