"""Filling a partner's fillable PDF so that every script prints right and every tick tells the truth.

Text: pypdf writes field appearances with the form's own font (Helvetica, WinAnsi): Serbian
Cyrillic, Đ/Ć/Č and Arabic come out as "?" once flattened (LIBRARIES.md §5). Instead, the
values are laid out by LibreOffice (font fallback, Arabic shaping, right to left) on a
transparent page of the same size, one text frame per field inside the field's rectangle; that
page is stamped onto the form's page with pypdf, and the text and list widgets are removed.

Buttons (checkboxes, radio buttons) stay widgets: each takes the state the value gives it, as
the PDF defines states (ISO 32000 12.7.4.2): the field's /V and each widget's /AS name the
export value chosen, or /Off, and the widget's own appearance for that state is what prints.
Nothing is drawn over them, so a false value can never print as ticked. They are made read-only
(the text beside them is flat: a filled statement is not meant to be changed by a click).

The result prints the same everywhere, and its text and tick states read back intact."""

import io
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NumberObject,
                           StreamObject)

OFF = "/Off"
READ_ONLY = 1  # field flag bit 1 (ISO 32000 table 221)
RADIO = 1 << 15  # button field flag bit 16
PUSH_BUTTON = 1 << 16  # bit 17: no state to set
TEXT_FONT = "Noto Sans"  # installed by .ci/run (fonts-noto-core); LibreOffice falls back per script
COMPLEX_FONT = "Noto Sans Arabic"


@dataclass(frozen=True)
class Selection:
    """A choice: `option` is the export value a radio button or list entry is chosen by, `text`
    what a text box prints for it (its labels in the form's languages)."""

    option: str
    text: str


PdfValue = str | bool | Selection | None


@dataclass(frozen=True)
class FieldBox:
    name: str
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    kind: str  # "text", "checkbox", "radio", "choice" (list or combo box), "push"
    on_state: str | None = None  # a button widget's export value ("/Yes", "/married"), from its appearances
    border: str | None = None  # the widget's border colour (/MK /BC) as #rrggbb; None: no border

    @property
    def is_button(self) -> bool:
        return self.kind in ("checkbox", "radio")


def _full_name(annotation) -> str:
    parts, node = [], annotation
    while node is not None:
        if node.get("/T") is not None:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


def _inherited(annotation, key: str):
    """A field attribute, from the widget or the nearest parent field that has it (inheritable)."""
    node = annotation
    while node is not None:
        if node.get(key) is not None:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _field_node(annotation):
    """The field a widget belongs to: the widget itself when it carries /T, else its parent."""
    if annotation.get("/T") is None and annotation.get("/Parent") is not None:
        return annotation["/Parent"].get_object()
    return annotation


def _kind(annotation) -> str:
    field_type, flags = _inherited(annotation, "/FT"), int(_inherited(annotation, "/Ff") or 0)
    if field_type == "/Btn":
        return "push" if flags & PUSH_BUTTON else ("radio" if flags & RADIO else "checkbox")
    return "choice" if field_type == "/Ch" else "text"


def _on_state(annotation) -> str | None:
    """The state other than /Off among the widget's normal appearances (a single stream has none)."""
    appearances = annotation.get("/AP")
    normal = appearances.get_object().get("/N") if appearances is not None else None
    normal = normal.get_object() if normal is not None else None
    if not isinstance(normal, DictionaryObject) or isinstance(normal, StreamObject):
        return None
    states = [str(key) for key in normal.keys() if str(key) != OFF]
    return states[0] if states else None


def _border(annotation) -> str | None:
    """/MK /BC: 1 (grey), 3 (RGB) or 4 (CMYK) components in 0..1, as a CSS colour."""
    characteristics = annotation.get("/MK")
    colour = characteristics.get_object().get("/BC") if characteristics is not None else None
    parts = [float(c) for c in colour] if colour is not None else []
    if len(parts) == 1:
        parts = parts * 3
    elif len(parts) == 4:
        c, m, y, k = parts
        parts = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    if len(parts) != 3:
        return None
    return "#" + "".join(f"{round(max(0.0, min(1.0, p)) * 255):02x}" for p in parts)


def _widgets(reader_or_writer):
    for number, page in enumerate(reader_or_writer.pages, start=1):
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            if annotation.get("/Subtype") == "/Widget":
                yield number, annotation


def field_boxes(reader: PdfReader) -> list[FieldBox]:
    boxes = []
    for number, annotation in _widgets(reader):
        x0, y0, x1, y1 = (float(c) for c in annotation["/Rect"])
        kind = _kind(annotation)
        boxes.append(FieldBox(_full_name(annotation), number, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), kind,
                              _on_state(annotation) if kind in ("checkbox", "radio") else None, _border(annotation)))
    return boxes


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def printed_text(box: FieldBox, value: PdfValue) -> str:
    """What a text or list box shows for a value (buttons print nothing: their state shows)."""
    if box.is_button or box.kind == "push" or value is None or value is False:
        return ""
    if value is True:
        return "X"  # a checkbox value sent to a text box: the box is the tick
    return value.text if isinstance(value, Selection) else str(value)


def _frame(box: FieldBox, text: str, page_height: float, frame_style: str) -> str:
    style = "Prtl" if is_rtl(text) else "Pltr"
    return (f'<draw:frame text:anchor-type="page" text:anchor-page-number="{box.page}" draw:style-name="{frame_style}" '
            f'svg:x="{box.x0:.2f}pt" svg:y="{page_height - box.y1:.2f}pt" svg:width="{box.x1 - box.x0:.2f}pt" '
            f'svg:height="{box.y1 - box.y0:.2f}pt"><draw:text-box><text:p text:style-name="{style}">{escape(text)}'
            f'</text:p></draw:text-box></draw:frame>')


def overlay_document(boxes: list[FieldBox], values: dict[str, PdfValue], width: float, height: float, pages: int,
                     font_size: float = 9.5) -> bytes:
    """A flat ODT (XML) with the values inside their boxes, `pages` pages of `width` x `height` points.
    Every box keeps the border its widget had (a viewer draws it from /MK; the flattened page must
    draw it itself), filled in or not, a button's too (under its widget, the same in either state)."""
    frames, colours = [], sorted({box.border for box in boxes if box.border})
    styles = {colour: f"fr{n}" for n, colour in enumerate(colours)}
    for box in boxes:
        text = printed_text(box, values.get(box.name))
        if text or box.border:
            frames.append(_frame(box, text, height, styles.get(box.border, "frnone")))
    breaks = '<text:p text:style-name="Pbreak"/>' * (pages - 1)
    frame_styles = "".join(FRAME_STYLE.format(name=name, border=f"0.6pt solid {colour}",
                                                          stroke=f'draw:stroke="solid" svg:stroke-color="{colour}" svg:stroke-width="0.6pt"') for colour, name in styles.items())
    return OVERLAY.format(width=width, height=height, size=font_size, frames="".join(frames), breaks=breaks,
                          font=TEXT_FONT, complex_font=COMPLEX_FONT,
                          frame_styles=frame_styles + FRAME_STYLE.format(name="frnone", border="none", stroke='draw:stroke="none"')).encode()


def chosen_state(name: str, kind: str, on_state: str | None, value: PdfValue) -> str:
    """The appearance state a button widget takes for a value: its export value when chosen, else /Off."""
    if kind == "checkbox":
        if value not in (None, True, False):
            raise ValueError(f"{name}: a checkbox takes true or false, not {value!r}")
        return (on_state or "/Yes") if value else OFF
    option = value.option if isinstance(value, Selection) else value
    if isinstance(option, str) and option and on_state and on_state.lstrip("/") == option.lstrip("/"):
        return on_state
    return OFF


def _cross_appearance(writer: PdfWriter, annotation, state: str) -> None:
    """A widget without its own appearances gets a drawn cross for `state` and an empty /Off (vector
    lines, no font): the state, not a glyph, decides what shows."""
    x0, y0, x1, y1 = (float(c) for c in annotation["/Rect"])
    w, h = abs(x1 - x0), abs(y1 - y0)
    streams = {}
    for name, data in ((state, b"0 g 1.2 w %.2f %.2f m %.2f %.2f l %.2f %.2f m %.2f %.2f l S"
                        % (2, 2, w - 2, h - 2, 2, h - 2, w - 2, 2)), (OFF, b"")):
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                       NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(w), FloatObject(h)])})
        streams[NameObject(name)] = writer._add_object(stream)
    annotation[NameObject("/AP")] = DictionaryObject({NameObject("/N"): DictionaryObject(streams)})


def set_button_states(writer: PdfWriter, values: dict[str, PdfValue]) -> None:
    """/AS on every button widget, /V on its field, read-only; other widgets are left alone."""
    chosen: dict[int, str] = {}
    for _, annotation in _widgets(writer):
        kind = _kind(annotation)
        if kind not in ("checkbox", "radio"):
            continue
        name, on_state = _full_name(annotation), _on_state(annotation)
        state = chosen_state(name, kind, on_state, values.get(name))
        if on_state is None and kind == "checkbox":
            _cross_appearance(writer, annotation, "/Yes")
        annotation[NameObject("/AS")] = NameObject(state)
        field = _field_node(annotation)
        if state != OFF or id(field) not in chosen:
            chosen[id(field)] = state
            field[NameObject("/V")] = NameObject(state)
        field[NameObject("/Ff")] = NumberObject(int(field.get("/Ff") or 0) | READ_ONLY)


def _keep_button_fields(writer: PdfWriter) -> None:
    """Text and list widgets are gone (their values are on the page): the form keeps its buttons."""
    kept = ArrayObject()
    seen = set()
    for _, annotation in _widgets(writer):
        top = annotation
        while top.get("/Parent") is not None:
            top = top["/Parent"].get_object()
        reference = top.indirect_reference
        if reference is not None and (reference.idnum, reference.generation) not in seen:
            seen.add((reference.idnum, reference.generation))
            kept.append(reference)
    acroform = writer._root_object.get("/AcroForm")
    if not kept or acroform is None:
        writer._root_object.pop("/AcroForm", None)  # else viewers complain about fields without widgets
        return
    acroform = acroform.get_object()
    acroform[NameObject("/Fields")] = kept
    acroform.pop("/NeedAppearances", None)  # the buttons' own appearances are the truth: nothing to regenerate
    acroform.pop("/XFA", None)


def _remove_non_button_widgets(writer: PdfWriter) -> None:
    for page in writer.pages:
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject(ref for ref in annotations.get_object()
                           if ref.get_object().get("/Subtype") != "/Widget" or _kind(ref.get_object()) in ("checkbox", "radio"))
        if kept:
            page[NameObject("/Annots")] = kept
        else:
            del page["/Annots"]


def fill_pdf_form(template: bytes, values: dict[str, PdfValue], converter) -> bytes:
    reader = PdfReader(io.BytesIO(template))
    first = reader.pages[0].mediabox
    overlay = PdfReader(io.BytesIO(converter.convert(overlay_document(
        field_boxes(reader), values, float(first.width), float(first.height), len(reader.pages)))))
    writer = PdfWriter(clone_from=reader)
    for page, stamp in zip(writer.pages, overlay.pages, strict=False):
        page.merge_page(stamp)
    set_button_states(writer, values)
    _remove_non_button_widgets(writer)
    _keep_button_fields(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# The frames are the fields' rectangles (LibreOffice reads them as text shapes: their outline is the
# draw:stroke, fo:border is for other readers): text starts 2 pt in from the left edge (right edge for
# Arabic) and sits in the middle of the box's height, so it never touches a border.
FRAME_STYLE = """<style:style style:name="{name}" style:family="graphic"><style:graphic-properties fo:border="{border}"
  {stroke} style:wrap="none" fo:padding-left="2pt" fo:padding-right="2pt" fo:padding-top="0pt" fo:padding-bottom="0pt"
  draw:fill="none" draw:textarea-vertical-align="middle" style:vertical-pos="from-top" style:horizontal-pos="from-left"
  style:vertical-rel="page" style:horizontal-rel="page"/></style:style>"""
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
 {frame_styles}
 <style:style style:name="Pltr" style:family="paragraph"><style:paragraph-properties fo:margin="0pt" style:writing-mode="lr-tb"/>
  <style:text-properties fo:font-family="'{font}'" style:font-family-complex="'{complex_font}'"
   fo:font-size="{size}pt" style:font-size-complex="{size}pt" style:font-size-asian="{size}pt"/></style:style>
 <style:style style:name="Prtl" style:family="paragraph"><style:paragraph-properties fo:margin="0pt" fo:text-align="end"
  style:writing-mode="rl-tb"/><style:text-properties fo:font-family="'{font}'" style:font-family-complex="'{complex_font}'"
   fo:font-size="{size}pt" style:font-size-complex="{size}pt"/></style:style>
 <style:style style:name="Pbreak" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pl"/></office:master-styles>
<office:body><office:text><text:p>{frames}</text:p>{breaks}</office:text></office:body>
</office:document>
"""
