"""The only Jinja environment document templates are parsed and rendered with.

docxtpl's default environment is unsandboxed: a template can reach `os` through
`cycler.__init__.__globals__` (LIBRARIES.md §3). This environment is a sandbox that also
refuses the operations the stock sandbox lets through and that cost memory or time
(`'x' * 10**8`, `'%099999999d' % 1`, `'x'|center(10**8)`, method calls), keeps only filters
whose output grows linearly with their input, has no globals, escapes values for XML
(autoescape: docxtpl otherwise drops `&` and `<` silently) and fails on undefined names.

`check_template` finds at upload what the sandbox would only stop at render time: syntax
errors with their location, unsafe attribute access, refused operators, calls, includes.
Call `registry.uploads.inspect_docx` on untrusted bytes before anything here."""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from docx import Document
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from registry import i18n

# builtin filters kept: none of them can produce output much larger than its input
SAFE_BUILTIN_FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "join",
    "last", "length", "lower", "round", "string", "title", "trim", "truncate", "upper",
})
MAX_LOOP_NESTING = 2
CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # what docxtpl renders
COMPILED_PER_ENVIRONMENT = 48  # template parts (body, headers, footers) kept compiled
CHECKED = "\u2612"  # ☒
UNCHECKED = "\u2610"  # ☐


class DocumentSandbox(SandboxedEnvironment):
    """Sandbox that also refuses repetition of sequences, powers, %-formatting and calls."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._compiled: dict[str, object] = {}

    def call_binop(self, context, operator, left, right):
        sequences = (str, bytes, list, tuple)
        if operator == "**":
            raise SecurityError("the ** operator is not allowed in document templates")
        if operator == "*" and (isinstance(left, sequences) or isinstance(right, sequences)):
            raise SecurityError("repeating a string or a list with * is not allowed in document templates")
        if operator == "%" and isinstance(left, (str, bytes)):
            raise SecurityError("%-formatting is not allowed in document templates; use a filter")
        return super().call_binop(context, operator, left, right)

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 (Jinja's signature)
        """Compiled once per source: docxtpl hands every render the same part XML, and compiling
        it costs about a third of a render. The cache lives as long as the environment."""
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.pop(source, None) or super().from_string(source)
        self._compiled[source] = compiled  # most recently used last
        while len(self._compiled) > COMPILED_PER_ENVIRONMENT:
            self._compiled.pop(next(iter(self._compiled)))
        return compiled

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        # docx templates need values and filters only; a call is how memory bombs and escapes start
        raise SecurityError(f"calling {getattr(__obj, '__name__', type(__obj).__name__)!r} is not allowed "
                            "in document templates; use a filter")


def make_environment(partner_language: str, french: str = "fr") -> DocumentSandbox:
    """The sandbox for one bilingual document: filters name the language they write in."""
    env = DocumentSandbox(autoescape=True, undefined=StrictUndefined)
    env.globals.clear()
    env.filters = {name: f for name, f in env.filters.items() if name in SAFE_BUILTIN_FILTERS}
    for suffix, lang in (("fr", french), ("partner", partner_language)):
        env.filters[f"date_{suffix}"] = _date_filter(lang)
        env.filters[f"number_{suffix}"] = _number_filter(lang)
        env.filters[f"country_{suffix}"] = _country_filter(lang)
    env.filters["box"] = lambda value: CHECKED if value else UNCHECKED
    env.filters["nir"] = format_nir
    return env


@lru_cache(maxsize=16)
def shared_environment(partner_language: str) -> DocumentSandbox:
    """One environment per partner language for the renders of a process (a render worker), so
    compiled templates are reused. Never mutated after it is made."""
    return make_environment(partner_language)


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _date_filter(lang: str):
    def date_filter(value, fmt: str = "long") -> str:
        return i18n.format_date(_as_date(value), lang, fmt if fmt in ("short", "medium", "long", "full") else "long")
    date_filter.__name__ = f"date_{lang}"
    return date_filter


def _number_filter(lang: str):
    def number_filter(value) -> str:
        return "" if value in (None, "") else i18n.format_number(value, lang)
    return number_filter


def _country_filter(lang: str):
    def country_filter(code) -> str:
        if not code:
            return ""
        return i18n.country_name(str(code), lang)
    return country_filter


def format_nir(value) -> str:
    """'184127512345678' -> '1 84 12 75 123 456 78' (the way the card prints it)."""
    digits = re.sub(r"\s", "", str(value or ""))
    if len(digits) != 15:
        return str(value or "")
    return " ".join((digits[0], digits[1:3], digits[3:5], digits[5:7], digits[7:10], digits[10:13], digits[13:]))


@dataclass(frozen=True)
class TemplateProblem:
    kind: str  # "syntax", "unsafe", "refused"
    part: str  # e.g. "word/document.xml", "docProps/core.xml:title"
    line: int | None  # paragraph number in a Word part (docxtpl puts each paragraph on a line)
    message: str
    excerpt: str = ""

    def __str__(self) -> str:
        where = f"{self.part}, paragraph {self.line}" if self.line else self.part
        return f"{where}: {self.message}" + (f" (near: {self.excerpt})" if self.excerpt else "")


@dataclass(frozen=True)
class TemplatePart:
    name: str
    source: str  # the patched XML (or property text) Jinja parses


def template_parts(docx_bytes: bytes) -> list[TemplatePart]:
    """Every part docxtpl renders, patched the way docxtpl patches it before Jinja sees it."""
    tpl = DocxTemplate(io.BytesIO(docx_bytes))
    document = Document(io.BytesIO(docx_bytes))
    parts = [TemplatePart("word/document.xml", _patched(tpl, tpl.xml_to_string(document.element.body)))]
    for rel in document.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and not rel.is_external and rel.target_part.blob:
            xml = tpl.xml_to_string(parse_xml(rel.target_part.blob))
            parts.append(TemplatePart(str(rel.target_part.partname).lstrip("/"), _patched(tpl, xml)))
    for part in document.part.package.parts:
        if part.content_type.endswith("wordprocessingml.footnotes+xml"):
            parts.append(TemplatePart(str(part.partname).lstrip("/"), _patched(tpl, part.blob.decode("utf-8"))))
    for prop in CORE_PROPERTIES:
        value = getattr(document.core_properties, prop) or ""
        if "{" in value:
            parts.append(TemplatePart(f"docProps/core.xml:{prop}", value))
    return parts


def _patched(tpl: DocxTemplate, xml: str) -> str:
    """docxtpl's patching, with every paragraph of the original on its own line first, so that a
    line number is a paragraph number even where `{%p %}` tags removed their paragraph."""
    return tpl.patch_xml(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))


def _excerpt(source: str, line: int | None) -> str:
    if not line:
        return ""
    lines = source.splitlines()
    text = re.sub(r"<[^>]+>", "", lines[line - 1]) if 0 < line <= len(lines) else ""
    return text.strip()[:120]


def template_variables(docx_bytes: bytes, env: DocumentSandbox | None = None) -> set[str]:
    """Top-level names the template reads from its context (body, headers, footers, footnotes,
    core properties). Parses only, never renders."""
    env = env or make_environment("en")
    names = DocxTemplate(io.BytesIO(docx_bytes)).get_undeclared_template_variables(jinja_env=env)
    # docxtpl also renders footnotes and core properties but does not list their variables
    for part in template_parts(docx_bytes):
        if "footnotes" in part.name or part.name.startswith("docProps/"):
            names |= meta.find_undeclared_variables(env.parse(part.source))
    return set(names)


ParsedParts = tuple[list[tuple[TemplatePart, nodes.Template]], list[TemplateProblem]]


def parse_parts(docx_bytes: bytes, env: DocumentSandbox | None = None) -> ParsedParts:
    """(part, AST) for every part that parses, and a syntax problem for every part that does not."""
    env = env or make_environment("en")
    parsed, problems = [], []
    for part in template_parts(docx_bytes):
        try:
            parsed.append((part, env.parse(part.source)))
        except TemplateSyntaxError as exc:
            problems.append(TemplateProblem("syntax", part.name, _paragraph(part, exc.lineno), exc.message or str(exc),
                                            _excerpt(part.source, exc.lineno)))
    return parsed, problems


def _paragraph(part: TemplatePart, line: int | None) -> int | None:
    if line is None or part.name.startswith("docProps/"):
        return line
    return max(line - 1, 1)  # line 1 is what precedes the first paragraph


def check_template(docx_bytes: bytes, env: DocumentSandbox | None = None) -> list[TemplateProblem]:
    """Everything that would make the template fail or be refused at render, found by parsing."""
    env = env or make_environment("en")
    parsed, problems = parse_parts(docx_bytes, env)
    for part, tree in parsed:
        problems.extend(static_problems(part, tree, env))
    return problems


def static_problems(part: TemplatePart, tree: nodes.Template, env: DocumentSandbox) -> list[TemplateProblem]:
    found = []

    def refuse(kind: str, node: nodes.Node, message: str) -> None:
        found.append(TemplateProblem(kind, part.name, _paragraph(part, node.lineno), message,
                                     _excerpt(part.source, node.lineno)))

    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else _const_str(node.arg)
        if name is not None and name.startswith("_"):
            refuse("unsafe", node, f"access to attribute {name!r} is not allowed")
    for node in tree.find_all(nodes.BinExpr):
        message = _refused_operator(node)
        if message:
            refuse("unsafe", node, message)
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        if isinstance(node, nodes.Filter) and node.name not in env.filters:
            available = ", ".join(sorted(env.filters))
            refuse("refused", node, f"unknown or refused filter {node.name!r}; available: {available}")
        if isinstance(node, nodes.Test) and node.name not in env.tests:
            refuse("refused", node, f"unknown test {node.name!r}")
    for node in tree.find_all(nodes.Call):
        refuse("unsafe", node, "function and method calls are not allowed in document templates; use a filter")
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        refuse("refused", node, "a document template cannot include, import or extend another template")
    for node in tree.find_all((nodes.Assign, nodes.AssignBlock)):
        refuse("refused", node, "{% set %} is not allowed in document templates; the data comes filled in")
    for node in tree.find_all(nodes.For):
        if _loop_depth(node) > MAX_LOOP_NESTING:
            refuse("refused", node, f"loops nested more than {MAX_LOOP_NESTING} deep are not allowed")
    return found


def _const_str(node: nodes.Node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def _refused_operator(node: nodes.BinExpr) -> str | None:
    if isinstance(node, nodes.Pow):
        return "the ** operator is not allowed"
    literal_sequence = (nodes.List, nodes.Tuple)
    operands = (node.left, node.right)
    literal = [o for o in operands if _const_str(o) is not None or isinstance(o, literal_sequence)]
    if isinstance(node, nodes.Mul) and literal:
        return "repeating a string or a list with * is not allowed"
    if isinstance(node, nodes.Mod) and _const_str(node.left) is not None:
        return "%-formatting is not allowed; use a filter"
    return None


def _loop_depth(node: nodes.For) -> int:
    """1 + the deepest loop inside this one's body (find_all also yields deeper loops: max is right)."""
    inner = []
    for child in node.body:
        inner.extend([child] if isinstance(child, nodes.For) else child.find_all(nodes.For))
    return 1 + max((_loop_depth(child) for child in inner), default=0)


__all__ = ["DocumentSandbox", "SecurityError", "TemplateProblem", "TemplatePart", "check_template", "format_nir",
           "make_environment", "parse_parts", "shared_environment", "template_parts", "template_variables"]
