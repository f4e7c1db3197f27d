"""Provenance of a generated document: which template, version and languages produced it, when,
for which as-of date. Written into the DOCX core properties (LibreOffice carries them into
the PDF information dictionary) and read back from either format."""

import io
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

PROVENANCE_MARK = "registry-provenance:"
PDF_KEY = "/RegistryProvenance"
AUTHOR = "Registre des accords de sécurité sociale"
# short keys: core properties hold at most 255 characters
SHORT_KEYS = {"kind": "k", "reference": "r", "version": "v", "languages": "l", "template_sha256": "t",
              "as_of": "a", "generated_at": "g"}
LONG_KEYS = {short: long for long, short in SHORT_KEYS.items()}


@dataclass(frozen=True)
class Provenance:
    kind: str  # "form", "agenda", "minutes"
    reference: str  # form code, or meeting key
    version: str  # form version label, or minutes revision
    languages: tuple[str, str]
    template_sha256: str
    as_of: str  # ISO date the version was resolved for
    generated_at: str = ""

    @classmethod
    def now(cls, **fields) -> "Provenance":
        return cls(generated_at=datetime.now(UTC).replace(microsecond=0).isoformat(), **fields)

    def footer_line(self) -> str:
        return (f"{self.reference} · {self.version} · {'/'.join(self.languages)} · "
                f"{self.template_sha256[:12]} · {self.as_of} · {self.generated_at}")

    def encoded(self) -> str:
        compact = {SHORT_KEYS[name]: value for name, value in asdict(self).items()}
        return PROVENANCE_MARK + json.dumps(compact, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decoded(cls, text: str | None) -> "Provenance | None":
        if not text or PROVENANCE_MARK not in text:
            return None
        try:
            compact = json.loads(text[text.index(PROVENANCE_MARK) + len(PROVENANCE_MARK):])
            data = {LONG_KEYS[key]: value for key, value in compact.items()}
            data["languages"] = tuple(data["languages"])
            return cls(**data)
        except (ValueError, TypeError, KeyError):
            return None


def stamp_docx(document, provenance: Provenance, title: str) -> None:
    """Core properties and a small footer line on every section of a python-docx Document."""
    properties = document.core_properties
    properties.title = title[:250]
    properties.author = properties.last_modified_by = AUTHOR  # not the template's "python-docx"
    properties.subject = provenance.footer_line()
    properties.comments = provenance.encoded()
    properties.keywords = f"{provenance.reference} {provenance.version}"
    properties.created = datetime.fromisoformat(provenance.generated_at) if provenance.generated_at else None
    for section in document.sections:
        paragraph = section.footer.add_paragraph(provenance.footer_line())
        for run in paragraph.runs:
            run.font.size = _points(6.5)


def _points(value: float):
    from docx.shared import Pt

    return Pt(value)


def read_provenance(data: bytes) -> Provenance | None:
    """The provenance embedded in a generated DOCX or PDF, or None."""
    if data[:5] == b"%PDF-":
        from pypdf import PdfReader

        metadata = PdfReader(io.BytesIO(data)).metadata or {}
        return Provenance.decoded(str(metadata.get(PDF_KEY) or ""))
    if data[:2] == b"PK":
        from docx import Document

        return Provenance.decoded(Document(io.BytesIO(data)).core_properties.comments)
    return None


def stamp_pdf(pdf: bytes, provenance: Provenance, title: str = "") -> bytes:
    """PDF information entries: LibreOffice keeps the title but not the DOCX comments."""
    entries = {"/Subject": provenance.footer_line(), "/Keywords": f"{provenance.reference} {provenance.version}",
               PDF_KEY: provenance.encoded(), "/Producer": "Registre des accords (LibreOffice)"}
    if title:
        entries["/Title"] = title
    return _appended_information(pdf, entries) or _rewritten_information(pdf, entries)


def _appended_information(pdf: bytes, entries: dict[str, str]) -> bytes | None:
    """The information dictionary, updated by an incremental update appended to the file (PDF
    1.7, 7.5.6): the original bytes stay as they are, and nothing but the trailer and the old
    information is parsed. A tagged PDF holds thousands of structure objects, which rewriting
    the whole file with pypdf took 35 ms to parse and write again. Only for a file whose last
    cross-reference section is a table (LibreOffice's); None otherwise."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject, NumberObject, create_string_object

    tail = pdf.rstrip()[-1024:]
    if not tail.endswith(b"%%EOF") or b"startxref" not in tail:
        return None
    previous = int(tail[tail.rindex(b"startxref") + 9:].split()[0])
    if pdf[previous:previous + 4] != b"xref":
        return None
    reader = PdfReader(io.BytesIO(pdf))
    trailer, size = reader.trailer, int(reader.trailer["/Size"])
    information = DictionaryObject()
    if "/Info" in trailer:
        old = trailer["/Info"].get_object()
        information.update({NameObject(key): old.raw_get(key) for key in old})
    information.update({NameObject(key): create_string_object(value) for key, value in entries.items()})
    out = io.BytesIO()
    out.write(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    at = out.tell()
    out.write(f"{size} 0 obj\n".encode())
    information.write_to_stream(out)
    out.write(b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n{size} 1\n{at:010d} 00000 n\r\n".encode())
    new_trailer = DictionaryObject({NameObject("/Size"): NumberObject(size + 1), NameObject("/Root"): trailer.raw_get("/Root"),
                                    NameObject("/Info"): IndirectObject(size, 0, None), NameObject("/Prev"): NumberObject(previous)})
    if "/ID" in trailer:
        new_trailer[NameObject("/ID")] = trailer.raw_get("/ID")
    out.write(b"trailer\n")
    new_trailer.write_to_stream(out)
    out.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _rewritten_information(pdf: bytes, entries: dict[str, str]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_metadata(entries)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_from_docx(converter, docx: bytes) -> bytes:
    """Convert, then carry the DOCX's provenance and title into the PDF's information."""
    from docx import Document

    pdf = converter.convert(docx)
    properties = Document(io.BytesIO(docx)).core_properties
    provenance = Provenance.decoded(properties.comments)
    return stamp_pdf(pdf, provenance, properties.title or "") if provenance else pdf
