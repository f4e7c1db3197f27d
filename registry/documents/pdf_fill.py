"""Filling a partner's fillable PDF so that every script prints right.

pypdf writes field appearances with the form's own font (Helvetica, WinAnsi): Serbian
Cyrillic, Đ/Ć/Č and Arabic come out as "?" once flattened (LIBRARIES.md §5). Instead, the
values are laid out by LibreOffice (font fallback, Arabic shaping, right to left) on a
transparent page of the same size, one text frame per field at the field's rectangle; that page
is stamped onto the form's page with pypdf, and the widgets and the AcroForm are removed.
The result is flat, prints the same everywhere, and its text extracts back intact."""

import io
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter

CHECKED = "X"


@dataclass(frozen=True)
class FieldBox:
    name: str
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    is_checkbox: bool


def _full_name(annotation) -> str:
    parts, node = [], annotation
    while node is not None:
        if node.get("/T") is not None:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


def field_boxes(reader: PdfReader) -> list[FieldBox]:
    boxes = []
    for number, page in enumerate(reader.pages, start=1):
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            if annotation.get("/Subtype") != "/Widget":
                continue
            x0, y0, x1, y1 = (float(c) for c in annotation["/Rect"])
            kind = annotation.get("/FT") or (annotation.get("/Parent").get_object().get("/FT")
                                             if annotation.get("/Parent") is not None else None)
            boxes.append(FieldBox(_full_name(annotation), number, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1),
                                  kind == "/Btn"))
    return boxes


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _frame(box: FieldBox, text: str, page_height: float) -> str:
    style = "Pcheck" if box.is_checkbox else ("Prtl" if is_rtl(text) else "Pltr")
    return (f'<draw:frame text:anchor-type="page" text:anchor-page-number="{box.page}" draw:style-name="fr" '
            f'svg:x="{box.x0:.2f}pt" svg:y="{page_height - box.y1:.2f}pt" svg:width="{box.x1 - box.x0:.2f}pt" '
            f'svg:height="{box.y1 - box.y0:.2f}pt"><draw:text-box><text:p text:style-name="{style}">{escape(text)}'
            f'</text:p></draw:text-box></draw:frame>')


def overlay_document(boxes: list[FieldBox], values: dict[str, str], width: float, height: float, pages: int,
                     font_size: float = 9.5) -> bytes:
    """A flat ODT (XML) with the values at their boxes, `pages` pages of `width` x `height` points."""
    frames = []
    for box in boxes:
        value = values.get(box.name)
        text = (CHECKED if value else "") if box.is_checkbox else str(value or "")
        if text:
            frames.append(_frame(box, text, height))
    breaks = '<text:p text:style-name="Pbreak"/>' * (pages - 1)
    return OVERLAY.format(width=width, height=height, size=font_size, frames="".join(frames), breaks=breaks).encode()


def fill_pdf_form(template: bytes, values: dict[str, str], converter) -> bytes:
    reader = PdfReader(io.BytesIO(template))
    first = reader.pages[0].mediabox
    overlay = PdfReader(io.BytesIO(converter.convert(overlay_document(
        field_boxes(reader), values, float(first.width), float(first.height), len(reader.pages)))))
    writer = PdfWriter(clone_from=reader)
    for page, stamp in zip(writer.pages, overlay.pages, strict=False):
        page.merge_page(stamp)
    writer.remove_annotations(subtypes="/Widget")
    writer._root_object.pop("/AcroForm", None)  # else viewers complain about fields without widgets
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


OVERLAY = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3"
 office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
 <style:page-layout style:name="pl"><style:page-layout-properties fo:page-width="{width}pt" fo:page-height="{height}pt"
  fo:margin-top="0pt" fo:margin-bottom="0pt" fo:margin-left="0pt" fo:margin-right="0pt"/></style:page-layout>
 <style:style style:name="fr" style:family="graphic"><style:graphic-properties fo:border="none" style:wrap="none"
  fo:padding="1pt" draw:fill="none" style:vertical-pos="from-top" style:horizontal-pos="from-left"
  style:vertical-rel="page" style:horizontal-rel="page"/></style:style>
 <style:style style:name="Pltr" style:family="paragraph"><style:paragraph-properties fo:margin="0pt" style:writing-mode="lr-tb"/>
  <style:text-properties fo:font-size="{size}pt" style:font-size-complex="{size}pt" style:font-size-asian="{size}pt"/></style:style>
 <style:style style:name="Prtl" style:family="paragraph"><style:paragraph-properties fo:margin="0pt" fo:text-align="end"
  style:writing-mode="rl-tb"/><style:text-properties fo:font-size="{size}pt" style:font-size-complex="{size}pt"/></style:style>
 <style:style style:name="Pcheck" style:family="paragraph"><style:paragraph-properties fo:margin="0pt" fo:text-align="center"/>
  <style:text-properties fo:font-size="{size}pt" fo:font-weight="bold"/></style:style>
 <style:style style:name="Pbreak" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pl"/></office:master-styles>
<office:body><office:text><text:p>{frames}</text:p>{breaks}</office:text></office:body>
</office:document>
"""
