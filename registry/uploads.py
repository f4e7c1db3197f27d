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
    """An uploaded file that will not be stored; `field` names the form field it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PdfInfo:
    page_count: int
    field_names: list[str] = field(default_factory=list)
    text: str = ""


def check_size(data: bytes, max_bytes: int, what: str, field_name: str = "file") -> None:
    if not data:
        raise UploadRejected(field_name, f"the {what} file is empty")
    if len(data) > max_bytes:
        raise UploadRejected(field_name, f"the {what} file is {len(data):,} bytes; the limit is {max_bytes:,} bytes")


def inspect_docx(data: bytes, max_bytes: int, *, field_name: str = "file",
                 max_uncompressed: int = DOCX_MAX_UNCOMPRESSED) -> None:
    """Refuse anything but a well-formed, reasonably sized Word document (.docx)."""
    check_size(data, max_bytes, "DOCX", field_name)
    if not data.startswith(b"PK"):
        raise UploadRejected(field_name, "not a DOCX file: a Word document is a ZIP archive and this is not one")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UploadRejected(field_name, f"not a readable DOCX file (truncated or damaged ZIP archive: {exc})") from None
    with archive:
        names = _check_members(members, field_name)
        for required in ("[Content_Types].xml", "word/document.xml"):
            if required not in names:
                raise UploadRejected(field_name, f"not a Word document: the archive has no {required}")
        if "word/vbaProject.bin" in names:
            raise UploadRejected(field_name, "documents with macros are refused; save it as a plain .docx")
        budget = max_uncompressed
        for member in members:
            budget -= _inflate_within(archive, member, budget, max_uncompressed, field_name)


def _check_members(members: list[zipfile.ZipInfo], field_name: str) -> set[str]:
    if len(members) > DOCX_MAX_MEMBERS:
        raise UploadRejected(field_name, f"the archive holds {len(members)} files; a DOCX needs far fewer")
    names = set()
    for member in members:
        name = member.filename
        normalised = posixpath.normpath(name)
        if name.startswith(("/", "\\")) or ":" in name.split("/")[0] or normalised.startswith(".."):
            raise UploadRejected(field_name, f"the archive holds a file with an unsafe path: {name!r}")
        if member.flag_bits & 0x1:
            raise UploadRejected(field_name, "encrypted archives are refused")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected(field_name, f"{name}: unsupported compression (a DOCX uses deflate)")
        if name in names:
            raise UploadRejected(field_name, f"the archive holds {name!r} twice")
        names.add(name)
    return names


def _inflate_within(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int, limit: int, field_name: str) -> int:
    """Decompress one member for real (headers can lie), within the remaining budget."""
    name = member.filename
    if member.file_size > budget:
        raise UploadRejected(field_name, f"{name}: {member.file_size:,} bytes once uncompressed; "
                                         f"the archive exceeds the {limit:,}-byte limit (zip bomb?)")
    if member.file_size > DOCX_RATIO_EXEMPT_BELOW and member.file_size > DOCX_MAX_RATIO * max(member.compress_size, 1):
        ratio = member.file_size // max(member.compress_size, 1)
        raise UploadRejected(field_name, f"{name}: compression ratio 1:{ratio} exceeds 1:{DOCX_MAX_RATIO} (zip bomb?)")
    inflated = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                if inflated == 0 and name.endswith((".xml", ".rels")) and b"<!DOCTYPE" in chunk[:4096]:
                    raise UploadRejected(field_name, f"{name}: XML with a DOCTYPE is refused (entity expansion)")
                inflated += len(chunk)
                if inflated > budget:
                    raise UploadRejected(field_name, f"{name}: inflates past the {limit:,}-byte limit (zip bomb?)")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise UploadRejected(field_name, f"{name}: damaged or truncated ({exc})") from None
    return inflated


def inspect_pdf(data: bytes, max_bytes: int, *, field_name: str = "file", max_pages: int = PDF_MAX_PAGES,
                extract_text: bool = True) -> PdfInfo:
    """Page count, AcroForm field names and text of a PDF, or UploadRejected."""
    check_size(data, max_bytes, "PDF", field_name)
    if b"%PDF-" not in data[:1024]:  # the header may follow a few bytes of junk (PDF 1.7 §7.5.2)
        raise UploadRejected(field_name, "not a PDF file (no %PDF- header)")
    with pypdf.apply_configuration(**PDF_LIMITS):
        try:
            return _read_pdf(data, field_name, max_pages, extract_text)
        except UploadRejected:
            raise
        except LimitReachedError as exc:
            raise UploadRejected(field_name, f"the PDF exceeds a safety limit ({exc})") from None
        except (PdfReadError, PdfStreamError) as exc:
            raise UploadRejected(field_name, f"not a readable PDF (truncated or damaged: {exc})") from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError) as exc:
            # pypdf surfaces some malformed structures as plain Python errors
            raise UploadRejected(field_name, f"not a readable PDF ({type(exc).__name__}: {exc})") from None


def _read_pdf(data: bytes, field_name: str, max_pages: int, extract_text: bool) -> PdfInfo:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise UploadRejected(field_name, "encrypted or password-protected PDFs are refused")
    page_count = len(reader.pages)
    if page_count == 0:
        raise UploadRejected(field_name, "the PDF has no pages")
    if page_count > max_pages:
        raise UploadRejected(field_name, f"the PDF has {page_count} pages; the limit is {max_pages}")
    fields = reader.get_fields() or {}
    names = sorted(name for name, spec in fields.items() if spec.get("/FT") is not None)
    text = ""
    if extract_text:
        parts = []
        for page in reader.pages:
            parts.append(page.extract_text() or "")
            if sum(map(len, parts)) > PDF_MAX_TEXT_CHARS:
                raise UploadRejected(field_name, f"the PDF holds more than {PDF_MAX_TEXT_CHARS:,} characters of text")
        text = "\n".join(parts)
    return PdfInfo(page_count=page_count, field_names=names, text=text)
