"""Official texts of an instrument: one current file per language, bytes stored once."""

import io

from sqlmodel import Session, select

from agreements.models import Instrument, OfficialText
from registry import audit, blobs
from registry.labels import mark
from registry.problems import FieldError, Refused
from registry.web.downloads import safe_filename
from registry.uploads import UploadRejected, inspect_docx, inspect_pdf

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(part for part in parts if part.strip())


def read_official_text(data: bytes, filename: str, max_bytes: int) -> tuple[str, str]:
    """(media type, extracted text) of an uploaded PDF or DOCX, or Refused naming the problem."""
    try:
        if data[:5] == b"%PDF-":
            return PDF, inspect_pdf(data, max_bytes).text
        if data[:2] == b"PK":
            inspect_docx(data, max_bytes)
            return DOCX, docx_text(data)
    except UploadRejected as exc:
        raise Refused([FieldError("file", exc.message, exc.params)]) from None
    raise Refused([FieldError("file", mark("%(name)s is neither a PDF nor a DOCX file"), {"name": filename})])


def attach_official_text(session: Session, actor: audit.Actor, instrument: Instrument, language: str,
                         filename: str, data: bytes, max_bytes: int) -> OfficialText:
    if not language.strip():
        raise Refused([FieldError("language", mark("the language of the text is required"), {})])
    media_type, text = read_official_text(data, filename, max_bytes)
    blob = blobs.store(session, data, media_type)
    previous = session.exec(select(OfficialText).where(OfficialText.instrument_id == instrument.id,
                                                       OfficialText.language == language,
                                                       OfficialText.is_current == True)).all()  # noqa: E712
    for old in previous:
        old.is_current = False
        session.add(old)
    official = OfficialText(instrument_id=instrument.id, language=language, blob_sha256=blob.sha256,
                            filename=safe_filename(filename, "texte"), media_type=media_type, extracted_text=text,
                            uploaded_by=actor.name)
    session.add(official)
    session.flush()
    audit.record(session, actor, "instrument.text.attach", "instrument", instrument.id,
                 after={"language": language, "filename": official.filename, "sha256": blob.sha256,
                        "size": blob.size, "replaces": [o.id for o in previous]})
    return official
