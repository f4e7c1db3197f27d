"""Filling a version's template with data: DOCX through registry.documents.render (docxtpl in
the document sandbox), PDF through pypdf's AcroForm filling (Latin-1 values only: print-ready
filling of any script is registry.documents.pdf_fill, which needs LibreOffice). Used to check
the catalog's samples.

The context given to a template always holds every declared field under its name as the
template writes it, so that StrictUndefined only ever fires for a name the schema does not know.
A value the data does not give is None (an unticked box False, rows and lists empty), so that
`|default(…)` and `is none` work; the sandbox prints None as nothing."""

import io
from datetime import date

import pypdf

from forms.fields import ADDRESS_PARTS, FieldSpec, FieldType, _lookup, item_spec, put_dotted
from registry import i18n
from registry.documents.pdf_fill import PdfValue, Selection, field_boxes, set_button_states
from registry.documents.render import render_docx as render_template
from registry.uploads import PDF_LIMITS

EMPTY = {FieldType.rows: list, FieldType.list: list, FieldType.checkbox: bool,
         FieldType.address: lambda: dict.fromkeys(ADDRESS_PARTS)}


def _empty(spec: FieldSpec):
    return EMPTY.get(spec.type, lambda: None)()


def _get(data: dict, dotted: str):
    return _lookup(data, dotted)[1]


def _value(spec: FieldSpec, raw):
    if raw in (None, ""):
        return _empty(spec)
    if spec.type == FieldType.address:
        return {**_empty(spec), **raw}
    if spec.type == FieldType.rows:
        return [{c.name: _value(c, _get(row, c.name)) for c in spec.columns} for row in raw]
    if spec.type == FieldType.list:
        return [_value(item_spec(spec), each) for each in raw]
    return raw


def context_from(fields: list[FieldSpec], data: dict) -> dict:
    """Nested context with every declared field; data outside the schema is left out."""
    context: dict = {}
    for spec in fields:
        put_dotted(context, spec.name, _value(spec, _get(data, spec.name)))
    return context


def render_docx(template: bytes, fields: list[FieldSpec], data: dict, partner_language: str) -> bytes:
    """In this process, without the worker's limits: for the project's own catalog and tests.
    Templates uploaded by users render through registry.documents.workers."""
    return render_template(template, context_from(fields, data), partner_language)


def _names(code: str, partner_language: str) -> str:
    """A country as the form's two languages name it ("Brésil / Brasil"), once when they agree."""
    if not code:
        return ""
    french, partner = i18n.country_name(code, "fr"), i18n.country_name(code, partner_language)
    return french if french == partner else f"{french} / {partner}"


def _pdf_value(spec: FieldSpec, value, partner_language: str) -> PdfValue:
    if spec.type == FieldType.checkbox:
        return bool(value)
    if spec.type == FieldType.date and value:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    if spec.type == FieldType.country:
        return _names(str(value or ""), partner_language)
    if spec.type == FieldType.choice:
        choice = next((c for c in spec.choices if c.value == value), None)
        return Selection(choice.value, f"{choice.label_fr} / {choice.label_partner}") if choice else None
    return str(value if value is not None else "")


def pdf_values(fields: list[FieldSpec], data: dict, partner_language: str) -> dict[str, PdfValue]:
    """AcroForm values: dates as DD/MM/YYYY (read the same in both languages), countries and
    choices by their names in both languages, checkboxes true or false (the PDF's own export
    value is looked up when filling), a choice also by its value (a radio button's export value)."""
    values: dict[str, PdfValue] = {}
    context = context_from(fields, data)
    for spec in fields:
        value = _get(context, spec.name)
        if spec.type == FieldType.address:
            for part in ADDRESS_PARTS:
                raw = str(value.get(part) or "")
                values[f"{spec.name}.{part}"] = _names(raw, partner_language) if part == "country" else raw
        else:
            values[spec.name] = _pdf_value(spec, value, partner_language)
    return values


def fill_pdf(template: bytes, fields: list[FieldSpec], data: dict, partner_language: str) -> bytes:
    values = pdf_values(fields, data, partner_language)
    texts = {name: printed for name, value in values.items() if isinstance(value, (str, Selection))
             for printed in [value.text if isinstance(value, Selection) else value]}
    with pypdf.apply_configuration(**PDF_LIMITS):
        writer = pypdf.PdfWriter(clone_from=io.BytesIO(template))
        text_names = {box.name for box in field_boxes(writer) if not box.is_button}
        # leave NeedAppearances as the template sets it: pypdf's appearance streams are Latin-1 only
        writer.update_page_form_field_values(None, {n: t for n, t in texts.items() if n in text_names},
                                             auto_regenerate=None)
        set_button_states(writer, values)
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def render_sample(template: bytes, fields: list[FieldSpec], data: dict, partner_language: str) -> bytes:
    if template.startswith(b"PK"):
        return render_docx(template, fields, data, partner_language)
    return fill_pdf(template, fields, data, partner_language)
