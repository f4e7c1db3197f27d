"""Issue 16 item 3: the field schema declares what real templates use (lists of values, rows
inside rows, optional values left absent, indexing, {% with %}, sort/map/unique…, names with
capitals), bad data is refused naming its path, and the upload check refuses what the render
would refuse or never show."""

import io

import pytest
from docx import Document

from forms.fields import api_key, parse_fields, validate_values
from forms.rendering import context_from, render_docx
from forms.template_check import TemplateRefused, check_upload
from tests.documents import docx_bytes


def field(name, kind="text", **options):
    return {"name": name, "type": kind, "label_fr": f"Champ {name}", "label_partner": f"Field {name}", **options}


AUTHORS = field("authors", "rows", max_rows=5, columns=[
    field("name", max_length=60),
    field("books", "rows", max_rows=5, columns=[field("title", max_length=80), field("year", "number")]),
])
SKILLS = field("skills", "list", item="text", max_length=40, max_rows=10)
FIELDS = [AUTHORS, SKILLS, field("NomAssure", max_length=60), field("note", max_length=100),
          field("extension", "checkbox")]
DATA = {"authors": [{"name": "Zola", "books": [{"title": "Germinal", "year": 1885}, {"title": "Nana", "year": 1880}]},
                    {"name": "Andrić", "books": [{"title": "Na Drini ćuprija", "year": 1945}]}],
        "skills": ["soudure", "grutage", "soudure"], "nom_assure": "Petrović", "extension": False}
PARAGRAPHS = [
    "{% for a in authors|sort(attribute='name') %}{{ a.name }}:{% for b in a.books %} {{ b.title }} ({{ b.year }}){% endfor %};{% endfor %}",
    "{% for s in skills|unique %}[{{ s|title }}]{% endfor %} {{ skills|length }} {{ skills|first }} {{ skills|last }}",
    "Premier: {{ authors[0].name }}; titres: {{ authors[0].books|map(attribute='title')|join(', ') }}",
    "{% with first = authors[0] %}{{ first.name|upper }} {{ first.books|length }}{% endwith %}",
    "Assuré: {{ NomAssure|replace('ć', 'c')|trim }}",
    "Note: {{ note|default('aucune') }} / {% if note is none %}absente{% endif %} / [{{ note|upper }}]",
    "{% if extension %}prolongé{% else %}non prolongé{% endif %}",
]


def text_of(docx: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(docx)).paragraphs]


def test_a_template_using_real_features_is_accepted_and_renders_them():
    fields = parse_fields(FIELDS)
    template = docx_bytes(*PARAGRAPHS)
    checked = check_upload("t.docx", template, fields, "sr-Latn", 2**20)
    assert "authors[].books[].title" in checked.variables and "NomAssure" in checked.variables
    assert validate_values(fields, DATA) == {}
    assert text_of(render_docx(template, fields, DATA, "sr-Latn")) == [
        "Andrić: Na Drini ćuprija (1945);Zola: Germinal (1885) Nana (1880);",
        "[Soudure][Grutage] 3 soudure soudure",
        "Premier: Zola; titres: Germinal, Nana",
        "ZOLA 2",
        "Assuré: Petrovic",
        "Note: aucune / absente / []",
        "non prolongé",
    ]


def test_an_optional_value_the_data_does_not_give_is_none_not_empty_text():
    context = context_from(parse_fields(FIELDS), {})
    assert context["note"] is None and context["NomAssure"] is None
    assert context["skills"] == [] and context["authors"] == [] and context["extension"] is False


def test_the_api_key_is_the_name_in_lower_snake_case():
    assert api_key("NomAssure") == "nom_assure"
    assert api_key("worker.DateNaissance") == "worker.date_naissance"
    assert api_key("NIR") == "nir" and api_key("last_name") == "last_name"
    with pytest.raises(ValueError, match="used twice"):
        parse_fields([field("NomAssure"), field("nom_assure")])


@pytest.mark.parametrize(("data", "path", "words"), [
    ({"authors": [{"name": "A", "books": []}, {"name": "B", "books": [{"title": ["x"]}]}]},
     "authors[2].books[1].title", "single value"),
    ({"authors": [{"name": "A", "books": {"title": "x"}}]}, "authors[1].books", "list of rows"),
    ({"authors": ["Zola"]}, "authors[1]", "row with columns"),
    ({"skills": [["a", "b"]]}, "skills[1]", "single value"),
    ({"skills": "soudure"}, "skills", "list of values"),
    ({"NomAssure": ["Petrović"]}, "NomAssure", "single value"),
    ({"extension": "non"}, "extension", "true or false"),
])
def test_bad_data_is_refused_naming_its_path(data, path, words):
    errors = validate_values(parse_fields(FIELDS), data)
    assert path in errors and words in errors[path], errors


def test_rows_nest_two_levels_and_no_deeper():
    three = field("a", "rows", columns=[field("b", "rows", columns=[field("c", "rows", columns=[field("d")])])])
    with pytest.raises(ValueError, match="2 levels deep"):
        parse_fields([three])


def refusal(paragraph: str, fields: list[dict]) -> TemplateRefused:
    with pytest.raises(TemplateRefused) as refused:
        check_upload("t.docx", docx_bytes(paragraph), parse_fields(fields), "en", 2**20)
    return refused.value


def test_multiplying_a_text_is_refused_at_upload():
    problems = refusal("{{ body * 2 }}", [field("body", max_length=100)]).problems
    assert [p.kind for p in problems] == ["unsafe"] and "operator is for numbers" in problems[0].text


@pytest.mark.parametrize("tag", ["r", "p"])
def test_a_rich_text_tag_on_a_plain_field_is_refused_with_the_reason(tag):
    problems = refusal(f"Texte {{{{{tag} body}}}}", [field("body", max_length=100)]).problems
    assert len(problems) == 1 and f"{{{{{tag} …}}}}" in problems[0].text and "RichText" in problems[0].text
    assert "write {{ body }}" in problems[0].text and problems[0].line == 1


def test_map_takes_an_attribute_only():
    problems = refusal("{{ skills|map('upper')|join(',') }}", [SKILLS]).problems
    assert any("map takes an attribute only" in p.text for p in problems)


def new_version(client) -> str:
    created = client.post("/api/forms/SE-416-04/versions", json={"label": "2025-01"})
    assert created.status_code == 201, created.text
    return created.json()["url"]


def author_check(client, lang: str, paragraphs: list[str], fields: list[dict], url: str | None = None):
    import json
    return client.post(f"{url or new_version(client)}/template?dry_run=true&lang={lang}",
                       files={"file": ("modele.docx", docx_bytes("Titre", *paragraphs), DOCX)},
                       data={"fields": json.dumps(fields)})


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_dry_run_lists_each_paragraph_and_stores_and_audits_nothing(api_client_as, session):
    from sqlmodel import select

    from registry.models import AuditEntry
    legal = api_client_as("legal")
    url = new_version(legal)
    audited, before = len(session.exec(select(AuditEntry)).all()), legal.get(url).json()["template"]
    response = author_check(legal, "fr", ["{{ NomAssure }} {{ Prenom }}", "{{r note }}"],
                            [field("NomAssure", max_length=60), field("note", max_length=100), field("unused_one")],
                            url)
    assert response.status_code == 200, response.text[:500]
    report = response.json()
    assert report["accepted"] is False and report["verdict"] == "refusé"
    assert report["missing"] == ["Prenom"] and report["unused"] == ["unused_one"]
    first = next(t for t in report["tags"] if t["paragraph"] == 2)
    assert first["paths"] == {"NomAssure": "déclaré", "Prenom": "non déclaré"}
    assert len(report["refused"]) == 1 and "paragraphe 3" in report["refused"][0]
    assert "RichText" in report["refused"][0] and "{{ note }}" in report["refused"][0]
    session.expire_all()
    assert len(session.exec(select(AuditEntry)).all()) == audited  # a check changes nothing: nothing to audit
    assert legal.get(url).json()["template"] == before


def test_the_dry_run_accepts_what_the_upload_accepts(api_client_as):
    response = author_check(api_client_as("legal"), "en", PARAGRAPHS, FIELDS)
    assert response.status_code == 200, response.text[:500]
    assert response.json()["accepted"] is True, response.json()
    assert response.json()["verdict"] == "accepted"
