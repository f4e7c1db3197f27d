"""Filling a version's template with data: DOCX through registry.documents.render (docxtpl in
the document sandbox), PDF through pypdf's AcroForm filling (Latin-1 values only: print-ready
filling of any script is registry.documents.pdf_fill, which needs LibreOffice). Used to check
the catalog's samples.

The context given to a template always holds every declared field (an empty value when the
data has none), so that StrictUndefined only ever fires for a name the schema does not know."""

import io
from datetime import date

import pypdf

from forms.fields import ADDRESS_PARTS, FieldSpec, FieldType
from registry.documents.render import render_docx as render_template
from registry.uploads import PDF_LIMITS

EMPTY = {FieldType.rows: list, FieldType.checkbox: bool, FieldType.address: lambda: dict.fromkeys(ADDRESS_PARTS, "")}


def _empty(spec: FieldSpec):
    return EMPTY.get(spec.type, str)()


def _get(data: dict, dotted: str):
    current = data
    for key in dotted.split("."):
        if not isinstance(current, dict) or key not in current:
            return None
        current = current[key]
    return current


def _put(context: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        context = context.setdefault(key, {})
    context[last] = value


def _value(spec: FieldSpec, raw):
    if raw in (None, ""):
        return _empty(spec)
    if spec.type == FieldType.address:
        return {**_empty(spec), **raw}
    if spec.type == FieldType.rows:
        return [{c.name: _value(c, row.get(c.name)) for c in spec.columns} for row in raw]
    return raw


def context_from(fields: list[FieldSpec], data: dict) -> dict:
    """Nested context with every declared field; data outside the schema is left out."""
    context: dict = {}
    for spec in fields:
        _put(context, spec.name, _value(spec, _get(data, spec.name)))
    return context


def render_docx(template: bytes, fields: list[FieldSpec], data: dict, partner_language: str) -> bytes:
    """In this process, without the worker's limits: for the project's own catalog and tests.
    Templates uploaded by users render through registry.documents.workers."""
    return render_template(template, context_from(fields, data), partner_language)


def pdf_values(fields: list[FieldSpec], data: dict) -> dict[str, str]:
    """AcroForm values: dates as DD/MM/YYYY (read the same in both languages), checkboxes /Yes or /Off."""
    values: dict[str, str] = {}
    context = context_from(fields, data)
    for spec in fields:
        value = _get(context, spec.name)
        if spec.type == FieldType.address:
            for part in ADDRESS_PARTS:
                values[f"{spec.name}.{part}"] = str(value.get(part) or "")
        elif spec.type == FieldType.checkbox:
            values[spec.name] = "/Yes" if value else "/Off"
        elif spec.type == FieldType.date and value:
            values[spec.name] = date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        else:
            values[spec.name] = str(value if value is not None else "")
    return values


def fill_pdf(template: bytes, fields: list[FieldSpec], data: dict) -> bytes:
    with pypdf.apply_configuration(**PDF_LIMITS):
        writer = pypdf.PdfWriter(clone_from=io.BytesIO(template))
        # leave NeedAppearances as the template sets it: pypdf's appearance streams are Latin-1 only
        writer.update_page_form_field_values(None, pdf_values(fields, data), auto_regenerate=None)
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def render_sample(template: bytes, fields: list[FieldSpec], data: dict, partner_language: str) -> bytes:
    if template.startswith(b"PK"):
        return render_docx(template, fields, data, partner_language)
    return fill_pdf(template, fields, data)
