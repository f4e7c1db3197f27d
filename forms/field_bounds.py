"""What the field schema of a version allows at most, for the upload checks of its template: the
Shape of the context a render receives (the render budget, registry/documents/template_budget.py)
and the data with the longest values every field allows (the trial render), which a caisse can
send as well as anyone."""

from forms.fields import (ADDRESS_MAX_LENGTHS, MAX_ROWS_DEFAULT, NIR_MAX_CHARS, NUMBER_LIMIT, FieldSpec, FieldType,
                          item_spec, max_length_of, nir_key, put_dotted)
from registry.documents.template_budget import BOOLEAN, Shape, listing, mapping, number, text

DATE_CHARS = 10  # YYYY-MM-DD, the longest form date.fromisoformat accepts for a date
# a text that costs most once rendered: escaped characters (& is &amp;), characters that grow
# when upper-cased (ß, ﬃ), a right-to-left letter (its run is marked), a Serbian and an accented one
LONGEST_TEXT_PATTERN = "&ßﬃ\"<Đé ب"
LONGEST_DATE = "2023-09-27"  # mercredi 27 septembre 2023: among the longest dates in words
LONGEST_NIR = "2 84 12 2A 123 456"  # 13 characters of a Corsican NIR, spaced out to the limit


def field_shape(spec: FieldSpec) -> Shape:
    if spec.type == FieldType.text:
        return text(max_length_of(spec))
    if spec.type == FieldType.number:
        return number(max_length_of(spec))
    if spec.type == FieldType.date:
        return text(DATE_CHARS)
    if spec.type == FieldType.choice:
        return text(max(len(c.value) for c in spec.choices))
    if spec.type == FieldType.checkbox:
        return BOOLEAN
    if spec.type == FieldType.nir:
        return text(NIR_MAX_CHARS)
    if spec.type == FieldType.country:
        return text(2)
    if spec.type == FieldType.address:
        return mapping({part: text(longest) for part, longest in ADDRESS_MAX_LENGTHS.items()})
    if spec.type == FieldType.list:
        return listing(field_shape(item_spec(spec)), spec.max_rows or MAX_ROWS_DEFAULT)
    columns = mapping({c.name: field_shape(c) for c in spec.columns})
    return listing(columns, spec.max_rows or MAX_ROWS_DEFAULT)


def context_shape(fields: list[FieldSpec]) -> Shape:
    """The Shape of forms.rendering.context_from(fields, data) for any data the fields accept."""
    tree: dict = {}
    for spec in fields:
        put_dotted(tree, spec.name, field_shape(spec))
    return _as_shape(tree)


def _as_shape(node) -> Shape:
    return mapping({k: _as_shape(v) for k, v in node.items()}) if isinstance(node, dict) else node


def _longest_text(length: int) -> str:
    return (LONGEST_TEXT_PATTERN * (length // len(LONGEST_TEXT_PATTERN) + 1))[:length]


def longest_value(spec: FieldSpec):
    if spec.type == FieldType.text:
        return _longest_text(max_length_of(spec))
    if spec.type == FieldType.number:
        digits = min(max_length_of(spec), len(str(NUMBER_LIMIT)) - 1)
        return "9" * digits  # as text, the way a CSV gives it
    if spec.type == FieldType.date:
        return LONGEST_DATE
    if spec.type == FieldType.choice:
        return max((c.value for c in spec.choices), key=len)
    if spec.type == FieldType.checkbox:
        return True
    if spec.type == FieldType.nir:
        compact = LONGEST_NIR.replace(" ", "")
        return f"{LONGEST_NIR} {nir_key(compact):02d}".ljust(NIR_MAX_CHARS)[:NIR_MAX_CHARS].rstrip()
    if spec.type == FieldType.country:
        return "CF"  # République centrafricaine: one of the longest names
    if spec.type == FieldType.address:
        return {part: "FR" if part == "country" else _longest_text(longest)
                for part, longest in ADDRESS_MAX_LENGTHS.items()}
    if spec.type == FieldType.list:
        return [longest_value(item_spec(spec))] * (spec.max_rows or MAX_ROWS_DEFAULT)
    row = {c.name: longest_value(c) for c in spec.columns}
    return [dict(row) for _ in range(spec.max_rows or MAX_ROWS_DEFAULT)]


def longest_values(fields: list[FieldSpec]) -> dict:
    """Data with every field at its longest, valid for forms.fields.validate_values."""
    data: dict = {}
    for spec in fields:
        put_dotted(data, spec.name, longest_value(spec))
    return data
