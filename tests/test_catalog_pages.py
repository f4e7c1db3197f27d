"""Page set-up of the catalog's forms: the version of each form that applies now (or its pending
draft) prints on A4, blank and filled with its sample, and no page holds nothing but a signature
block or nothing at all; the versions published before keep their template byte for byte
(forms/catalog/build_templates.py rebuilds every template from its manifest)."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from forms.catalog.build_templates import build_docx
from forms.catalog.pdf_builder import build_pdf
from forms.catalog_loader import catalog_folders, read_manifest
from forms.rendering import pdf_values, render_docx
from registry.documents.pdf_fill import fill_pdf_form
from tests.conftest import missing_dependency

CATALOG = Path(__file__).resolve().parents[1] / "forms" / "catalog"
A4 = (595, 842)  # points, portrait
MAX_PAGES = 2
# what every page carries besides the form: the running header, the disclaimer footer
FURNITURE = ("Formulaire / ", "Modèle illustratif", "Ilustrativni model", "Modelo ilustrativo", "نموذج توضيحي")


def current_versions():
    for folder in catalog_folders(CATALOG):
        manifest = read_manifest(folder)
        yield pytest.param(manifest, max(manifest.versions, key=lambda v: v.number), id=folder.name)


def all_versions():
    for folder in catalog_folders(CATALOG):
        manifest = read_manifest(folder)
        for version in manifest.versions:
            yield pytest.param(manifest, version, id=f"{folder.name}-v{version.number}")


def printed(manifest, version, data: dict, converter) -> bytes:
    template, partner = version.template.read_bytes(), manifest.form["partner_language"]
    if version.template.suffix == ".pdf":
        return fill_pdf_form(template, pdf_values(version.fields, data, partner), converter)
    return converter.convert(render_docx(template, version.fields, data, partner))


def content_lines(page) -> list[str]:
    lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
    return [line for line in lines if line and not line.startswith(FURNITURE)]


@pytest.mark.parametrize(("manifest", "version"), list(current_versions()))
def test_the_current_version_prints_on_a4_without_a_lonely_signature(manifest, version, converter):
    if not converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    stamp = "Cachet et signature de l'institution"
    for kind, data in (("blank", {}), ("sample", version.sample_data())):
        reader = PdfReader(io.BytesIO(printed(manifest, version, data, converter)))
        sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
        assert sizes == {A4}, f"{kind}: pages of {sizes} points, not A4"
        assert 1 <= len(reader.pages) <= MAX_PAGES, f"{kind}: {len(reader.pages)} pages"
        for number, page in enumerate(reader.pages, start=1):
            lines = content_lines(page)
            assert lines, f"{kind}: page {number} holds only the running header and footer"
            assert not all(line.startswith(stamp) for line in lines), \
                f"{kind}: page {number} holds nothing but the signature block: {lines}"
            if number > 1 and any(line.startswith(stamp) for line in lines):
                assert len(lines) >= 3, f"{kind}: the signature block went to page {number} nearly alone: {lines}"


@pytest.mark.parametrize(("manifest", "version"), list(all_versions()))
def test_every_template_is_rebuilt_byte_for_byte_from_its_manifest(manifest, version):
    """A published template is history: a change to the builder that would alter it fails here;
    a new layout is a new version (form.toml `layout`)."""
    builder = build_pdf if version.template.suffix == ".pdf" else build_docx
    assert builder(manifest, version) == version.template.read_bytes(), \
        f"{version.template.name} no longer comes out of build_templates.py as committed"


def test_the_versions_first_published_on_letter_paper_stay_on_it():
    """The first layout is kept for the versions published with it: their output does not change."""
    first = [(f.name, v.number) for f in catalog_folders(CATALOG) for v in read_manifest(f).versions
             if v.layout == "first"]
    assert len(first) == 35 and ("SE-121-01", 1) in first and ("SE-416-04", 2) in first
    assert all(v.status != "draft" for f in catalog_folders(CATALOG) for v in read_manifest(f).versions
               if v.layout == "first")
