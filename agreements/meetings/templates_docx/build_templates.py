"""Build the four agenda and minutes templates with python-docx:

    .venv/bin/python agreements/meetings/templates_docx/build_templates.py

The templates are data (ARCHITECTURE.md): this script is how they are made and changed, and
the .docx files it writes are committed. They take the context of
agreements/meetings/documents.py (every text already formatted in its language; `L` holds the
French labels, `P` the partner's, `H` both joined for column headings) and only use what the
document sandbox allows: values, loops at most two deep, `{%p %}` and `{%tr %}` tags.

Language tags: the Normal style is French (fr-FR); a run wholly in the partner's language takes
its tag from the context (`partner_tag`), and its direction too (`partner_rtl`, "1" or "0", on
the run and its paragraph), so a spell checker, a screen reader and LibreOffice's shaping know
what they read. Runs mixing both languages ("Participants / Participants") keep French."""

import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from registry.documents.ooxml import BIDI_SUCCESSORS, FRENCH, cell_margins, reproducible_docx

HERE = Path(__file__).parent


def language(rpr, tag: str, bidi_tag: str | None = None) -> None:
    element = OxmlElement("w:lang")
    element.set(qn("w:val"), tag)
    if bidi_tag:
        element.set(qn("w:bidi"), bidi_tag)
    rpr.append(element)  # w:lang comes after b, sz and rtl in w:rPr's schema order


def in_partner_language(paragraph) -> None:
    """Every run of `paragraph`, and the paragraph's direction, in the partner's language."""
    bidi = OxmlElement("w:bidi")
    bidi.set(qn("w:val"), "{{ partner_rtl }}")
    paragraph._p.get_or_add_pPr().insert_element_before(bidi, *BIDI_SUCCESSORS)
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        rtl = OxmlElement("w:rtl")
        rtl.set(qn("w:val"), "{{ partner_rtl }}")
        rpr.append(rtl)
        language(rpr, "{{ partner_tag }}", "{{ partner_tag }}")


def new_document() -> Document:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4: python-docx starts from US Letter
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(1.8)
    style = document.styles["Normal"]
    style.font.name = "Noto Sans"  # the forms' font (forms/catalog/build_templates.py FONT)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:cs"), "Noto Sans Arabic")
    style.font.size = Pt(10)
    language(style.element.get_or_add_rPr(), FRENCH)
    footer = section.footer.paragraphs[0]
    footer.text = "{{ reference }} · {{ version_line }}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def para(document, text: str, bold: bool = False, size: int | None = None, center: bool = False, style=None,
         partner: bool = False):
    paragraph = document.add_paragraph(style=style)
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if partner:
        in_partner_language(paragraph)
    return paragraph


def cell_text(cell, text: str, bold: bool = False, partner: bool = False) -> None:
    cell.paragraphs[0].add_run(text).bold = bold
    if partner:
        in_partner_language(cell.paragraphs[0])


def padded(table) -> None:
    """Text clear of the cell borders: 2 pt above and below, 4.25 pt (0.15 cm) on the sides."""
    cell_margins(table, top=40, bottom=40, left=85, right=85)


def loop_table(document, headers: list[str] | None, loop: str, cells: list[str], widths: list[float] | None = None,
               partner: tuple[str, ...] = ()):
    """A table whose body repeats one row: [header], `{%tr for %}`, content, `{%tr endfor %}`.
    Header texts and content lines named in `partner` are in the partner's language."""
    offset = 1 if headers else 0
    table = document.add_table(rows=3 + offset, cols=len(cells))
    table.style = "Table Grid"
    padded(table)
    for cell, header in zip(table.rows[0].cells if headers else [], headers or []):
        cell_text(cell, header, bold=True, partner=header in partner)
    table.rows[offset].cells[0].text = "{%tr " + loop + " %}"
    for cell, text in zip(table.rows[offset + 1].cells, cells):
        for n, line in enumerate(text.split("\n")):
            paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
            paragraph.add_run(line)
            if line in partner:
                in_partner_language(paragraph)
    table.rows[offset + 2].cells[0].text = "{%tr endfor %}"
    if widths:  # LibreOffice reads the grid, Word the cells: set both
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = Cm(width)
    return table


def header_block(document, heading_key: str, side_by_side: bool) -> None:
    if side_by_side:
        table = document.add_table(rows=4, cols=2)
        table.style = "Table Grid"
        padded(table)
        rows = [("{{ L." + heading_key + " }}", "{{ P." + heading_key + " }}"),
                ("{{ title_fr }}", "{{ title_partner }}"),
                ("{{ L.dates }} : {{ dates_fr }}", "{{ P.dates }}: {{ dates_partner }}"),
                ("{{ L.place }} : {{ place_fr }}", "{{ P.place }}: {{ place_partner }}")]
        for row, (left, right) in zip(table.rows, rows):
            cell_text(row.cells[0], left, bold=row is table.rows[0])
            cell_text(row.cells[1], right, bold=row is table.rows[0], partner=True)
    else:
        para(document, "{{ L." + heading_key + " }}{{ heading_separator }}{{ P_" + heading_key + " }}", bold=True,
             size=16, center=True)
        para(document, "{{ title_fr }}", bold=True, center=True)
        para(document, "{%p if bilingual %}")
        para(document, "{{ title_partner }}", center=True, partner=True)
        para(document, "{%p endif %}")
        para(document, "{{ L.dates }} : {{ dates_fr }} – {{ L.place }} : {{ place_fr }}", center=True)
        para(document, "{%p if bilingual %}")
        para(document, "{{ P.dates }}: {{ dates_partner }} – {{ P.place }}: {{ place_partner }}", center=True,
             partner=True)
        para(document, "{%p endif %}")
    para(document, "{{ status_line }}", center=True)
    para(document, "{%p if illustrative %}")
    para(document, "{{ illustrative }}", center=True)
    para(document, "{%p endif %}")


def participants(document) -> None:
    para(document, "{{ H.participants }}", bold=True, size=12)
    loop_table(document, None, "for p in participants", ["{{ p.side }}", "{{ p.name }}{{ p.head }}", "{{ p.organisation }}\n{{ p.role }}"],
               [4.5, 5, 7.5])


def actions(document) -> None:
    para(document, "{{ H.action_items }}", bold=True, size=12)
    loop_table(document, ["n°", "{{ H.what }}", "{{ H.who }}", "{{ H.due }}", "{{ H.status }}"], "for a in actions",
               ["{{ a.number }}", "{{ a.text_fr }}\n{{ a.text_partner }}", "{{ a.owner }}", "{{ a.due }}",
                "{{ a.status }}"], [1, 8, 3.5, 2.5, 2], partner=("{{ a.text_partner }}",))


def agenda_side_by_side() -> Document:
    document = new_document()
    header_block(document, "agenda", side_by_side=True)
    para(document, "")
    loop_table(document, ["{{ L.agenda }}", "{{ P.agenda }}"], "for item in items",
               ["{{ item.number }}. {{ item.title_fr }}\n{{ item.description }}", "{{ item.number }}. {{ item.title_partner }}"],
               [8.5, 8.5], partner=("{{ P.agenda }}", "{{ item.number }}. {{ item.title_partner }}"))
    return document


def agenda_sequential() -> Document:
    document = new_document()
    header_block(document, "agenda", side_by_side=False)
    para(document, "{{ L.agenda }}", bold=True, size=12)
    para(document, "{%p for item in items %}")
    para(document, "{{ item.number }}. {{ item.title_fr }}", style="List Paragraph")
    para(document, "{%p endfor %}")
    para(document, "{%p if bilingual %}")
    para(document, "{{ P.agenda }}", bold=True, size=12, partner=True)
    para(document, "{%p for item in items %}")
    para(document, "{{ item.number }}. {{ item.title_partner }}", style="List Paragraph", partner=True)
    para(document, "{%p endfor %}")
    para(document, "{%p endif %}")
    return document


def minutes_side_by_side() -> Document:
    document = new_document()
    header_block(document, "minutes", side_by_side=True)
    participants(document)
    para(document, "{%p for item in items %}")
    para(document, "{{ L.item }} {{ item.number }} – {{ item.title_fr }}", bold=True, size=12)
    para(document, "{{ P.item }} {{ item.number }} – {{ item.title_partner }}", bold=True, partner=True)
    table = loop_table(document, ["{{ L.discussion }}", "{{ P.discussion }}"], "for row in item.rows",
                       ["{{ row.fr }}", "{{ row.partner }}"], [8.5, 8.5],
                       partner=("{{ P.discussion }}", "{{ row.partner }}"))
    table.rows[0].cells[0].paragraphs[0].runs[0].bold = True
    para(document, "{%p endfor %}")
    actions(document)
    return document


def minutes_sequential() -> Document:
    document = new_document()
    header_block(document, "minutes", side_by_side=False)
    participants(document)
    for suffix, labels, condition in (("fr", "L", None), ("partner", "P", "bilingual")):
        if condition:
            para(document, "{%p if " + condition + " %}")
            para(document, "{{ P.minutes }}", bold=True, size=14, center=True, partner=True)
        para(document, "{%p for item in items %}")
        partner = suffix == "partner"
        para(document, "{{ " + labels + ".item }} {{ item.number }} – {{ item.title_" + suffix + " }}", bold=True, size=12,
             partner=partner)
        para(document, "{{ item.discussion_" + suffix + " }}", partner=partner)
        para(document, "{%p for d in item.decisions %}")
        colon = " :" if suffix == "fr" else ":"  # French typography puts a space before the colon
        para(document, "{{ " + labels + ".decision }} {{ d.number }}" + colon + " {{ d.text_" + suffix + " }}", bold=True,
             partner=partner)
        para(document, "{%p endfor %}")
        para(document, "{%p endfor %}")
        if condition:
            para(document, "{%p endif %}")
    actions(document)
    return document


BUILDERS = {
    "agenda_side_by_side.docx": agenda_side_by_side,
    "agenda_sequential.docx": agenda_sequential,
    "minutes_side_by_side.docx": minutes_side_by_side,
    "minutes_sequential.docx": minutes_sequential,
}


def main() -> None:
    for name, build in BUILDERS.items():
        buffer = io.BytesIO()
        build().save(buffer)
        (HERE / name).write_bytes(reproducible_docx(buffer.getvalue()))
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
