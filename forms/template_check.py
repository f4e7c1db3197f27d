"""Checking an uploaded template against its version's field schema, before anything is stored.

A DOCX template is inspected as a ZIP (size, bombs), parsed with the document sandbox (syntax
errors with their paragraph, unsafe expressions), and the variables it prints are matched
with the declared fields both ways. A PDF template is inspected with pypdf's limits and its
AcroForm field names are matched with the declared fields."""

from dataclasses import dataclass, field

from jinja2 import nodes

from forms.fields import ADDRESS_PARTS, FieldSpec, FieldType
from forms.models import TemplateKind
from forms.field_bounds import context_shape
from registry.documents.sandbox import make_environment
from registry.documents.template_rules import TemplateProblem, check_template, parse_parts
from registry.labels import Message, mark
from registry.uploads import DOCX_MEDIA_TYPE, PDF_MEDIA_TYPE, UploadRejected, inspect_docx, inspect_pdf


# a form template is a few pages of XML and maybe a logo; parsing is in memory
TEMPLATE_MAX_UNCOMPRESSED = 30 * 2**20


NEITHER = mark("%(name)s: neither a DOCX nor a PDF file")
PROBLEMS = mark("the template has %(count)s problem(s)")
NO_PDF_FIELDS = mark("the PDF has no form fields, but this version declares %(count)s; upload the fillable "
                     "(AcroForm) version of the PDF")
PDF_ROWS = mark("repeated rows cannot be filled into a PDF form: %(names)s")
MISMATCH = mark("the template does not match the declared fields (in the template but not declared: %(extra)s; "
                "declared but not in the template: %(missing)s)")


class TemplateRefused(Exception):
    """The template is not stored. `message`/`params`: why (a catalog msgid); `problems`: the
    TemplateProblems found in it; `missing`/`extra` compare it with the fields."""

    def __init__(self, message: str, params: dict | None = None, problems: list[TemplateProblem] | None = None,
                 missing: list[str] | None = None, extra: list[str] | None = None) -> None:
        self.message, self.params = message, dict(params or {})
        self.problems = problems or []
        self.missing = missing or []
        self.extra = extra or []
        super().__init__(str(self.reason))

    @property
    def reason(self) -> Message:
        return Message(self.message, self.params)

    def __reduce__(self):  # raised in a render worker, re-raised in the server: keep every list
        return (TemplateRefused, (self.message, self.params, self.problems, self.missing, self.extra))


@dataclass(frozen=True)
class CheckedTemplate:
    kind: TemplateKind
    media_type: str
    variables: list[str]  # paths the template prints (DOCX) or its field names (PDF)
    page_count: int | None = None


@dataclass
class FieldMatch:
    missing_from_template: list[str] = field(default_factory=list)  # declared, never printed
    not_declared: list[str] = field(default_factory=list)  # printed, not declared

    @property
    def ok(self) -> bool:
        return not self.missing_from_template and not self.not_declared


def template_kind_of(filename: str, data: bytes) -> TemplateKind:
    if data.startswith(b"PK"):
        return TemplateKind.docx
    if b"%PDF-" in data[:1024]:
        return TemplateKind.pdf
    raise TemplateRefused(NEITHER, {"name": filename or "?"})


def check_upload(filename: str, data: bytes, fields: list[FieldSpec], partner_language: str,
                 max_bytes: int) -> CheckedTemplate:
    kind = template_kind_of(filename, data)
    try:
        if kind == TemplateKind.docx:
            return _check_docx(data, fields, partner_language, max_bytes)
        return _check_pdf(data, fields, max_bytes)
    except UploadRejected as exc:
        raise TemplateRefused(exc.message, exc.params) from None


def _check_docx(data: bytes, fields: list[FieldSpec], partner_language: str, max_bytes: int) -> CheckedTemplate:
    inspect_docx(data, max_bytes, max_uncompressed=TEMPLATE_MAX_UNCOMPRESSED)
    env = make_environment(partner_language)
    problems = check_template(data, env, shapes=context_shape(fields))
    if problems:
        raise TemplateRefused(PROBLEMS, {"count": len(problems)}, problems)
    parsed, _ = parse_parts(data, env)
    paths = set().union(*(template_paths(tree) for _, tree in parsed))
    _require_match(fields, paths)
    return CheckedTemplate(TemplateKind.docx, DOCX_MEDIA_TYPE, sorted(paths))


def _check_pdf(data: bytes, fields: list[FieldSpec], max_bytes: int) -> CheckedTemplate:
    info = inspect_pdf(data, max_bytes, extract_text=False)
    if fields and not info.field_names:
        raise TemplateRefused(NO_PDF_FIELDS, {"count": len(fields)})
    rows = [f.name for f in fields if f.type == FieldType.rows]
    if rows:
        raise TemplateRefused(PDF_ROWS, {"names": ", ".join(rows)})
    declared = set(pdf_field_names(fields))
    match = FieldMatch(sorted(declared - set(info.field_names)), sorted(set(info.field_names) - declared))
    if not match.ok:
        raise _mismatch(match)
    return CheckedTemplate(TemplateKind.pdf, PDF_MEDIA_TYPE, sorted(info.field_names), info.page_count)


def pdf_field_names(fields: list[FieldSpec]) -> list[str]:
    """A PDF has one AcroForm field per value: an address gives name.street, name.city…"""
    names = []
    for spec in fields:
        if spec.type == FieldType.address:
            names.extend(f"{spec.name}.{part}" for part in ADDRESS_PARTS)
        else:
            names.append(spec.name)
    return names


def _require_match(fields: list[FieldSpec], paths: set[str]) -> None:
    match = match_fields(fields, paths)
    if not match.ok:
        raise _mismatch(match)


def _mismatch(match: FieldMatch) -> TemplateRefused:
    return TemplateRefused(MISMATCH, {"extra": ", ".join(match.not_declared) or "—",
                                      "missing": ", ".join(match.missing_from_template) or "—"},
                           missing=match.missing_from_template, extra=match.not_declared)


# --- which fields a template prints ----------------------------------------------------

def declared_paths(fields: list[FieldSpec]) -> tuple[set[str], set[str]]:
    """(paths each field must be printed at, every path a template may read)."""
    required, allowed = set(), set()
    for spec in fields:
        _declare(spec, spec.name, required, allowed)
        pieces = spec.name.split(".")
        allowed.update(".".join(pieces[:n]) for n in range(1, len(pieces)))  # {% if worker %}
    return required, allowed


def _declare(spec: FieldSpec, path: str, required: set[str], allowed: set[str]) -> None:
    """A column of rows is read at `rows[].column`, a column of rows of rows at `rows[].inner[].column`,
    an item of a list at `list[]`."""
    required.add(path)
    allowed.add(path)
    if spec.type == FieldType.rows:
        allowed.add(f"{path}[]")  # a row itself: {% with first = rows[0] %}, {% if rows[0] %}
        for column in spec.columns:
            _declare(column, f"{path}[].{column.name}", required, allowed)
    elif spec.type == FieldType.list:
        allowed.add(f"{path}[]")
    elif spec.type == FieldType.address:
        allowed.update(f"{path}.{part}" for part in ADDRESS_PARTS)


def match_fields(fields: list[FieldSpec], paths: set[str]) -> FieldMatch:
    required, allowed = declared_paths(fields)
    addresses = {f.name for f in fields if f.type == FieldType.address}
    used = set(paths)
    for path in paths:  # printing one part of an address prints the address field
        head, _, _ = path.rpartition(".")
        if head in addresses:
            used.add(head)
    return FieldMatch(missing_from_template=sorted(required - used), not_declared=sorted(paths - allowed))


def template_paths(tree: nodes.Template) -> set[str]:
    """Dotted paths read from the context: `worker.last_name`; inside `{% for p in periods %}`,
    `p.start` is `periods[].start`. Loop helpers and names the template binds are not paths."""
    return set(located_paths(tree))


def located_paths(tree: nodes.Template) -> dict[str, set[int]]:
    """Each path the template reads -> the source lines (paragraphs) that read it."""
    found: dict[str, set[int]] = {}
    _visit_all(tree.body, {}, found)
    return found


SAME_ITEMS = frozenset({"sort", "unique", "default", "d"})  # the value read is still the field's
ONE_ITEM = frozenset({"first", "last"})


def _path(node: nodes.Node, scope: dict) -> str | None:
    """The dotted path of a Name/Getattr/Getitem chain (through sort, unique, first…), or None."""
    if isinstance(node, nodes.Filter) and node.node is not None and node.name in SAME_ITEMS | ONE_ITEM:
        base = _path(node.node, scope)
        return f"{base}[]" if base and node.name in ONE_ITEM else base
    if isinstance(node, nodes.Name):
        return scope.get(node.name, node.name) if node.ctx == "load" else None
    if isinstance(node, nodes.Getattr):
        base = _path(node.node, scope)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem):
        base = _path(node.node, scope)
        if not base:
            return None
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return f"{base}.{node.arg.value}"
        return f"{base}[]"
    return None


def _visit(node: nodes.Node, scope: dict, found: dict) -> None:
    if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
        path = _path(node, scope)
        if path:
            found.setdefault(path, set()).add(node.lineno)
        if isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const):
            _visit(node.arg, scope, found)
        if path is not None or isinstance(node, nodes.Name):
            return
    if isinstance(node, nodes.Filter) and node.name == "map" and node.node is not None:
        base = _path(node.node, scope)
        attribute = next((k.value for k in node.kwargs if k.key == "attribute"), None)
        if base and isinstance(attribute, nodes.Const) and isinstance(attribute.value, str):
            found.setdefault(f"{base}[].{attribute.value}", set()).add(node.lineno)
    if isinstance(node, nodes.With):
        _visit_with(node, scope, found)
        return
    if isinstance(node, nodes.For):
        _visit(node.iter, scope, found)
        inner = dict(scope)
        source = _path(node.iter, scope)
        for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else [node.target]:
            inner[target.name] = f"{source}[]" if source and isinstance(node.target, nodes.Name) else None
        inner["loop"] = None
        if node.test is not None:
            _visit(node.test, inner, found)
        _visit_all(node.body, inner, found)
        _visit_all(node.else_, scope, found)
        return
    for child in node.iter_child_nodes():
        _visit(child, scope, found)


def _visit_with(node: nodes.With, scope: dict, found: dict) -> None:
    """{% with worker = insured.worker %}: `worker.name` reads `insured.worker.name`."""
    inner = dict(scope)
    for target, value in zip(node.targets, node.values, strict=True):
        _visit(value, scope, found)
        names = [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))
        for name in names:
            inner[name.name] = _path(value, scope) if isinstance(target, nodes.Name) else None
    _visit_all(node.body, inner, found)


def _visit_all(body: list[nodes.Node], scope: dict, found: dict) -> None:
    for node in body:
        _visit(node, scope, found)
