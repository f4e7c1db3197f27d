"""The catalog's fillable PDFs (forms/catalog/build_templates.py builds them): one A4 page with an
AcroForm field per value, written with pypdf's generic objects and the standard Helvetica font
(WinAnsi: French and Portuguese only); checkboxes and radio groups carry their own appearances
for each state (/Yes or the option, and /Off)."""

import io

from pypdf import PdfWriter
from pypdf.generic import (ArrayObject, BooleanObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                           NumberObject, TextStringObject)

from forms.catalog.phrases import PHRASES, phrases
from forms.catalog_loader import FormManifest, VersionManifest
from forms.fields import ADDRESS_PARTS, FieldType

PAGE_W, PAGE_H, MARGIN = 595.0, 842.0, 48.0
RADIO_FLAGS = (1 << 15) | (1 << 14)  # radio, and no toggling to off (ISO 32000 table 227)
# a filled disc of radius 3 at the centre of an 11-point box (four Bézier quarters)
DOT = b"0 g 8.5 5.5 m 8.5 7.16 7.16 8.5 5.5 8.5 c 3.84 8.5 2.5 7.16 2.5 5.5 c 2.5 3.84 3.84 2.5 5.5 2.5 c 7.16 2.5 8.5 3.84 8.5 5.5 c f"


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252")  # WinAnsiEncoding; raises for characters Helvetica cannot show
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


class PdfSheet:
    """`layout` "first" rebuilds the first PDF, whose boxes touched the labels above them; "a4"
    leaves 3 points between a label's lowest letters and its box."""

    def __init__(self, layout: str = "a4") -> None:
        self.clear_labels = layout == "a4"
        self.writer = PdfWriter()
        self.page = self.writer.add_blank_page(PAGE_W, PAGE_H)
        self.lines: list[bytes] = []
        self.fields: list = []  # top-level fields (a radio group is one, its buttons are its kids)
        self.annotations: list = []  # the widgets on the page
        self.y = PAGE_H - MARGIN
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica"),
                                 NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
        bold = DictionaryObject({**font, NameObject("/BaseFont"): NameObject("/Helvetica-Bold")})
        self.font_ref, self.bold_ref = self.writer._add_object(font), self.writer._add_object(bold)

    def write(self, text: str, size: float = 9, bold: bool = False, x: float = MARGIN) -> None:
        self.lines.append(b"BT /%s %.1f Tf %.1f %.1f Td %s Tj ET" % (b"F2" if bold else b"F1", size, x, self.y,
                                                                       _pdf_text(text)))
        self.y -= size + 4

    def text_field(self, name: str, width: float = PAGE_W - 2 * MARGIN, x: float = MARGIN) -> None:
        rect = [x, self.y - 8, x + width, self.y + 8] if self.clear_labels else [x, self.y - 4, x + width, self.y + 12]
        self._widget(name, rect, {NameObject("/FT"): NameObject("/Tx"), NameObject("/V"): TextStringObject(""),
                                  NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g")})

    def _states(self, on_state: str, drawing: bytes, size: float = 11) -> DictionaryObject:
        """Normal appearances of a button: `drawing` for its on state, nothing for /Off."""
        on = DecodedStreamObject()
        on.set_data(drawing)
        on.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                   NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(size),
                                                     FloatObject(size)])})
        off = DecodedStreamObject()
        off.set_data(b"")
        off.update({k: v for k, v in on.items() if k != "/Length"})
        return DictionaryObject({NameObject("/N"): DictionaryObject({
            NameObject(on_state): self.writer._add_object(on), NameObject("/Off"): self.writer._add_object(off)})})

    def checkbox(self, name: str, x: float = MARGIN) -> None:
        rect = [x, self.y - 2, x + 11, self.y + 9]
        appearance = self._states("/Yes", b"0 g 1.2 w 2 2 m 9 9 l 2 9 m 9 2 l S")
        self._widget(name, rect, {NameObject("/FT"): NameObject("/Btn"), NameObject("/V"): NameObject("/Off"),
                                  NameObject("/AS"): NameObject("/Off"), NameObject("/AP"): appearance})

    def radio_group(self, name: str, options: list[tuple[str, str]], x: float = MARGIN) -> None:
        """One radio button per option (export value, label), a parent field holding the choice."""
        parent = DictionaryObject({NameObject("/FT"): NameObject("/Btn"), NameObject("/T"): TextStringObject(name),
                                   NameObject("/Ff"): NumberObject(RADIO_FLAGS), NameObject("/V"): NameObject("/Off")})
        parent_ref = self.writer._add_object(parent)
        kids = ArrayObject()
        for value, label in options:
            rect = [x, self.y - 2, x + 11, self.y + 9]
            kid = DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/F"): NumberObject(4), NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
                NameObject("/MK"): DictionaryObject({NameObject("/BC"): ArrayObject([FloatObject(0.6)] * 3)}),
                NameObject("/P"): self.page.indirect_reference, NameObject("/Parent"): parent_ref,
                NameObject("/AS"): NameObject("/Off"), NameObject("/AP"): self._states(f"/{value}", DOT)})
            kid_ref = self.writer._add_object(kid)
            kids.append(kid_ref)
            self.annotations.append(kid_ref)
            self.write(label, x=x + 16)
            self.y -= 4
        parent[NameObject("/Kids")] = kids
        self.fields.append(parent_ref)

    def _widget(self, name: str, rect: list[float], extra: dict) -> None:
        widget = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/T"): TextStringObject(name), NameObject("/F"): NumberObject(4),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
            NameObject("/MK"): DictionaryObject({NameObject("/BC"): ArrayObject([FloatObject(0.6)] * 3)}),
            NameObject("/P"): self.page.indirect_reference, **extra})
        reference = self.writer._add_object(widget)
        self.fields.append(reference)
        self.annotations.append(reference)
        self.y -= 22

    def finish(self, title: str) -> bytes:
        content = DecodedStreamObject()
        content.set_data(b"\n".join(self.lines))
        self.page[NameObject("/Contents")] = self.writer._add_object(content)
        fonts = DictionaryObject({NameObject("/F1"): self.font_ref, NameObject("/F2"): self.bold_ref,
                                  NameObject("/Helv"): self.font_ref})
        self.page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        self.page[NameObject("/Annots")] = ArrayObject(self.annotations)
        self.writer._root_object[NameObject("/AcroForm")] = DictionaryObject({
            NameObject("/Fields"): ArrayObject(self.fields), NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
            NameObject("/DR"): DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/Helv"): self.font_ref})}),
            NameObject("/NeedAppearances"): BooleanObject(True)})
        self.writer.add_metadata({"/Title": title, "/Producer": "liaison-registry build_templates.py"})
        out = io.BytesIO()
        self.writer.write(out)
        return out.getvalue()


def build_pdf(manifest: FormManifest, version: VersionManifest) -> bytes:
    form, doc_text = manifest.form, manifest.document
    fr, other = PHRASES["fr"], phrases(form["partner_language"])
    sheet = PdfSheet(version.layout)
    sheet.write(f"{fr['form']} / {other['form']} {manifest.code}", size=9, bold=True)
    sheet.write(f"{doc_text['heading_fr']} / {doc_text['heading_partner']}", size=8)
    sheet.y -= 6
    sheet.write(form["title_fr"], size=14, bold=True)
    sheet.write(form["title_partner"], size=14, bold=True)
    sheet.write(doc_text["basis_fr"], size=7.5)
    sheet.write(doc_text["basis_partner"], size=7.5)
    sheet.y -= 8
    for spec in version.fields:
        if spec.type == FieldType.checkbox:
            sheet.checkbox(spec.name)
            sheet.y += 22 - 2
            sheet.write(f"{spec.label_fr} / {spec.label_partner}", x=MARGIN + 16)
            sheet.y -= 6
            continue
        sheet.write(f"{spec.label_fr} / {spec.label_partner}" + (" *" if spec.required else ""), bold=True)
        if spec.type == FieldType.address:
            for part in ADDRESS_PARTS:
                sheet.write(f"{fr[part]} / {other[part]}", size=7)
                sheet.text_field(f"{spec.name}.{part}")
        else:
            sheet.text_field(spec.name)
    sheet.y -= 4
    sheet.write(fr["disclaimer"], size=6.5)
    sheet.write(other["disclaimer"], size=6.5)
    return sheet.finish(f"{manifest.code} – {form['title_fr']}")
