"""Hostile templates (issue 13, "Why" 5 and 6): each is refused when uploaded, with the part and
paragraph named in the reader's language, without a traceback or an error in the log; what is
accepted renders at its worst within the budget the check computed."""

import io
import json
import zipfile

import pytest
from sqlmodel import select

from forms.catalog_loader import catalog_folders, read_manifest
from forms.field_bounds import context_shape, longest_values
from forms.fields import parse_fields, validate_values
from forms.rendering import render_docx
from forms.template_check import TemplateRefused
from forms.trial_render import LONGEST_VALUES, checked_in_workers
from registry.documents.sandbox import RENDER_BUDGET, make_environment
from registry.documents.template_budget import measure
from registry.documents.template_rules import check_template, parse_parts
from registry.documents.workers import RenderTimeout
from registry.models import AuditEntry
from tests.documents import docx_bytes
from tests.hostile_files import HOSTILE_TEMPLATES, text_field

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(writer, paragraphs: list[str], fields: list[dict], lang: str = "en"):
    created = writer.post("/api/forms/SE-416-04/versions", json={"label": "2025-01"})
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    return url, writer.put(f"{url}/template?lang={lang}", headers={"If-Match": '"1"'},
                           files={"file": ("modele.docx", docx_bytes("Titre", *paragraphs), DOCX)},
                           data={"fields": json.dumps(fields)})


@pytest.mark.parametrize("case", list(HOSTILE_TEMPLATES))
def test_a_hostile_template_is_refused_at_upload(api_client_as, session, no_errors_logged, case):
    paragraphs, words = HOSTILE_TEMPLATES[case]
    legal = api_client_as("legal")
    url, response = upload(legal, paragraphs, [text_field()])
    assert response.status_code == 422, response.text[:500]
    detail = response.json()["detail"]
    assert "word/document.xml, paragraph 2" in detail and words in detail and "Traceback" not in detail
    french = legal.put(f"{url}/template?lang=fr", headers={"If-Match": '"1"'},
                       files={"file": ("modele.docx", docx_bytes("Titre", *paragraphs), DOCX)},
                       data={"fields": json.dumps([text_field()])})
    assert french.status_code == 422 and "word/document.xml, paragraphe 2" in french.json()["detail"]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "form_version.template")).all() == []


def test_loops_over_short_values_and_rows_are_accepted(api_client_as):
    """The budget refuses growth, not loops: rows iterate freely, short texts join."""
    rows = {"name": "periods", "type": "rows", "label_fr": "Périodes", "label_partner": "Periodi", "max_rows": 30,
            "columns": [text_field("employer", 120)]}
    paragraphs = ["{% for p in periods %}{{ p.employer|upper }} {{ loop.index }}/{{ loop.length }}{% endfor %}",
                  "{{ code|join(', ') }} {{ (code ~ ' ' ~ code)|truncate(20) }}"]
    _, response = upload(api_client_as("legal"), paragraphs, [rows, text_field("code", 40)])
    assert response.status_code == 200, response.text[:500]


def test_a_value_longer_than_its_field_allows_is_refused_before_any_render(api_client_as):
    caisse = api_client_as("caisse")
    data = json.loads((catalog_folders()[0] / "sample.json").read_text(encoding="utf-8"))
    data["worker"]["last_name"] = "x" * 30_000
    response = caisse.post(f"/api/forms/{catalog_folders()[0].name}/documents?lang=en&on=2024-01-15", json=data)
    assert response.status_code == 422
    assert {"field": "worker.last_name", "message": "30000 characters; at most 80"}.items() <= \
        next(e for e in response.json()["errors"] if e["field"] == "worker.last_name").items()


def test_a_template_that_fails_with_the_longest_values_is_refused(api_client_as, no_errors_logged):
    """Statically fine, but a date filter on a text field: the trial render finds it."""
    _, response = upload(api_client_as("legal"), ["{{ x|date_fr }}"], [text_field(max_length=40)])
    assert response.status_code == 422
    assert "rendered with the longest values its fields allow, the template fails: ValueError" in \
        response.json()["detail"]


class SlowPool:
    """Stands for a render pool whose trial renders pass the time limit (the mapping, not the clock)."""

    timeout = 20

    def run(self, function, *args, key=""):
        if function.__name__ == "trial_render" and args[2]:  # the longest values (args: template, fields, data…)
            raise RenderTimeout("rendering took longer than %(seconds)s s and was stopped", seconds="20")
        return function(*args)


def test_a_trial_render_past_the_time_limit_refuses_the_template():
    check = checked_in_workers(SlowPool())
    with pytest.raises(TemplateRefused) as refused:
        check("t.docx", docx_bytes("{{ x }}"), parse_fields([text_field()]), "sr-Latn", 2**20)
    assert refused.value.params["values"].msgid == LONGEST_VALUES
    assert "took longer than 20 s, the limit of one render" in str(refused.value)


def catalog_docx_versions():
    for folder in catalog_folders():
        manifest = read_manifest(folder)
        for entry in manifest.versions:
            if entry.template.suffix == ".docx":
                yield pytest.param(manifest, entry, id=f"{folder.name}-v{entry.number}")


@pytest.mark.parametrize("manifest,entry", list(catalog_docx_versions()))
def test_every_catalog_template_renders_its_worst_within_the_bound(manifest, entry):
    """The longest values are valid data; the render succeeds; the rendered XML is no longer than
    the bound the budget computed (which the budget keeps under RENDER_BUDGET)."""
    data, fields, language = entry.template.read_bytes(), entry.fields, manifest.form["partner_language"]
    worst = longest_values(fields)
    assert validate_values(fields, worst) == {}
    assert check_template(data, make_environment(language), shapes=context_shape(fields)) == []
    parsed, _ = parse_parts(data, make_environment(language))
    bound = sum(measure(tree, context_shape(fields))[0] for _, tree in parsed)
    rendered = render_docx(data, fields, worst, language)
    with zipfile.ZipFile(io.BytesIO(rendered)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert len(xml) <= bound <= RENDER_BUDGET
