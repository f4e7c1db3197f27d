"""Hostile files built in code for the hostile-input corpus (tests/test_hostile_*.py): DOCX
archives whose XML is malformed, deeply nested, carries a DOCTYPE hidden behind a comment or
another encoding, or lacks a part; templates that nest or grow without bound; CSV and JSON that
nest or swell."""

import io
import zipfile

from tests.documents import docx_bytes

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PADDING = "<!--" + "p" * 5000 + "-->"  # 5 KB before the DOCTYPE: past the first 4 KB a prefix check reads
# a billion laughs: ten entities, each ten of the previous (10^9 characters if expanded)
LAUGHS = "".join(f'<!ENTITY l{n} "{"&l%d;" % (n - 1) * 10 if n else "lol"}">' for n in range(10))
EXTERNAL = '<!ENTITY xxe SYSTEM "file:///etc/passwd">'


def replaced(base: bytes, members: dict[str, bytes], drop: tuple[str, ...] = ()) -> bytes:
    """A copy of the DOCX `base` with members replaced or added, and some dropped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename not in drop and item.filename not in members:
                dst.writestr(item.filename, src.read(item))
        for name, content in members.items():
            dst.writestr(name, content)
    return out.getvalue()


def document_xml(body: str, prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def with_document(body: str, prolog: str = "", encoding: str = "utf-8", base: bytes | None = None) -> bytes:
    xml = document_xml(body, prolog)
    if encoding != "utf-8":
        xml = xml.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    return replaced(base or docx_bytes("x"), {"word/document.xml": xml.encode(encoding)})


def malformed_document(base: bytes | None = None) -> bytes:
    return replaced(base or docx_bytes("x"), {"word/document.xml": document_xml(paragraph("x")).encode()[:-30]})


def without_package_relationships(base: bytes | None = None) -> bytes:
    return replaced(base or docx_bytes("x"), {}, drop=("_rels/.rels",))


def nested_elements(base: bytes | None = None, depth: int = 10_000) -> bytes:
    return with_document("<w:p>" + "<w:r>" * depth + "</w:r>" * depth + "</w:p>", base=base)


def padded_entity_expansion(base: bytes | None = None) -> bytes:
    """A comment of 5 KB, then a DOCTYPE whose entity would expand to a billion characters."""
    return with_document(paragraph("&l9;"), prolog=PADDING + f"<!DOCTYPE w:document [{LAUGHS}]>", base=base)


def padded_external_entity(base: bytes | None = None) -> bytes:
    return with_document(paragraph("&xxe;"), prolog=PADDING + f"<!DOCTYPE w:document [{EXTERNAL}]>", base=base)


def utf16_external_entity(base: bytes | None = None) -> bytes:
    """The DOCTYPE in UTF-16: no byte of it reads b"<!DOCTYPE"."""
    return with_document(paragraph("&xxe;"), prolog=f"<!DOCTYPE w:document [{EXTERNAL}]>", encoding="utf-16",
                         base=base)


def entity_in_relationships(base: bytes | None = None) -> bytes:
    rels = (f'<?xml version="1.0" encoding="UTF-8"?>{PADDING}<!DOCTYPE Relationships [{EXTERNAL}]>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>')
    return replaced(base or docx_bytes("x"), {"_rels/.rels": rels.encode()})


HOSTILE_DOCX = {  # name -> (builder, the part the refusal must name)
    "malformed document.xml": (malformed_document, "word/document.xml"),
    "missing _rels/.rels": (without_package_relationships, "_rels/.rels"),
    "10,000 nested elements": (nested_elements, "word/document.xml"),
    "padded entity expansion": (padded_entity_expansion, "word/document.xml"),
    "padded external entity": (padded_external_entity, "word/document.xml"),
    "UTF-16 external entity": (utf16_external_entity, "word/document.xml"),
    "entity in _rels/.rels": (entity_in_relationships, "_rels/.rels"),
}


# --- templates: what a template upload must refuse, each as the paragraphs of a DOCX ------------

def text_field(name: str = "x", max_length: int | None = 10_000) -> dict:
    spec = {"name": name, "type": "text", "label_fr": f"Champ {name}", "label_partner": f"Polje {name}"}
    return {**spec, "max_length": max_length} if max_length else spec


HOSTILE_TEMPLATES = {  # name -> (paragraphs, the words of the English refusal)
    "seven chained join": (["{{ x|join(x)|join(x)|join(x)|join(x)|join(x)|join(x)|join(x) }}"], "million characters"),
    "two loops nested over a long value": (["{% for a in x %}{% for b in x %}{{ b }}{% endfor %}{% endfor %}"],
                                           "million characters"),
    "3,000 nested if": (["{% if x %}" * 3000 + "{{ x }}" + "{% endif %}" * 3000], "nested more than 20 deep"),
    "5,000 parentheses": (["{{ " + "(" * 5000 + "x" + ")" * 5000 + " }}"], "nested more than 20 deep"),
    "5,000 not": (["{% if " + "not " * 5000 + "x %}{{ x }}{% endif %}"], "nested operations"),
    "5,000 additions": (["{{ x" + " + x" * 5000 + " }}"], "nested operations"),
    "5,000 filters": (["{{ x" + "|trim" * 5000 + " }}"], "nested operations"),
    "round with a huge precision": (["{{ x|length|round(100000000, 'floor') }} {{ x }}"], "round takes a precision"),
    "autoescape off": (["{% autoescape false %}{{ x }}{% endautoescape %}"], "{% autoescape %}"),
    "text times a number": (["{{ x * 1000 }}"], "the * operator is for numbers"),
    "formatting a value": (["{{ x % 1 }}"], "the % operator is for numbers"),
}


# --- JSON and CSV ---------------------------------------------------------------------------------

def nested_json(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def nested_field_specs(depth: int) -> str:
    """A field schema whose columns hold columns, `depth` deep."""
    opening = '{"name":"a","type":"rows","label_fr":"a","label_partner":"a","columns":['
    leaf = '{"name":"b","type":"text","label_fr":"b","label_partner":"b"}'
    return "[" + opening * depth + leaf + "]}" * depth + "]"


BIG_CELL = "w" * (130 * 2**10)  # past the csv module's 128 KiB
