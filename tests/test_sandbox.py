"""The document sandbox: malicious templates are refused when uploaded (static check) and when
rendered (the sandbox itself). Each payload test renders through the same environment the
application uses, so replacing it with docxtpl's default environment makes these tests fail;
the control test shows what that default environment would have let through."""

import io
import time

import pytest
from docx import Document
from docxtpl import DocxTemplate
from jinja2 import UndefinedError
from jinja2.sandbox import SecurityError

from forms.fields import FieldSpec
from forms.rendering import render_docx
from registry.documents.sandbox import DocumentSandbox, make_environment, shared_environment
from registry.documents.template_rules import check_template, template_parts, template_variables
from tests.documents import docx_bytes

PAYLOADS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ 'x' * 100000000 }}",
]


def render(docx: bytes, context: dict, partner: str = "sr-Latn") -> str:
    """Render with the application's environment; the document's text."""
    tpl = DocxTemplate(io.BytesIO(docx))
    tpl.render(context, jinja_env=shared_environment(partner), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return "\n".join(p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs)


def test_the_environment_is_a_sandbox():
    env = make_environment("sr-Latn")
    assert isinstance(env, DocumentSandbox) and env.sandboxed and env.autoescape is True
    assert env.globals == {}  # no cycler, joiner, lipsum, range, namespace, dict


def test_a_template_is_compiled_once_per_environment_and_never_mixed_up(monkeypatch):
    env = make_environment("sr-Latn")
    compiled = []
    real_compile = env.compile
    monkeypatch.setattr(env, "compile", lambda source, *a, **k: compiled.append(source) or real_compile(source, *a, **k))
    first, second = "<w:t>{{ a }}</w:t>", "<w:t>{{ a }} et {{ a }}</w:t>"
    renders = [env.from_string(source).render(a="Đorđe & Fils") for source in (first, first, second, first)]
    assert renders == ["<w:t>Đorđe &amp; Fils</w:t>", "<w:t>Đorđe &amp; Fils</w:t>",
                       "<w:t>Đorđe &amp; Fils et Đorđe &amp; Fils</w:t>", "<w:t>Đorđe &amp; Fils</w:t>"]
    assert compiled == [first, second]
    assert shared_environment("sr-Latn") is shared_environment("sr-Latn") is not shared_environment("ar")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_malicious_template_is_refused_at_upload(payload):
    problems = check_template(docx_bytes("Nom : {{ worker.last_name }}", payload))
    assert problems and all(p.kind == "unsafe" and p.part == "word/document.xml" and p.line == 2 for p in problems)
    assert payload.strip("{} ") in problems[0].excerpt


@pytest.mark.parametrize("payload", PAYLOADS)
def test_malicious_template_is_refused_at_render(payload):
    started = time.monotonic()
    with pytest.raises(SecurityError):
        render(docx_bytes(payload), {})
    assert time.monotonic() - started < 2  # refused before 100 MB of 'x' are built


def test_malicious_template_is_refused_by_the_render_of_the_forms_package():
    with pytest.raises(SecurityError):
        render_docx(docx_bytes(PAYLOADS[0]), [], {}, "pt-BR")


def test_control_docxtpl_default_environment_would_render_the_payload():
    """Without the sandbox the first payload reaches Python's class hierarchy (the road to os)."""
    tpl = DocxTemplate(io.BytesIO(docx_bytes(PAYLOADS[0])))
    tpl.render({}, autoescape=True)  # docxtpl's own jinja2.Environment, not sandboxed
    out = io.BytesIO()
    tpl.save(out)
    assert "class 'object'" in Document(io.BytesIO(out.getvalue())).paragraphs[0].text


@pytest.mark.parametrize("source,value", [
    ("{{ name * 100000000 }}", "x"),  # the string comes from the data: only the sandbox can see it
    ("{{ items * 100000000 }}", ["x"]),
    ("{{ n ** n }}", 10),
    ("{{ fmt % n }}", "%099999999d"),
    ("{{ name.center(100000000) }}", "x"),
])
def test_operators_and_calls_on_data_are_refused_at_render(source, value):
    with pytest.raises(SecurityError):
        render(docx_bytes(source), {"name": value, "items": value, "n": value, "fmt": value})


@pytest.mark.parametrize("source,needle", [
    ("{{ '%099999999d' % 1 }}", "the % operator is for numbers"),
    ("{{ fmt % n }}", "the % operator is for numbers"),  # a value of the data can be text
    ("{{ 2 ** 1000000 }}", "**"),
    ("{{ ['x'] * 100000000 }}", "the * operator is for numbers"),
    ("{{ name * 100000000 }}", "the * operator is for numbers"),
    ("{{ name.center(100000000) }}", "calls are not allowed"),
    ("{{ name|center(100000000) }}", "refused filter 'center'"),
    ("{{ name|attr('__class__') }}", "refused filter 'attr'"),
    ("{{ name|safe }}", "refused filter 'safe'"),
    ("{{ name['__class__'] }}", "'__class__'"),
    ("{% set a = name %}", "{% set %}"),
    ("{% macro m() %}x{% endmacro %}", "{% macro %}"),
    ("{% filter upper %}{{ name }}{% endfilter %}", "{% filter %}"),
    ("{% autoescape false %}{{ name }}{% endautoescape %}", "{% autoescape %}"),
    ("{% for a in x recursive %}{{ a }}{% endfor %}", "recursive"),
    ("{{ 1|round(100000000, 'floor') }}", "round takes a precision"),
    ("{{ n|round(p) }}", "round takes a precision"),
    ("{% include 'other.xml' %}", "include"),
    ("{% for a in x %}{% for b in x %}{% for c in x %}.{% endfor %}{% endfor %}{% endfor %}", "nested"),
])
def test_static_check_refuses_what_could_exhaust_or_escape(source, needle):
    problems = check_template(docx_bytes(source))
    assert any(needle in p.text for p in problems), [str(p) for p in problems]


def test_syntax_errors_are_reported_with_part_paragraph_and_text():
    docx = docx_bytes("Titre", "Nom : {{ worker.last_name }}", "{% if worker.married %}Marié{% endif", "Fin")
    (problem,) = check_template(docx)
    assert (problem.kind, problem.part, problem.line) == ("syntax", "word/document.xml", 3)
    assert "{% if worker.married %}Marié{% endif" in problem.excerpt
    assert "word/document.xml, paragraph 3" in str(problem)


def test_paragraph_numbers_count_paragraphs_removed_by_docxtpl_tags():
    docx = docx_bytes("{%p if a %}", "oui", "{%p endif %}", "{{ x.__class__ }}")
    (problem,) = check_template(docx)
    assert problem.line == 4


def test_headers_footers_and_core_properties_are_checked_and_listed():
    document = Document()
    document.add_paragraph("{{ body_value }}")
    document.sections[0].header.paragraphs[0].text = "{{ header_value }}"
    document.sections[0].footer.paragraphs[0].text = "{{ footer_value.__class__ }}"
    document.core_properties.title = "{{ title_value }}"
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    assert {p.name for p in template_parts(data)} >= {"word/document.xml", "docProps/core.xml:title"}
    (problem,) = check_template(data)
    assert problem.part.startswith("word/footer") and "'__class__'" in problem.text
    document.sections[0].footer.paragraphs[0].text = "{{ footer_value }}"
    buffer = io.BytesIO()
    document.save(buffer)
    assert template_variables(buffer.getvalue()) == {"body_value", "header_value", "footer_value", "title_value"}


def test_values_are_escaped_not_dropped():
    text = render(docx_bytes("{{ name }}"), {"name": "Dupont & Fils <SARL> \"Đorđe\""})
    assert text == "Dupont & Fils <SARL> \"Đorđe\""


def test_undefined_names_fail_instead_of_printing_nothing():
    with pytest.raises(UndefinedError):
        render(docx_bytes("{{ missing }}"), {})


@pytest.mark.parametrize("partner,expected", [
    ("sr-Latn", "1er décembre 2023 | 1. decembar 2023. | Serbie | Srbija"),
    ("pt-BR", "1er décembre 2023 | 1º de dezembro de 2023 | Serbie | Sérvia"),
    ("ar-MA", "1er décembre 2023 | 1 دجنبر 2023 | Serbie | صربيا"),
])
def test_filters_write_each_language_explicitly(partner, expected):
    source = "{{ d|date_fr }} | {{ d|date_partner }} | {{ c|country_fr }} | {{ c|country_partner }}"
    assert render(docx_bytes(source), {"d": "2023-12-01", "c": "RS"}, partner) == expected


def test_box_nir_and_number_filters():
    source = "{{ yes|box }}{{ no|box }} {{ nir|nir }} {{ n|number_fr }} / {{ n|number_partner }}"
    text = render(docx_bytes(source), {"yes": True, "no": False, "nir": "184127505612355", "n": 1234.5}, "pt-BR")
    assert text == "☒☐ 1 84 12 75 056 123 55 1\u202f234,5 / 1.234,5"


def test_docxtpl_table_row_loops_work_in_the_sandbox():
    document = Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for row in periods %}"
    table.cell(1, 0).text = "{{ row.start|date_fr('short') }}"
    table.cell(1, 1).text = "{{ row.kind }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    buffer = io.BytesIO()
    document.save(buffer)
    fields = [FieldSpec(name="periods", type="rows", label_fr="Périodes", label_partner="Periodi", columns=[
        FieldSpec(name="start", type="date", label_fr="Du", label_partner="Od"),
        FieldSpec(name="kind", type="text", label_fr="Nature", label_partner="Vrsta")])]
    rendered = render_docx(buffer.getvalue(), fields, {"periods": [{"start": "2001-02-03", "kind": "salariat"},
                                                                    {"start": "2004-05-06", "kind": "chômage"}]}, "sr-Latn")
    rows = Document(io.BytesIO(rendered)).tables[0].rows
    assert [[c.text for c in r.cells] for r in rows] == [["03/02/2001", "salariat"], ["06/05/2004", "chômage"]]
