"""The rendering core: sandboxed docxtpl, provenance, worker limits, warm LibreOffice."""

import io
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from registry.documents.converter import ConversionFailed, UnoserverConverter, find_unoserver
from registry.documents.provenance import Provenance, pdf_from_docx, read_provenance, stamp_pdf
from registry.documents.render import render_docx
from registry.documents.workers import RenderFailed, RenderPool, RenderTimeout
from tests.conftest import missing_dependency
from tests.documents import docx_bytes, pdf_bytes

PROVENANCE = Provenance.now(kind="form", reference="SE 121-01", version="2023-12", languages=("fr", "sr-Latn"),
                            template_sha256="ab" * 32, as_of="2024-01-15")


def text_of(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    footer = " ".join(p.text for s in document.sections for p in s.footer.paragraphs)
    return "\n".join(p.text for p in document.paragraphs) + "\n" + footer


def test_values_keep_their_ampersands_and_dates_follow_each_language():
    template = docx_bytes("{{ name }}", "{{ born|date_fr }} / {{ born|date_partner }}")
    out = render_docx(template, {"name": "Đorđe Petrović & Fils <SARL>", "born": "1980-12-01"}, "sr-Latn")
    text = text_of(out)
    assert "Đorđe Petrović & Fils <SARL>" in text
    assert "1er décembre 1980 / 1. decembar 1980." in text


def test_provenance_is_in_properties_and_footer():
    out = render_docx(docx_bytes("{{ name }}"), {"name": "x"}, "sr-Latn", PROVENANCE, title="Attestation")
    assert read_provenance(out) == PROVENANCE
    assert PROVENANCE.footer_line() in text_of(out)


def test_provenance_line_joins_a_footer_the_template_already_has():
    # docxtpl swaps rendered header/footer parts in behind python-docx's back: the line must
    # land in the part that is saved, after the template's own (rendered) footer text
    out = render_docx(docx_bytes("{{ name }}", footer="Illustratif {{ name }}"), {"name": "x"}, "sr-Latn", PROVENANCE)
    footer = [p.text for s in Document(io.BytesIO(out)).sections for p in s.footer.paragraphs]
    assert footer == ["Illustratif x", PROVENANCE.footer_line()]


def runs_of(docx: bytes) -> list[tuple[str, bool, str | None, bool]]:
    """(text, rtl run, bidi language, rtl paragraph) of every non-empty run of the body."""
    from docx.oxml.ns import qn

    from registry.documents.ooxml import is_on

    document = Document(io.BytesIO(docx))
    out = []
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if run.text:
                rpr, lang = run._r.rPr, run._r.find(f"{qn('w:rPr')}/{qn('w:lang')}")
                out.append((run.text, is_on(rpr, "w:rtl"), None if lang is None else lang.get(qn("w:bidi")),
                            is_on(paragraph._p.pPr, "w:bidi")))
    return out


def test_provenance_is_appended_to_a_pdf_without_rewriting_it():
    original = pdf_bytes("Attestation")
    stamped = stamp_pdf(original, PROVENANCE, "Potvrda — Đorđe Petrović")
    assert stamped.startswith(original)  # an incremental update: the bytes LibreOffice wrote stay
    reader = PdfReader(io.BytesIO(stamped))
    assert read_provenance(stamped) == PROVENANCE and reader.metadata.title == "Potvrda — Đorđe Petrović"
    assert "Attestation" in reader.pages[0].extract_text()
    # a file that does not end as expected is rewritten instead, with the same entries
    unusual = original + b"% written after the end\n"
    rewritten = stamp_pdf(unusual, PROVENANCE)
    assert not rewritten.startswith(original) and read_provenance(rewritten) == PROVENANCE


def test_values_written_in_arabic_become_right_to_left_runs():
    template = docx_bytes("{{ name }}", "Nom : {{ name }}", "{{ latin }}")
    values = {"name": "محمد العمراني، 1955", "latin": "Mohamed El Amrani"}
    assert runs_of(render_docx(template, values, "ar-MA")) == [
        ("محمد العمراني، 1955", True, "ar-MA", True),
        ("Nom : محمد العمراني، 1955", False, None, False),  # a French label keeps its direction
        ("Mohamed El Amrani", False, None, False)]
    # a partner writing left to right: the Arabic value is still right to left, in Arabic
    assert runs_of(render_docx(template, values, "sr-Latn"))[0] == ("محمد العمراني، 1955", True, "ar", True)


@pytest.mark.parametrize("tag", ["{{ ''.__class__.__mro__ }}", "{{ cycler.__init__.__globals__ }}", "{{ 'x' * 100000000 }}"])
def test_hostile_templates_are_refused_at_render(tag):
    from jinja2 import TemplateError
    from jinja2.sandbox import SecurityError

    with pytest.raises((SecurityError, TemplateError)):
        render_docx(docx_bytes(tag), {}, "fr")


def test_undefined_names_fail_instead_of_printing_nothing():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render_docx(docx_bytes("{{ missing }}"), {}, "fr")


@pytest.fixture
def pool():
    pool = RenderPool(workers=1, timeout=10, memory_mb=512)
    yield pool
    pool.close()


def test_a_task_past_its_time_is_stopped_and_the_pool_recovers(pool):
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        pool.run(time.sleep, 30, timeout=1)
    assert time.monotonic() - started < 10
    assert pool.run(sum, [1, 2, 3]) == 6


def test_a_task_past_its_memory_is_refused_and_the_pool_recovers(pool):
    with pytest.raises(RenderFailed):
        pool.run(bytearray, 2 * 2**30)
    assert pool.run(len, "abc") == 3


def test_render_in_a_worker(pool):
    out = pool.run(render_docx, docx_bytes("{{ name }}"), {"name": "Émilie"}, "pt-BR")
    assert "Émilie" in text_of(out)


@pytest.fixture(scope="module")
def converter(tmp_path_factory):
    converter = UnoserverConverter(find_unoserver(search_from=Path(__file__).parent), tmp_path_factory.mktemp("lo"),
                                   timeout=60)
    if not converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    yield converter
    converter.close()


def test_pdf_keeps_every_script_and_the_provenance(converter):
    docx = render_docx(docx_bytes("{{ latin }}", "{{ cyrillic }}", "{{ arabic }}"),
                       {"latin": "Đorđe Petrović & Fils", "cyrillic": "Ђорђе Петровић", "arabic": "محمد بن علي"},
                       "sr-Latn", PROVENANCE, title="Attestation")
    pdf = pdf_from_docx(converter, docx)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for value in ("Đorđe Petrović & Fils", "Ђорђе Петровић", "محمد بن علي"):
        assert value in text
    assert read_provenance(pdf) == PROVENANCE
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "Attestation"


def test_a_dead_libreoffice_is_restarted(converter):
    converter.convert(docx_bytes("warm"))
    process = converter._servers[0]._process
    process.kill()
    process.wait()
    assert converter.convert(docx_bytes("again")).startswith(b"%PDF-")
    assert converter.restarts >= 1


def test_two_slots_warm_up_two_servers_that_convert_at_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    converter = UnoserverConverter(find_unoserver(search_from=Path(__file__).parent), tmp_path, timeout=60, slots=2)
    if not converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    try:
        converter.warm_up().join(timeout=120)
        assert all(server.running() for server in converter._servers)
        assert len({server.profile_dir for server in converter._servers}) == 2  # LibreOffice locks its profile
        with ThreadPoolExecutor(2) as pool:
            pdfs = list(pool.map(converter.convert, [docx_bytes("un"), docx_bytes("deux")]))
        assert all(pdf.startswith(b"%PDF-") for pdf in pdfs) and converter.restarts == 0
    finally:
        converter.close()
    assert not any(server.running() for server in converter._servers)


def test_garbage_is_not_returned_as_pdf(converter):
    with pytest.raises(ConversionFailed):
        converter.convert(b"PK\x03\x04 this is no document")


def test_fillable_pdf_keeps_cyrillic_serbian_latin_and_arabic(converter):
    from registry.documents.pdf_fill import fill_pdf_form

    template = (Path(__file__).resolve().parents[1] / "forms" / "catalog" / "SE-416-01" / "template.pdf").read_bytes()
    values = {"worker.last_name": "Petrović & Fils", "worker.first_name": "Đorđe Ђорђе",
              "employer.name": "شركة محمد بن علي", "employer.address.city": "São Paulo", "posting.extension": True}
    pdf = fill_pdf_form(template, values, converter)
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    for value in ("Petrović & Fils", "Đorđe Ђорђе", "São Paulo"):
        assert value in text
    assert "شركة" in text and "محمد" in text and "علي" in text  # pypdf drops the spaces between Arabic words
    # the text is on the page, its widgets gone; the checkbox stays a field, set to its value
    assert {name: str(field.get("/V")) for name, field in reader.get_fields().items()} == {"posting.extension": "/Yes"}
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        missing_dependency("pdftotext (Debian poppler-utils) to read the Arabic line as a viewer lays it out")
    laid_out = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "شركة محمد بن علي" in laid_out
