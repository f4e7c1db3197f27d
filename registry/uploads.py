"""Safe inspection of uploaded files before anything else opens them.

Domain-free: forms use it for templates, agreements for official texts. Each check raises
`UploadRejected(field, message)` with a message a person can act on; nothing is stored by
this module. DOCX members are decompressed here, chunk by chunk, against a budget (a zip
bomb stops at the limit, not at the end of memory); PDFs are parsed by pypdf under tighter
limits than its defaults (LIBRARIES.md §5)."""

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field

import pypdf
from pypdf.errors import LimitReachedError, PdfReadError, PdfStreamError

from registry.labels import mark
from registry.xml_guard import GuardedXml, XmlRefused

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MEDIA_TYPE = "application/pdf"

# A Word document of a few pages is well under 1 MB of XML once inflated; the budget leaves
# room for images while stopping zip bombs (tens of kilobytes that inflate to gigabytes).
DOCX_MAX_UNCOMPRESSED = 100 * 2**20
DOCX_MAX_MEMBERS = 2000
# deflated XML rarely exceeds 1:30; bombs reach 1:1000 and more. Small members are exempt
# (a 2 KB file of spaces legitimately compresses very well).
DOCX_MAX_RATIO = 200
DOCX_RATIO_EXEMPT_BELOW = 256 * 2**10
_CHUNK = 64 * 2**10

PDF_MAX_PAGES = 200
PDF_MAX_TEXT_CHARS = 2_000_000
# tighter than pypdf's defaults (75 MB per stream): an uploaded form or official text has no
# business inflating a single stream past 20 MB
PDF_LIMITS = dict(
    maximum_declared_stream_length=20_000_000,
    zlib_maximum_output_length=20_000_000,
    lzw_maximum_output_length=20_000_000,
    run_length_maximum_output_length=20_000_000,
    brotli_maximum_output_length=20_000_000,
    jbig2_maximum_output_length=20_000_000,
    array_based_stream_maximum_output_length=20_000_000,
    image_maximum_buffer_size=20_000_000,
    stream_decoding_work_maximum_length=60_000_000,
    array_maximum_element_count=50_000,
    dictionary_maximum_element_count=50_000,
    form_fields_maximum_entries=5_000,
    form_fields_maximum_depth=20,
    page_tree_maximum_entries=5_000,
    page_tree_maximum_depth=20,
    outline_maximum_entries=5_000,
    xform_maximum_invocations_per_extraction=1_000,
)


class UploadRejected(Exception):
    """An uploaded file that will not be stored; `field` names the form field it came from.
    `message` is a catalog msgid (English) and `params` its values: the page or API handler
    translates it into the reader's language; str() is the English sentence (logs, tests)."""

    def __init__(self, field: str, message: str, **params) -> None:
        super().__init__(message % params if params else message)
        self.field, self.message, self.params = field, message, params

    def __reduce__(self):  # raised in a render worker, re-raised in the server: keep the params
        return (_rejected, (self.field, self.message, self.params))


def _rejected(field: str, message: str, params: dict) -> "UploadRejected":
    return UploadRejected(field, message, **params)


@dataclass(frozen=True)
class PdfInfo:
    page_count: int
    field_names: list[str] = field(default_factory=list)
    text: str = ""


EMPTY = mark("the %(kind)s file is empty")
TOO_LARGE = mark("the %(kind)s file is %(size)s MB; the limit is %(max)s MB")
NOT_A_ZIP = mark("not a DOCX file: a Word document is a ZIP archive and this is not one")
DAMAGED_ZIP = mark("not a readable DOCX file (truncated or damaged ZIP archive: %(reason)s)")
MISSING_PART = mark("not a Word document: the archive has no %(part)s")
NO_MAIN_DOCUMENT = mark("_rels/.rels names no main document part, or names one the archive does not hold")
MACROS = mark("documents with macros are refused; save it as a plain .docx")
TOO_MANY_MEMBERS = mark("the archive holds %(count)s files; a DOCX needs far fewer")
UNSAFE_PATH = mark("the archive holds a file with an unsafe path: %(name)s")
ENCRYPTED_ZIP = mark("encrypted archives are refused")
COMPRESSION = mark("%(part)s: unsupported compression (a DOCX uses deflate)")
TWICE = mark("the archive holds %(part)s twice")
BOMB_SIZE = mark("%(part)s: %(size)s MB once uncompressed; the archive exceeds the %(max)s MB limit (zip bomb?)")
BOMB_RATIO = mark("%(part)s: compression ratio 1:%(ratio)s exceeds 1:%(max)s (zip bomb?)")
BOMB_INFLATE = mark("%(part)s: inflates past the %(max)s MB limit (zip bomb?)")
DAMAGED_PART = mark("%(part)s: damaged or truncated (%(reason)s)")
UNREADABLE_DOCX = mark("%(part)s: the document cannot be read as a Word document (%(reason)s)")
XML_CONTENT = ("xml", "+xml")  # a content type ending so is XML (application/xml, …document.main+xml)


NOT_A_PDF = mark("not a PDF file (no PDF header)")
PDF_LIMIT = mark("the PDF exceeds a safety limit (%(reason)s)")
PDF_DAMAGED = mark("not a readable PDF (truncated or damaged: %(reason)s)")
PDF_UNREADABLE = mark("not a readable PDF (%(reason)s)")
PDF_ENCRYPTED = mark("encrypted or password-protected PDFs are refused")
PDF_NO_PAGES = mark("the PDF has no pages")
PDF_PAGES = mark("the PDF has %(count)s pages; the limit is %(max)s")
PDF_TEXT = mark("the PDF holds more than %(max)s characters of text")


def megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".")


def check_size(data: bytes, max_bytes: int, kind: str, field_name: str = "file") -> None:
    if not data:
        raise UploadRejected(field_name, EMPTY, kind=kind)
    if len(data) > max_bytes:
        raise UploadRejected(field_name, TOO_LARGE, kind=kind, size=megabytes(len(data)), max=megabytes(max_bytes))


def inspect_docx(data: bytes, max_bytes: int, *, field_name: str = "file",
                 max_uncompressed: int = DOCX_MAX_UNCOMPRESSED) -> None:
    """Refuse anything but a well-formed, reasonably sized Word document (.docx): every member
    inflated within the budget, every XML part parsed with defusedxml (registry/xml_guard.py),
    then the package opened by python-docx the way the rest of the registry opens it."""
    check_size(data, max_bytes, "DOCX", field_name)
    if not data.startswith(b"PK"):
        raise UploadRejected(field_name, NOT_A_ZIP)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UploadRejected(field_name, DAMAGED_ZIP, reason=str(exc)) from None
    with archive:
        names = _check_members(members, field_name)
        for required in ("[Content_Types].xml", "_rels/.rels", "word/document.xml"):
            if required not in names:
                raise UploadRejected(field_name, MISSING_PART, part=required)
        if "word/vbaProject.bin" in names:
            raise UploadRejected(field_name, MACROS)
        # the content types first: they say which other members are XML, whatever their names
        ordered = sorted(members, key=lambda m: m.filename != "[Content_Types].xml")
        budget, xml_parts = max_uncompressed, set()
        for member in ordered:
            is_xml = member.filename.endswith((".xml", ".rels")) or member.filename in xml_parts
            budget -= _inflate_within(archive, member, budget, max_uncompressed, field_name, is_xml)
            if member.filename == "[Content_Types].xml":
                xml_parts = _xml_parts(archive.read(member), names)
    _open_with_python_docx(data, field_name)


def _check_members(members: list[zipfile.ZipInfo], field_name: str) -> set[str]:
    if len(members) > DOCX_MAX_MEMBERS:
        raise UploadRejected(field_name, TOO_MANY_MEMBERS, count=len(members))
    names = set()
    for member in members:
        name = member.filename
        normalised = posixpath.normpath(name)
        if name.startswith(("/", "\\")) or ":" in name.split("/")[0] or normalised.startswith(".."):
            raise UploadRejected(field_name, UNSAFE_PATH, name=repr(name))
        if member.flag_bits & 0x1:
            raise UploadRejected(field_name, ENCRYPTED_ZIP)
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected(field_name, COMPRESSION, part=name)
        if name in names:
            raise UploadRejected(field_name, TWICE, part=repr(name))
        names.add(name)
    return names


def _xml_parts(content_types: bytes, names: set[str]) -> set[str]:
    """Members [Content_Types].xml declares as XML (already parsed safely by then)."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(content_types, forbid_dtd=True)
    xml_extensions = {d.get("Extension", "").lower() for d in root if d.tag.endswith("Default")
                      and d.get("ContentType", "").endswith(XML_CONTENT)}
    found = {name for name in names if name.rsplit(".", 1)[-1].lower() in xml_extensions}
    found |= {o.get("PartName", "").lstrip("/") for o in root if o.tag.endswith("Override")
              and o.get("ContentType", "").endswith(XML_CONTENT)}
    return found


def _inflate_within(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int, limit: int, field_name: str,
                    is_xml: bool) -> int:
    """Decompress one member for real (headers can lie), within the remaining budget; an XML
    member goes through the defused parser chunk by chunk."""
    name = member.filename
    if member.file_size > budget:
        raise UploadRejected(field_name, BOMB_SIZE, part=name, size=megabytes(member.file_size), max=megabytes(limit))
    if member.file_size > DOCX_RATIO_EXEMPT_BELOW and member.file_size > DOCX_MAX_RATIO * max(member.compress_size, 1):
        ratio = member.file_size // max(member.compress_size, 1)
        raise UploadRejected(field_name, BOMB_RATIO, part=name, ratio=ratio, max=DOCX_MAX_RATIO)
    inflated, guard = 0, GuardedXml(name) if is_xml else None
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                inflated += len(chunk)
                if inflated > budget:
                    raise UploadRejected(field_name, BOMB_INFLATE, part=name, max=megabytes(limit))
                if guard:
                    guard.feed(chunk)
        if guard:
            guard.close()
    except XmlRefused as exc:
        raise UploadRejected(field_name, exc.message, **exc.params) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise UploadRejected(field_name, DAMAGED_PART, part=name, reason=str(exc)) from None
    return inflated


def _open_with_python_docx(data: bytes, field_name: str) -> None:
    """What passed every check above opens in python-docx, or is refused here, not later in a
    route (a relationship to a missing part, a main part of the wrong content type…)."""
    from docx import Document
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    try:
        Document(io.BytesIO(data))
    except KeyError as exc:
        part = "_rels/.rels" if "officeDocument" in str(exc) else "word/_rels/document.xml.rels"
        raise UploadRejected(field_name, UNREADABLE_DOCX, part=part, reason=str(exc).strip("'\"")) from None
    except (OpcError, LxmlError, ValueError, TypeError, AttributeError, IndexError, zipfile.BadZipFile) as exc:
        raise UploadRejected(field_name, UNREADABLE_DOCX, part="word/document.xml",
                             reason=f"{type(exc).__name__}: {exc}"[:300]) from None


def inspect_pdf(data: bytes, max_bytes: int, *, field_name: str = "file", max_pages: int = PDF_MAX_PAGES,
                extract_text: bool = True) -> PdfInfo:
    """Page count, AcroForm field names and text of a PDF, or UploadRejected."""
    check_size(data, max_bytes, "PDF", field_name)
    if b"%PDF-" not in data[:1024]:  # the header may follow a few bytes of junk (PDF 1.7 §7.5.2)
        raise UploadRejected(field_name, NOT_A_PDF)
    with pypdf.apply_configuration(**PDF_LIMITS):
        try:
            return _read_pdf(data, field_name, max_pages, extract_text)
        except UploadRejected:
            raise
        except LimitReachedError as exc:
            raise UploadRejected(field_name, PDF_LIMIT, reason=str(exc)) from None
        except (PdfReadError, PdfStreamError) as exc:
            raise UploadRejected(field_name, PDF_DAMAGED, reason=str(exc)) from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError) as exc:
            # pypdf surfaces some malformed structures as plain Python errors
            raise UploadRejected(field_name, PDF_UNREADABLE, reason=f"{type(exc).__name__}: {exc}") from None


def _read_pdf(data: bytes, field_name: str, max_pages: int, extract_text: bool) -> PdfInfo:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise UploadRejected(field_name, PDF_ENCRYPTED)
    page_count = len(reader.pages)
    if page_count == 0:
        raise UploadRejected(field_name, PDF_NO_PAGES)
    if page_count > max_pages:
        raise UploadRejected(field_name, PDF_PAGES, count=page_count, max=max_pages)
    fields = reader.get_fields() or {}
    names = sorted(name for name, spec in fields.items() if spec.get("/FT") is not None)
    text = ""
    if extract_text:
        parts = []
        for page in reader.pages:
            parts.append(page.extract_text() or "")
            if sum(map(len, parts)) > PDF_MAX_TEXT_CHARS:
                raise UploadRejected(field_name, PDF_TEXT, max=PDF_MAX_TEXT_CHARS)
        text = "\n".join(parts)
    return PdfInfo(page_count=page_count, field_names=names, text=text)
