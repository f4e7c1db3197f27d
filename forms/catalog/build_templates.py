"""Build the catalog's templates from their manifests. Run by hand after editing a form.toml:

    .venv/bin/python forms/catalog/build_templates.py            # every form
    .venv/bin/python forms/catalog/build_templates.py SE-416-04  # one form

then `registry forms check`, and commit the manifest and the generated files together (the
templates are data: the registry stores their bytes and sha256, so regenerating a published
version's template on purpose means a new version).

DOCX: one bilingual two-column table (French | partner language) per form, a row of labels per
field and the value under it written with docxtpl tags; dates, numbers and country names go
through filters that name their language (`|date_fr`, `|date_partner`); repeated rows get
their own table with `{%tr for %}` rows. Arabic columns carry the bidi/RTL properties.
PDF: forms/catalog/pdf_builder.py."""

import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parents[1]))  # run as a script from a checkout

from forms.catalog.pdf_builder import build_pdf  # noqa: E402
from forms.catalog.phrases import PHRASES, phrases  # noqa: E402
from forms.catalog_loader import FormManifest, VersionManifest, catalog_folders, read_manifest  # noqa: E402
from forms.fields import FieldSpec, FieldType  # noqa: E402
from registry.documents.ooxml import (BIDI_SUCCESSORS, FRENCH, SZCS_SUCCESSORS, keep_rows_together,  # noqa: E402
                                      repeat_as_header, reproducible_docx)

WORD_LANG = {"fr": FRENCH, "sr-Latn": "sr-Latn-RS"}  # else the tag itself (pt-BR, ar-MA)
SHADE = "D9E2F3"



# --- DOCX ------------------------------------------------------------------------------

def complex_size(rpr, points: float) -> None:
    """w:szCs (half-points), in its place in w:rPr's schema order."""
    size = OxmlElement("w:szCs")
    size.set(qn("w:val"), str(round(points * 2)))
    rpr.insert_element_before(size, *SZCS_SUCCESSORS)


# The A4 layout's fonts, installed by .ci/run (fonts-noto-core), the same as the meeting documents'
FONT, COMPLEX_FONT = "Noto Sans", "Noto Sans Arabic"


class Sheet:
    """A bilingual document under construction: tables of two columns, French then partner.
    `layout` (forms/catalog_loader.py LAYOUTS): "first" rebuilds the first templates as they were;
    "a4" sets A4 and keeps each field's rows on one page, a section's heading with its first field
    and the signature block with the section before it."""

    def __init__(self, partner: str, layout: str = "a4") -> None:
        self.partner = partner
        self.a4 = layout == "a4"
        self.rtl = partner.split("-")[0] in ("ar", "he", "fa")
        self.doc = Document()
        section = self.doc.sections[0]
        if self.a4:
            section.page_width, section.page_height = Mm(210), Mm(297)  # python-docx starts from US Letter
        section.left_margin = section.right_margin = Cm(1.6)
        section.top_margin = section.bottom_margin = Cm(1.4)
        style = self.doc.styles["Normal"]
        font, complex_font = (FONT, COMPLEX_FONT) if self.a4 else ("Arial", "Arial")
        style.font.name, style.font.size = font, Pt(9.5)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:cs"), complex_font)
        complex_size(style.element.get_or_add_rPr(), 9.5)
        style.paragraph_format.space_after = Pt(1)
        self.table = None

    def keep(self, rows, with_next: bool = True) -> None:
        """On A4: `rows` are not split, and stay with the row after them (the first layout had no rule)."""
        if self.a4 and rows:
            keep_rows_together(rows, with_next)

    def rows_since(self, count: int) -> list:
        return list(self.table.rows)[count:]

    def last_paragraph(self) -> None:
        """A document cannot end on a table: the paragraph after the last one is made 1 pt high so it
        never spills alone onto a page of its own (the first layout's blank second pages)."""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = Pt(1)
        mark = OxmlElement("w:rPr")  # an empty paragraph is as high as its mark's font
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), "2")
        mark.append(size)
        paragraph._p.get_or_add_pPr().insert_element_before(mark, "w:sectPr", "w:pPrChange")

    def new_table(self, columns: int = 2):
        self.table = self.doc.add_table(rows=0, cols=columns)
        self.table.style = "Table Grid"
        return self.table

    def text(self, paragraph, text: str, lang: str, bold: bool = False, size: float | None = None, color=None):
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if color:
            run.font.color.rgb = color
        rpr = run._r.get_or_add_rPr()
        lang_el = OxmlElement("w:lang")
        if lang == self.partner and self.rtl:
            # Arabic is a complex script: Word reads its bold and size from bCs and szCs
            run.font.cs_bold = bold
            if size:
                complex_size(rpr, size)
            rpr.append(OxmlElement("w:rtl"))
            lang_el.set(qn("w:bidi"), WORD_LANG.get(lang, lang))
        else:
            lang_el.set(qn("w:val"), WORD_LANG.get(lang, lang))
        rpr.append(lang_el)  # rtl and lang come last in w:rPr's schema order, after b, sz, color
        return run

    def partner_paragraph(self, paragraph) -> None:
        """A paragraph written wholly in the partner's language: right to left for Arabic."""
        ppr = paragraph._p.get_or_add_pPr()
        if self.rtl and ppr.find(qn("w:bidi")) is None:
            ppr.insert_element_before(OxmlElement("w:bidi"), *BIDI_SUCCESSORS)

    def pair(self, fr: str, partner: str, bold: bool = False, shade: bool = False, size: float | None = None):
        row = self.table.add_row()
        for cell, text, lang in ((row.cells[0], fr, "fr"), (row.cells[1], partner, self.partner)):
            self.text(cell.paragraphs[0], text, lang, bold=bold, size=size)
            if lang == self.partner:
                self.partner_paragraph(cell.paragraphs[0])
            if shade:
                shd = OxmlElement("w:shd")
                shd.set(qn("w:val"), "clear")
                shd.set(qn("w:fill"), SHADE)
                cell._tc.get_or_add_tcPr().append(shd)
        return row

    def merged(self, lines: list[str], lang: str = "fr"):
        row = self.table.add_row()
        cell = row.cells[0].merge(row.cells[1])
        for n, line in enumerate(lines):
            paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
            self.text(paragraph, line, lang)
        return row


def value_rows(sheet: Sheet, spec: FieldSpec) -> None:
    """A field's rows: its labels, then its value; on A4 they stay on one page."""
    start = len(sheet.table.rows)
    _value_rows(sheet, spec)
    rows = sheet.rows_since(start)
    sheet.keep(rows[:-1])
    sheet.keep(rows[-1:], with_next=False)


def _value_rows(sheet: Sheet, spec: FieldSpec) -> None:
    name, kind = spec.name, spec.type
    if kind == FieldType.checkbox:
        sheet.pair(f"{{{{ {name}|box }}}} {spec.label_fr}", f"{{{{ {name}|box }}}} {spec.label_partner}")
        return
    sheet.pair(spec.label_fr + (" *" if spec.required else ""), spec.label_partner + (" *" if spec.required else ""),
               bold=True)
    if kind in (FieldType.date, FieldType.number, FieldType.country):
        suffix = {"date": "date", "number": "number", "country": "country"}[kind.value]
        sheet.pair(f"{{{{ {name}|{suffix}_fr }}}}", f"{{{{ {name}|{suffix}_partner }}}}")
    elif kind == FieldType.choice:
        row = sheet.table.add_row()
        for cell, attr, lang in ((row.cells[0], "label_fr", "fr"), (row.cells[1], "label_partner", sheet.partner)):
            for n, choice in enumerate(spec.choices):
                paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
                sheet.text(paragraph, f"{{{{ ({name} == '{choice.value}')|box }}}} {getattr(choice, attr)}", lang)
                if lang == sheet.partner:
                    sheet.partner_paragraph(paragraph)
    elif kind == FieldType.address:
        sheet.merged([f"{{{{ {name}.street }}}}", f"{{{{ {name}.postal_code }}}} {{{{ {name}.city }}}}"])
        sheet.pair(f"{{{{ {name}.country|country_fr }}}}", f"{{{{ {name}.country|country_partner }}}}")
    elif kind == FieldType.nir:
        sheet.merged([f"{{{{ {name}|nir }}}}"])
    else:
        sheet.merged([f"{{{{ {name} }}}}"])


CELL = {FieldType.date: '{{{{ row.{c}|date_fr("short") }}}}', FieldType.number: "{{{{ row.{c}|number_fr }}}}",
        FieldType.checkbox: "{{{{ row.{c}|box }}}}", FieldType.country: "{{{{ row.{c}|country_fr }}}}"}


def rows_table(sheet: Sheet, spec: FieldSpec) -> None:
    paragraph = sheet.doc.add_paragraph()
    sheet.text(paragraph, f"{spec.label_fr} / ", "fr", bold=True)
    sheet.text(paragraph, spec.label_partner, sheet.partner, bold=True)
    if sheet.a4:
        paragraph.paragraph_format.keep_with_next = True  # the table's title stays with its heading row
    table = sheet.new_table(len(spec.columns))
    header = table.add_row()
    for cell, column in zip(header.cells, spec.columns, strict=True):
        sheet.text(cell.paragraphs[0], column.label_fr, "fr", bold=True)
        partner_line = cell.add_paragraph()
        sheet.text(partner_line, column.label_partner, sheet.partner, bold=True)
        sheet.partner_paragraph(partner_line)
    # docxtpl removes the rows holding {%tr %} tags: loop, content, end (LIBRARIES.md §3)
    table.add_row().cells[0].paragraphs[0].add_run(f"{{%tr for row in {spec.name} %}}")
    content = table.add_row()
    for cell, column in zip(content.cells, spec.columns, strict=True):
        cell.paragraphs[0].add_run(CELL.get(column.type, "{{{{ row.{c} }}}}").format(c=column.name))
    table.add_row().cells[0].paragraphs[0].add_run("{%tr endfor %}")
    if sheet.a4:
        repeat_as_header(header)
        sheet.keep([header])  # with the first row of values
        sheet.keep([content], with_next=False)
    sheet.doc.add_paragraph()
    sheet.new_table()


def field_rows(sheet: Sheet, manifest: FormManifest, version: VersionManifest) -> int:
    """Sections and their fields; returns where the last section starts in the last table."""
    sections = {s["key"]: s for s in manifest.sections}
    current, last_section = None, len(sheet.table.rows)
    for raw, spec in zip(version.raw_fields, version.fields, strict=True):
        key = raw.get("section")
        if key and key != current:
            current = key
            last_section = len(sheet.table.rows)
            heading = sheet.pair(sections[key]["title_fr"], sections[key]["title_partner"], bold=True, shade=True)
            sheet.keep([heading])  # a section's title stays with its first field
        if spec.type == FieldType.rows:
            rows_table(sheet, spec)
            last_section = 0  # a new table: the block kept with the signature starts there
        else:
            value_rows(sheet, spec)
    return last_section


def build_docx(manifest: FormManifest, version: VersionManifest) -> bytes:
    form, doc_text = manifest.form, manifest.document
    partner = form["partner_language"]
    sheet = Sheet(partner, version.layout)
    fr, other = PHRASES["fr"], phrases(partner)
    header = sheet.doc.sections[0].header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sheet.text(header, f"{fr['form']} / ", "fr")
    sheet.text(header, other["form"], partner)
    sheet.text(header, f"  {manifest.code}", "fr", bold=True)
    footer = sheet.doc.sections[0].footer
    sheet.text(footer.paragraphs[0], fr["disclaimer"], "fr", size=7, color=RGBColor(0x59, 0x59, 0x59))
    partner_footer = footer.add_paragraph()
    sheet.text(partner_footer, other["disclaimer"], partner, size=7, color=RGBColor(0x59, 0x59, 0x59))
    sheet.partner_paragraph(partner_footer)

    sheet.new_table()
    sheet.pair(doc_text["heading_fr"], doc_text["heading_partner"], size=8)
    sheet.pair(form["title_fr"], form["title_partner"], bold=True, size=13)
    sheet.pair(doc_text["basis_fr"], doc_text["basis_partner"], size=8)
    last_section = field_rows(sheet, manifest, version)
    sheet.pair(fr["stamp"], other["stamp"], bold=True, shade=True)
    stamp = sheet.merged([""])
    stamp.height = Cm(2.5)
    # the signature block goes with the last section (who signs, where, when): never alone on a page
    # ... and with the (1 pt) paragraph a document must end with, which alone would make a blank page
    sheet.keep(sheet.rows_since(last_section))
    if sheet.a4:
        sheet.last_paragraph()
    sheet.doc.core_properties.title = f"{manifest.code} – {form['title_fr']}"
    sheet.doc.core_properties.language = f"fr, {partner}"
    out = io.BytesIO()
    sheet.doc.save(out)
    return reproducible_docx(out.getvalue())


# --- main --------------------------------------------------------------------------------

def build(folder: Path) -> list[Path]:
    manifest = read_manifest(folder)
    written = []
    for version in manifest.versions:
        builder = build_pdf if version.template.suffix == ".pdf" else build_docx
        version.template.write_bytes(builder(manifest, version))
        written.append(version.template)
    return written


def main(names: list[str]) -> None:
    folders = [ROOT / n for n in names] if names else catalog_folders(ROOT)
    for folder in folders:
        for path in build(folder):
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
