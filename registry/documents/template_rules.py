"""The upload check of a DOCX template: the rule set of registry/documents/sandbox.py, decided
from the template alone, with each problem located (part, paragraph, the text near it).

`check_template` finds at upload what the sandbox would stop at render time, and more: syntax
errors, nesting past the limits (on the tokens, before Jinja's recursive parser sees them),
nodes outside the rule set, refused filters and operators, and, given the bounds of the
values (`shapes`), a render budget (registry/documents/template_budget.py). Call
`registry.uploads.inspect_docx` on untrusted bytes before anything here."""

import io
import re
from dataclasses import dataclass, field

from docx import Document
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, meta, nodes

from registry.documents import sandbox
from registry.documents.sandbox import DocumentSandbox, make_environment
from registry.labels import Message, mark

CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # what docxtpl renders
OPENING_TAGS = frozenset({"if", "for", "macro", "call", "filter", "with", "block", "autoescape", "trans"})
BRACKETS = {"(": ")", "[": "]", "{": "}"}
PREFIX_TOKENS = {("name", "not"), ("operator", "-"), ("operator", "+")}

SYNTAX = mark("syntax error: %(reason)s")
BLOCKS_TOO_DEEP = mark("blocks (if, for) nested more than %(max)s deep are not allowed")
BRACKETS_TOO_DEEP = mark("parentheses or brackets nested more than %(max)s deep are not allowed")
EXPRESSION_TOO_DEEP = mark("an expression of more than %(max)s nested operations or filters is not allowed")
UNSAFE_ATTRIBUTE = mark("access to attribute %(name)s is not allowed")
POWER = mark("the ** operator is not allowed")
UNKNOWN_FILTER = mark("unknown or refused filter %(name)s; available: %(available)s")
UNKNOWN_TEST = mark("unknown test %(name)s")
CALL = mark("function and method calls are not allowed in document templates; use a filter")
INCLUDE = mark("a document template cannot include, import or extend another template")
SET = mark("%(construct)s is not allowed in document templates; the data comes filled in")
CONSTRUCT = mark("%(construct)s is not allowed in document templates")
LOOPS_TOO_DEEP = mark("loops nested more than %(max)s deep are not allowed")
ROUND_PRECISION = mark("round takes a precision written in the template, from %(min)s to %(max)s")
MAP_ATTRIBUTE = mark("map takes an attribute only in document templates: map(attribute='name')")
RICH_TAG = mark("{{%(tag)s …}} inserts a RichText or Subdoc object, which no field gives; the plain value of "
                "%(name)s would never show: write {{ %(name)s }}")
STARRED_ARGUMENTS = mark("*args and **kwargs are not allowed in filter arguments")
AT_PARAGRAPH = mark("%(part)s, paragraph %(paragraph)s")
AT_PART = mark("%(part)s")
NEAR = mark("%(problem)s (near: %(excerpt)s)")

# node types the rule set allows; anything else is refused by name (CONSTRUCTS) or generically
# (a Scope only wraps {% autoescape %} or {% with %}, refused themselves)
ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.For, nodes.Expr, nodes.Keyword,
                 nodes.Pair, nodes.Operand, nodes.Scope, nodes.With)
REFUSED_CONSTRUCTS = {nodes.Macro: "{% macro %}", nodes.CallBlock: "{% call %}",
                      nodes.FilterBlock: "{% filter %}", nodes.Block: "{% block %}",
                      nodes.ScopedEvalContextModifier: "{% autoescape %}", nodes.EvalContextModifier: "{% autoescape %}",
                      nodes.ExprStmt: "{% do %}", nodes.Continue: "{% continue %}", nodes.Break: "{% break %}"}
REFUSED_EXPRESSIONS = (nodes.ContextReference, nodes.DerivedContextReference, nodes.EnvironmentAttribute,
                       nodes.ExtensionAttribute, nodes.ImportedName, nodes.InternalName, nodes.MarkSafe,
                       nodes.MarkSafeIfAutoescape, nodes.NSRef)


@dataclass(frozen=True)
class TemplateProblem:
    kind: str  # "syntax", "unsafe", "refused", "budget"
    part: str  # e.g. "word/document.xml", "docProps/core.xml:title"
    line: int | None  # paragraph number in a Word part (docxtpl puts each paragraph on a line)
    message: str  # a catalog msgid
    params: dict = field(default_factory=dict)
    excerpt: str = ""

    def where(self) -> Message:
        if self.line:
            return Message(AT_PARAGRAPH, {"part": self.part, "paragraph": self.line})
        return Message(AT_PART, {"part": self.part})

    def as_message(self) -> Message:
        """'word/document.xml, paragraph 3: <problem> (near: …)', translated where it is shown."""
        problem = Message(self.message, self.params)
        if self.excerpt:
            problem = Message(NEAR, {"problem": problem, "excerpt": self.excerpt})
        return Message("%(where)s: %(problem)s", {"where": self.where(), "problem": problem})

    @property
    def text(self) -> str:
        return str(Message(self.message, self.params))

    def __str__(self) -> str:
        return str(self.as_message())


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
            xml = tpl.xml_to_string(parse_xml(part.blob))  # whatever its encoding (inspect_docx parsed it)
            parts.append(TemplatePart(str(part.partname).lstrip("/"), _patched(tpl, xml)))
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


def _paragraph(part: TemplatePart, line: int | None) -> int | None:
    if line is None or part.name.startswith("docProps/"):
        return line
    return max(line - 1, 1)  # line 1 is what precedes the first paragraph


def problem_at(part: TemplatePart, kind: str, line: int | None, message: str, **params) -> TemplateProblem:
    return TemplateProblem(kind, part.name, _paragraph(part, line), message, params, _excerpt(part.source, line))


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
    """(part, AST) for every part that parses within the nesting limits, and a problem for every
    part that does not."""
    env = env or make_environment("en")
    parsed, problems = [], []
    for part in template_parts(docx_bytes):
        try:
            nesting = nesting_problem(part, env)
            if nesting:
                problems.append(nesting)
                continue
            tree = env.parse(part.source)
        except TemplateSyntaxError as exc:
            problems.append(problem_at(part, "syntax", exc.lineno, SYNTAX, reason=exc.message or str(exc)))
            continue
        except RecursionError:  # e.g. thousands of `not not …`: the tokens are flat, the parser is not
            problems.append(problem_at(part, "refused", None, EXPRESSION_TOO_DEEP, max=sandbox.MAX_EXPRESSION_DEPTH))
            continue
        deep = _too_deep(tree)
        if deep is not None:
            problems.append(problem_at(part, "refused", deep.lineno, EXPRESSION_TOO_DEEP,
                                       max=sandbox.MAX_EXPRESSION_DEPTH))
            continue
        parsed.append((part, tree))
    return parsed, problems


def nesting_problem(part: TemplatePart, env: DocumentSandbox) -> TemplateProblem | None:
    """Blocks and brackets counted on the token stream (iterative), before the recursive parser."""
    blocks, brackets, after_block_begin, prefixes = 0, [], False, 0
    for line, kind, value in env.lex(part.source):
        # `not not not …` and `- - - …` parse recursively too: count runs of prefix operators
        if (kind, value) in PREFIX_TOKENS:
            prefixes += 1
            if prefixes > sandbox.MAX_EXPRESSION_DEPTH:
                return problem_at(part, "refused", line, EXPRESSION_TOO_DEEP, max=sandbox.MAX_EXPRESSION_DEPTH)
        elif kind != "whitespace":
            prefixes = 0
        if kind == "block_begin":
            after_block_begin = True
            continue
        if after_block_begin and kind == "name":
            blocks += 1 if value in OPENING_TAGS else -1 if value.startswith("end") else 0
            if blocks > sandbox.MAX_BLOCK_NESTING:
                return problem_at(part, "refused", line, BLOCKS_TOO_DEEP, max=sandbox.MAX_BLOCK_NESTING)
        if kind != "whitespace":
            after_block_begin = False
        if kind == "operator" and value in BRACKETS:
            brackets.append(value)
            if len(brackets) > sandbox.MAX_BRACKET_NESTING:
                return problem_at(part, "refused", line, BRACKETS_TOO_DEEP, max=sandbox.MAX_BRACKET_NESTING)
        elif kind == "operator" and value in BRACKETS.values() and brackets:
            brackets.pop()
    return None


def _too_deep(tree: nodes.Node) -> nodes.Node | None:
    """The first node deeper than MAX_EXPRESSION_DEPTH + the block limit, found without recursion
    (a chain of 5,000 `~` parses iteratively but would make any recursive visitor overflow)."""
    limit = sandbox.MAX_EXPRESSION_DEPTH + 2 * sandbox.MAX_BLOCK_NESTING + 4
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return node
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return None


def check_template(docx_bytes: bytes, env: DocumentSandbox | None = None, shapes=None,
                   rich_values: bool = False) -> list[TemplateProblem]:
    """Everything that would make the template fail or be refused at render, found by parsing.
    `shapes`: the bounds of the context values (template_budget.Shape); with them, a template
    whose render could exceed the budget is refused too. `rich_values`: the context holds
    RichText made by code (the shipped meeting documents), so `{{r x}}` is allowed; a form's
    fields never give one."""
    from registry.documents.template_budget import budget_problems

    env = env or make_environment("en")
    parsed, problems = parse_parts(docx_bytes, env)
    for part, tree in parsed:
        problems.extend(static_problems(part, tree, env, rich_values))
    if not problems:  # operands of * and % always; the budget when the values are bounded
        problems.extend(budget_problems(parsed, shapes))
    return problems


PRINT = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
TEXT_OPEN, TEXT_CLOSE = re.compile(r"<w:t[ >]"), "</w:t>"


def rich_tag_problems(part: TemplatePart) -> list[TemplateProblem]:
    """`{{r x}}` and `{{p x}}`: docxtpl replaces the run (paragraph) around them by the value,
    which must then be Word XML (a RichText or Subdoc). A plain value lands outside any text
    element and Word never shows it, so the check refuses the tag wherever a print ends up
    outside a `<w:t>` once patched."""
    if part.name.startswith("docProps/"):
        return []
    found = []
    for number, line in enumerate(part.source.splitlines(), start=1):
        for match in PRINT.finditer(line):
            before = line[:match.start()]
            opened = max((m.end() for m in TEXT_OPEN.finditer(before)), default=-1)
            if opened < 0 or before.rfind(TEXT_CLOSE) > opened:
                tag = "p" if "<w:p" not in before else "r"
                found.append(problem_at(part, "refused", number, RICH_TAG, tag=tag, name=match.group(1).strip()))
    return found


def static_problems(part: TemplatePart, tree: nodes.Template, env: DocumentSandbox,
                    rich_values: bool = False) -> list[TemplateProblem]:
    found = [] if rich_values else rich_tag_problems(part)

    def refuse(kind: str, node: nodes.Node, message: str, **params) -> None:
        found.append(problem_at(part, kind, node.lineno, message, **params))

    for node in tree.find_all(nodes.Node):
        _check_node(node, env, refuse)
    for node in tree.find_all(nodes.For):
        if _loop_depth(node) > sandbox.MAX_LOOP_NESTING:
            refuse("refused", node, LOOPS_TOO_DEEP, max=sandbox.MAX_LOOP_NESTING)
    return found


def _check_node(node: nodes.Node, env: DocumentSandbox, refuse) -> None:
    if isinstance(node, (nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else _const_str(node.arg)
        if name is not None and name.startswith("_"):
            refuse("unsafe", node, UNSAFE_ATTRIBUTE, name=repr(name))
    elif isinstance(node, nodes.Pow):
        refuse("unsafe", node, POWER)
    elif isinstance(node, nodes.Filter):
        _check_filter(node, env, refuse)
    elif isinstance(node, nodes.Test) and node.name not in env.tests:
        refuse("refused", node, UNKNOWN_TEST, name=repr(node.name))
    elif isinstance(node, nodes.Call):
        refuse("unsafe", node, CALL)
    elif isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        refuse("refused", node, INCLUDE)
    elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
        refuse("refused", node, SET, construct="{% set %}")
    elif isinstance(node, nodes.For) and node.recursive:
        refuse("refused", node, CONSTRUCT, construct="a recursive loop")
    elif type(node) in REFUSED_CONSTRUCTS or isinstance(node, REFUSED_EXPRESSIONS):
        refuse("refused", node, CONSTRUCT, construct=REFUSED_CONSTRUCTS.get(type(node), type(node).__name__))
    elif not isinstance(node, ALLOWED_NODES):
        refuse("refused", node, CONSTRUCT, construct=type(node).__name__)


def _check_filter(node: nodes.Filter, env: DocumentSandbox, refuse) -> None:
    if node.name not in env.filters:
        refuse("refused", node, UNKNOWN_FILTER, name=repr(node.name), available=", ".join(sorted(env.filters)))
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        refuse("refused", node, STARRED_ARGUMENTS)
    if node.name == "map" and (node.args or [k.key for k in node.kwargs] not in (["attribute"], ["attribute", "default"],
                                                                                  ["default", "attribute"])):
        refuse("refused", node, MAP_ATTRIBUTE)
    if node.name == "round":
        precision = node.args[0] if node.args else next((k.value for k in node.kwargs if k.key == "precision"), None)
        value = precision.value if isinstance(precision, nodes.Const) else None if precision is not None else 0
        if not (isinstance(value, int) and not isinstance(value, bool)
                and abs(value) <= sandbox.ROUND_PRECISION_MAX):
            refuse("refused", node, ROUND_PRECISION, min=-sandbox.ROUND_PRECISION_MAX, max=sandbox.ROUND_PRECISION_MAX)


def _const_str(node: nodes.Node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def _loop_depth(node: nodes.For) -> int:
    """1 + the deepest loop inside this one's body (find_all also yields deeper loops: max is right)."""
    inner = []
    for child in node.body:
        inner.extend([child] if isinstance(child, nodes.For) else child.find_all(nodes.For))
    return 1 + max((_loop_depth(child) for child in inner), default=0)


__all__ = ["TemplatePart", "TemplateProblem", "check_template", "parse_parts", "problem_at", "template_parts",
           "template_variables"]
