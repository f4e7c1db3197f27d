"""Golden files for generated documents: a readable text rendering of a document, compared with
`tests/golden/<name>`. `pytest --update-golden` rewrites the files from what is generated now;
review them with `git diff tests/golden` before committing. Without the option a missing golden
file fails (it is never created silently) and a difference fails with a unified diff.

The renderings keep what a reader or a partner institution would notice and drop what varies
from run to run or machine to machine:

- DOCX: word/document.xml, then every header and footer part, then the core properties. One
  line per paragraph with its text and the properties that matter in a bilingual document:
  paragraph style, alignment (`jc`), right-to-left paragraph (`bidi`), numbering; per run
  bold (`b`, `bCs`), italic, underline, right-to-left run (`rtl`), language tags (`lang=fr-FR`,
  `lang.bidi=ar-MA`), font sizes in points. Tables show rows, cells, spans, vertical merges and
  right-to-left tables (`bidiVisual`). Not kept: rsids, paraIds, widths, shading, colours, fonts,
  and zip timestamps and ordering (the XML is parsed, never compared as bytes). An explicit
  `w:b w:val="0"` counts as not bold.
- PDF: the page count and page size (A4, US Letter), the fonts used, the information
  dictionary (provenance), the form fields left and their values (a checkbox's state is its
  answer) and the text of each page as pypdf extracts it (a dependency of the project rather
  than a system tool, and it keeps Arabic lam-alef intact where pdftotext splits it), each line
  stripped and its runs of spaces collapsed (spacing moves with font metrics), blank lines dropped. Line and page breaks come from LibreOffice and the
  installed fonts: PDF goldens hold for the LibreOffice and fonts that .ci/run installs
  (Debian's); on another machine the fonts line of the diff shows what differs.
- Every line loses its trailing spaces (editors strip them); invisible characters that change
  meaning are shown: no-break spaces as `⍽` (U+00A0) and `⸱` (U+202F), bidi marks and
  isolates as `<LRM>`, `<RLM>`, `<FSI>`… (see INVISIBLE).
- Volatile values are replaced by placeholders (MASKS): generation times (`Provenance.generated_at`,
  the DOCX `created` property, PDF dates) by `<timestamp>` / `<pdf-date>`; today's date (the
  as-of date of documents generated without `on=`) by `<today>`; database ids (`meeting:12`,
  `/meetings/12` in URLs) by `<id>`; version numbers of LibreOffice and the PDF libraries by
  `<version>`. Template sha256 values are kept: the templates are files of this repository, so
  the hash changes only when a template does, which is a change the golden should show."""

import difflib
import io
import os
import re
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from lxml import etree

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
MAX_DIFF_LINES = 60
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

MASKS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?"), "<timestamp>"),
    (re.compile(r"D:\d{14}(?:[Z+-][\d']*)?"), "<pdf-date>"),
    (re.compile(r"\bmeeting:\d+"), "meeting:<id>"),
    # a database id in a path (/meetings/12#decision-1), not a slug (/instruments/2014-11-06-accord)
    (re.compile(r"(/(?:meetings|decisions|action-items|instruments|versions|texts|contacts)/)\d+(?![\w.-])"),
     r"\1<id>"),
    (re.compile(r"\b(LibreOffice|OpenOffice|Writer|pypdf|python-docx|docxtpl)([ /_-]?)\d+(?:\.\d+)+"
                r"(?: \d+\(Build:\d+\))?"), r"\1\2<version>"),
]
INVISIBLE = {"\u00a0": "⍽", "\u202f": "⸱", "\u200b": "<ZWSP>", "\ufeff": "<BOM>", "\u200e": "<LRM>",
             "\u200f": "<RLM>", "\u061c": "<ALM>", "\u202a": "<LRE>", "\u202b": "<RLE>", "\u202c": "<PDF>",
             "\u202d": "<LRO>", "\u202e": "<RLO>", "\u2066": "<LRI>", "\u2067": "<RLI>", "\u2068": "<FSI>",
             "\u2069": "<PDI>"}


class GoldenMismatch(AssertionError):
    """The generated document differs from its golden file, or the golden file is missing."""


def normalised(text: str, today: date | None = None) -> str:
    """Volatile values masked, invisible characters shown, trailing spaces and blank tail removed."""
    for pattern, placeholder in MASKS:
        text = pattern.sub(placeholder, text)
    text = text.replace((today or date.today()).isoformat(), "<today>")
    text = text.translate(str.maketrans(INVISIBLE))
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- comparison ---------------------------------------------------------------------------------

def golden_diff(expected: str, actual: str, name: str, limit: int = MAX_DIFF_LINES) -> str:
    diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), f"tests/golden/{name}",
                                     "generated now", lineterm="", n=2))
    if len(diff) > limit:
        diff = diff[:limit] + [f"… {len(diff) - limit} more diff lines"]
    return "\n".join(diff)


def compare_golden(name: str, actual: str, *, update: bool = False, directory: Path = GOLDEN_DIR) -> str | None:
    """Compare `actual` (already normalised) with directory/name. With `update`, write it when it
    differs and return "created" or "updated"; None when the file already matched."""
    if not NAME.fullmatch(name):
        raise ValueError(f"golden file name {name!r}: letters, digits, '.', '_' and '-' only")
    path = directory / name
    expected = path.read_text(encoding="utf-8") if path.exists() else None
    if expected == actual:
        return None
    if update:
        _write_atomically(path, actual)
        return "created" if expected is None else "updated"
    if expected is None:
        raise GoldenMismatch(f"no golden file tests/golden/{name}: run pytest with --update-golden, "
                             f"then review it (git diff tests/golden) and commit it")
    raise GoldenMismatch(f"the generated document differs from tests/golden/{name}; if the change is intended, "
                         f"run pytest with --update-golden and review git diff tests/golden\n"
                         + golden_diff(expected, actual, name))


def _write_atomically(path: Path, text: str) -> None:
    """Never a half-written golden file, even with several pytest-xdist workers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- DOCX ---------------------------------------------------------------------------------------

def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _val(element, tag: str) -> str | None:
    found = element.find(_w(tag)) if element is not None else None
    return None if found is None else found.get(_w("val"), "")


def _on(element, tag: str) -> bool:
    value = _val(element, tag)
    return value is not None and value not in ("0", "false", "off", "none")


def run_properties(rpr) -> str:
    flags = [tag for tag in ("b", "bCs", "i", "iCs", "u", "strike", "rtl", "cs") if _on(rpr, tag)]
    if _val(rpr, "rStyle"):
        flags.insert(0, f"style={_val(rpr, 'rStyle')}")
    if _val(rpr, "vertAlign") not in (None, "baseline"):
        flags.append(_val(rpr, "vertAlign"))
    for tag in ("sz", "szCs"):  # half-points, shown in points
        if (_val(rpr, tag) or "").isdigit():
            flags.append(f"{tag}={int(_val(rpr, tag)) / 2:g}")
    lang = rpr.find(_w("lang")) if rpr is not None else None
    if lang is not None:
        flags += [f"lang{'' if attribute == 'val' else '.' + attribute}={lang.get(_w(attribute))}"
                  for attribute in ("val", "bidi", "eastAsia") if lang.get(_w(attribute))]
    return " ".join(flags)


def _run_text(run) -> str:
    pieces = []
    for child in run.iter():
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag in ("t", "delText"):
            pieces.append(child.text or "")
        elif tag == "instrText":
            pieces.append("{" + (child.text or "").strip() + "}")
        elif tag == "tab" and child.getparent() is run:
            pieces.append("⇥")
        elif tag in ("br", "cr"):
            pieces.append("⤓" if child.get(_w("type")) == "page" else "↵")
        elif tag == "noBreakHyphen":
            pieces.append("\u2011")
        elif tag == "drawing":
            pieces.append("[drawing]")
    return "".join(pieces)


def paragraph_line(paragraph) -> str:
    ppr = paragraph.find(_w("pPr"))
    flags = []
    if _val(ppr, "pStyle"):
        flags.append(f"style={_val(ppr, 'pStyle')}")
    if _val(ppr, "jc"):
        flags.append(f"jc={_val(ppr, 'jc')}")
    if _on(ppr, "bidi"):
        flags.append("bidi")
    numbering = ppr.find(_w("numPr")) if ppr is not None else None
    if numbering is not None:
        flags.append(f"num={_val(numbering, 'numId')}.{_val(numbering, 'ilvl') or 0}")
    groups: list[list[str]] = []
    for run in paragraph.iter(_w("r")):
        properties, text = run_properties(run.find(_w("rPr"))), _run_text(run)
        if not text:
            continue
        if groups and groups[-1][0] == properties:
            groups[-1][1] += text
        else:
            groups.append([properties, text])
    head = "¶" + (f" ({' '.join(flags)})" if flags else "")
    return " ".join([head] + [f"[{props}] {text}" if props else text for props, text in groups])


def _cell_flags(cell) -> str:
    tcpr = cell.find(_w("tcPr"))
    flags = []
    if _val(tcpr, "gridSpan"):
        flags.append(f"span={_val(tcpr, 'gridSpan')}")
    if _val(tcpr, "vMerge") is not None:
        flags.append(f"vmerge={_val(tcpr, 'vMerge') or 'continue'}")
    return (" " + " ".join(flags)) if flags else ""


def _table_lines(table, depth: int) -> list[str]:
    pad, columns = "  " * depth, len(table.findall(f"{_w('tblGrid')}/{_w('gridCol')}"))
    lines = [f"{pad}table cols={columns}{' bidiVisual' if _on(table.find(_w('tblPr')), 'bidiVisual') else ''}"]
    for r, row in enumerate(table.findall(_w("tr")), start=1):
        header = " header" if _on(row.find(_w("trPr")), "tblHeader") else ""
        lines.append(f"{pad}  row {r}{header}")
        for c, cell in enumerate(row.findall(_w("tc")), start=1):
            lines.append(f"{pad}    cell {c}{_cell_flags(cell)}")
            lines += block_lines(cell, depth + 3)
    return lines


def _section_line(sectpr, pad: str) -> str:
    size = sectpr.find(_w("pgSz"))
    flags = [f"page={size.get(_w('w'))}x{size.get(_w('h'))}"] if size is not None else []
    if size is not None and size.get(_w("orient")):
        flags.append(f"orient={size.get(_w('orient'))}")
    flags += [tag for tag in ("bidi", "titlePg") if _on(sectpr, tag)]
    for kind in ("header", "footer"):
        types = sorted(ref.get(_w("type")) or "default" for ref in sectpr.findall(_w(f"{kind}Reference")))
        if types:
            flags.append(f"{kind}s={','.join(types)}")
    return f"{pad}section {' '.join(flags)}"


def block_lines(container, depth: int = 0) -> list[str]:
    """Paragraphs, tables and sections of a body, cell, header or footer, in document order."""
    pad, lines = "  " * depth, []
    for child in container:
        if child.tag == _w("p"):
            lines.append(pad + paragraph_line(child))
            inner = child.find(f"{_w('pPr')}/{_w('sectPr')}")
            if inner is not None:
                lines.append(_section_line(inner, pad))
        elif child.tag == _w("tbl"):
            lines += _table_lines(child, depth)
        elif child.tag in (_w("sdt"), _w("body")):  # content controls and the body: what they hold
            lines += block_lines(child.find(_w("sdtContent")) if child.tag == _w("sdt") else child, depth)
        elif child.tag == _w("sectPr"):
            lines.append(_section_line(child, pad))
    return lines


def _core_properties(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    found = [(etree.QName(child).localname, (child.text or "").strip()) for child in root]
    return [f"{name}: {value}" for name, value in sorted(found) if value]


def _part_order(name: str) -> tuple:
    kind, number = re.fullmatch(r"word/(header|footer)(\d*)\.xml", name).groups()
    return kind, int(number or 0)


def docx_golden(data: bytes, today: date | None = None) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        parts = sorted((n for n in names if re.fullmatch(r"word/(header|footer)\d*\.xml", n)), key=_part_order)
        lines = []
        for part in ["word/document.xml", *parts]:
            lines += [f"=== {part}", *block_lines(etree.fromstring(archive.read(part)))]
        if "docProps/core.xml" in names:
            lines += ["=== docProps/core.xml", *_core_properties(archive.read("docProps/core.xml"))]
    return normalised("\n".join(lines), today)


# --- PDF and CSV ----------------------------------------------------------------------------------

def embedded_fonts(reader) -> list[str]:
    """Base names of the fonts the pages use, without the subset prefix (ABCDEF+): when a machine
    lays the PDF out with other fonts, the diff says so on its first lines."""
    names = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for reference in fonts.values():
            names.add(re.sub(r"^[A-Z]{6}\+", "", str(reference.get_object().get("/BaseFont", "?")).lstrip("/")))
    return sorted(names)


PAGE_SIZES = {(595, 842): "A4", (612, 792): "US Letter"}


def page_size(page) -> str:
    """'A4' or 'US Letter' (portrait, to the point), else the size in points."""
    size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
    return PAGE_SIZES.get(size, f"{size[0]}x{size[1]} pt")


def pdf_golden(data: bytes, today: date | None = None) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    metadata = reader.metadata or {}
    sizes = sorted({page_size(page) for page in reader.pages})
    lines = [f"=== pages: {len(reader.pages)}, {' and '.join(sizes)}", f"=== fonts: {', '.join(embedded_fonts(reader))}",
             "=== information dictionary"]
    lines += [f"{key}: {metadata[key]}" for key in sorted(metadata)]
    fields = reader.get_fields() or {}
    if fields:  # what a fillable PDF's remaining fields say (a checkbox's state is its answer)
        lines.append("=== form fields")
        lines += [f"{name}: {fields[name].get('/V')}" for name in sorted(fields)]
    for number, page in enumerate(reader.pages, start=1):
        lines.append(f"=== page {number}")
        lines += [" ".join(line.split()) for line in page.extract_text().splitlines() if line.strip()]
    return normalised("\n".join(lines), today)


def csv_golden(text: str, today: date | None = None) -> str:
    return normalised(text, today)
