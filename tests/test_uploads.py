"""Safe inspection of uploaded DOCX and PDF files: real formats pass, everything else is refused
with a message that says what is wrong, before any library parses the content for real."""

import io
import random
import zipfile

import pytest

from registry.uploads import UploadRejected, inspect_docx, inspect_pdf
from tests.documents import docx_bytes, pdf_bomb, pdf_bytes

LIMIT = 5 * 2**20


def rezip(data: bytes, extra: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
          method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A copy of a DOCX archive with members added or removed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", method) as dst:
        for item in src.infolist():
            if item.filename not in drop:
                dst.writestr(item.filename, src.read(item))
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def refusal(check, data: bytes, **kwargs) -> str:
    with pytest.raises(UploadRejected) as refused:
        check(data, LIMIT, **kwargs)
    assert refused.value.field == "file"
    return str(refused.value)


def test_a_real_docx_passes():
    assert inspect_docx(docx_bytes("Certificat de détachement / Potvrda o upućivanju"), LIMIT) is None


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"%PDF-1.7 not a zip", "not a DOCX"),
    (docx_bytes("x")[:3000], "truncated or damaged"),
    (rezip(docx_bytes("x"), drop=("word/document.xml",)), "word/document.xml"),
    (rezip(docx_bytes("x"), drop=("[Content_Types].xml",)), "[Content_Types].xml"),
    (rezip(docx_bytes("x"), extra={"../../etc/cron.d/evil": b"x"}), "unsafe path"),
    (rezip(docx_bytes("x"), extra={"/abs/path.xml": b"x"}), "unsafe path"),
    (rezip(docx_bytes("x"), extra={"word/vbaProject.bin": b"macro"}), "macros"),
    (rezip(docx_bytes("x"), extra={"word/evil.xml": b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "a">]><a/>'}),
     "DOCTYPE"),
    (rezip(docx_bytes("x"), method=zipfile.ZIP_BZIP2), "unsupported compression"),
])
def test_bad_docx_files_are_refused(data, needle):
    assert needle in refusal(inspect_docx, data)


def test_a_docx_zip_bomb_is_refused_by_ratio():
    bomb = rezip(docx_bytes("x"), extra={"word/media/padding.bin": b"\0" * (50 * 2**20)})
    assert len(bomb) < 200_000  # 50 MB of zeros deflate to about 50 KB
    assert "compression ratio" in refusal(inspect_docx, bomb)


def test_a_docx_inflating_past_the_budget_is_refused():
    # several members, none suspicious alone, together past the uncompressed budget
    noise = random.Random(0)
    members = {f"word/media/image{n}.png": noise.randbytes(2**20) for n in range(5)}
    with pytest.raises(UploadRejected, match="limit"):
        inspect_docx(rezip(docx_bytes("x"), extra=members), 20 * 2**20, max_uncompressed=4 * 2**20)


def test_a_docx_whose_header_lies_about_its_size_is_refused():
    """The central directory says 10 bytes; the member inflates to 1 MB: zipfile stops at the
    declared size and the CRC check fails, so the file is refused as damaged."""
    data = bytearray(rezip(docx_bytes("x"), extra={"word/lie.xml": b"<a>" + b" " * 2**20 + b"</a>"}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/lie.xml")
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"word/lie.xml"))
    data[central + 24:central + 28] = (10).to_bytes(4, "little")  # uncompressed size in the central directory
    local = info.header_offset
    data[local + 22:local + 26] = (10).to_bytes(4, "little")
    assert "damaged" in refusal(inspect_docx, bytes(data))


def test_docx_size_limit():
    data = docx_bytes("x")
    with pytest.raises(UploadRejected, match="limit"):
        inspect_docx(data, max_bytes=1000)


def test_a_pdf_with_form_fields_gives_its_field_names(catalog_pdf):
    info = inspect_pdf(catalog_pdf, LIMIT)
    assert info.page_count == 1
    assert {"worker.last_name", "employer.address.city", "posting.extension"} <= set(info.field_names)
    assert "Certificado de deslocamento temporário" in info.text


def test_a_plain_pdf_has_text_and_no_fields():
    info = inspect_pdf(pdf_bytes("Accord de securite sociale"), LIMIT)
    assert info.field_names == [] and "Accord de securite sociale" in info.text


@pytest.mark.parametrize("data,needle", [
    (b"hello", "no PDF header"),
    (pdf_bytes("secret", password="pw"), "encrypted"),
    (pdf_bytes("x")[:200], "not a readable PDF"),
    (pdf_bomb(40), "safety limit"),
])
def test_bad_pdf_files_are_refused(data, needle):
    assert needle in refusal(inspect_pdf, data)


@pytest.fixture
def catalog_pdf() -> bytes:
    from forms.catalog_loader import catalog_root

    return (catalog_root() / "SE-416-01" / "template.pdf").read_bytes()
