"""WordprocessingML details shared by the template builders and the renderer: where an element
goes in its parent (the schema fixes the order of w:pPr and w:rPr children, and Word refuses a
document that breaks it), the right-to-left pass over rendered values, and reproducible template
files."""

import io
import unicodedata
import zipfile

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# w:pPr children that come after w:bidi (ECMA-376 CT_PPrBase)
BIDI_SUCCESSORS = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                   "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                   "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
# w:rPr children that come after w:szCs, and after w:rtl (CT_RPr)
SZCS_SUCCESSORS = ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
                   "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
LANG_SUCCESSORS = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
RTL_SUCCESSORS = ("w:cs", "w:em", "w:lang", *LANG_SUCCESSORS)
RTL_CLASSES = ("R", "AL")  # Unicode bidi classes of Hebrew and Arabic letters
FRENCH = "fr-FR"  # the language every generated document is written in first


def is_on(parent, tag: str) -> bool:
    element = parent.find(qn(tag)) if parent is not None else None
    return element is not None and element.get(qn("w:val")) not in ("0", "false", "off")


def right_to_left_text(text: str) -> bool:
    """Right-to-left letters and no left-to-right ones (digits and punctuation are neutral): a run
    mixing a French label and an Arabic value keeps the direction its template gave it."""
    classes = {unicodedata.bidirectional(character) for character in text}
    return bool(classes & set(RTL_CLASSES)) and "L" not in classes


def mark_right_to_left(body, language_tag: str) -> None:
    """Runs whose text is Arabic or Hebrew but which the template set left to right (a
    value typed in Arabic in a French cell, a name in a free-text cell) become right-to-left
    runs in `language_tag`, with complex-script bold and size; a paragraph holding only such runs
    becomes a right-to-left paragraph."""
    for paragraph in body.iter(qn("w:p")):
        runs = [(run, "".join(t.text or "" for t in run.iter(qn("w:t")))) for run in paragraph.iter(qn("w:r"))]
        written = [(run, text) for run, text in runs if any(unicodedata.bidirectional(c) in RTL_CLASSES + ("L",)
                                                            for c in text)]
        flipped = [run for run, text in written if right_to_left_text(text)]
        for run in flipped:
            _right_to_left_run(run, language_tag)
        if flipped and len(flipped) == len(written):
            properties = paragraph.get_or_add_pPr()
            if not is_on(properties, "w:bidi"):
                _replace(properties, OxmlElement("w:bidi"), BIDI_SUCCESSORS)


def _right_to_left_run(run, language_tag: str) -> None:
    properties = run.get_or_add_rPr()
    if is_on(properties, "w:rtl"):
        return
    _replace(properties, OxmlElement("w:rtl"), RTL_SUCCESSORS)
    if is_on(properties, "w:b") and properties.find(qn("w:bCs")) is None:
        properties.find(qn("w:b")).addnext(OxmlElement("w:bCs"))
    size = properties.find(qn("w:sz"))
    if size is not None and properties.find(qn("w:szCs")) is None:
        complex_size = OxmlElement("w:szCs")
        complex_size.set(qn("w:val"), size.get(qn("w:val")))
        size.addnext(complex_size)
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        _replace(properties, language, LANG_SUCCESSORS)
    language.set(qn("w:bidi"), language_tag)


def _replace(parent, element, successors: tuple[str, ...]) -> None:
    """`element` in its schema place in `parent`, instead of any element of the same tag."""
    existing = parent.find(element.tag)
    if existing is not None:
        parent.remove(existing)
    parent.insert_element_before(element, *successors)


def default_language(document, tag: str) -> None:
    """The language of text that names none (w:docDefaults): what a PDF export gives as the
    document's /Lang. python-docx's blank document says en-US; ours are French first."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.append(language)
    language.set(qn("w:val"), tag)


def reproducible_docx(data: bytes) -> bytes:
    """Same content, same bytes: fixed member dates, so rebuilding a template does not change the
    sha256 that documents generated from it carry in their provenance."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for member in src.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=(2023, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(member))
    return out.getvalue()


# --- pagination: what a page break may not separate ------------------------------------------

# w:tblPr children that come after w:tblCellMar (CT_TblPr)
CELL_MARGIN_SUCCESSORS = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def keep_rows_together(rows, with_next: bool = True) -> None:
    """Rows that no page break splits (w:cantSplit) and, with `with_next`, that stay on the page of
    the row after them (w:keepNext on their paragraphs: Word and LibreOffice move the rows together)."""
    for row in rows:
        properties = row._tr.get_or_add_trPr()
        if properties.find(qn("w:cantSplit")) is None:
            properties.append(OxmlElement("w:cantSplit"))  # CT_TrPr's children are a choice: any order
        if with_next:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def repeat_as_header(row) -> None:
    """A table's heading row, printed again at the top of each page the table runs onto."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def cell_margins(table, top: int, bottom: int, left: int, right: int) -> None:
    """The table's default cell padding, in twentieths of a point (w:tblCellMar)."""
    properties = table._tbl.tblPr
    existing = properties.find(qn("w:tblCellMar"))
    if existing is not None:
        properties.remove(existing)
    margins = OxmlElement("w:tblCellMar")
    for side, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.insert_element_before(margins, *CELL_MARGIN_SUCCESSORS)
