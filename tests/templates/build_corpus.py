"""Builds the template corpus of tests/test_template_corpus.py: realistic DOCX templates made
with python-docx (reproducible: `python tests/templates/build_corpus.py`), each with its
fields.toml, its data (for the accepted ones) and its expected verdict in manifest.toml.

Features: tables whose rows loop ({%tr %}), conditional paragraphs ({%p %}), merged cells,
headers and footers, cell colours, French and the partner language side by side, right-to-left
Arabic, lists of values, rows inside rows, {% with %}, indexing, the safe filters. python-docx
cannot write footnotes, so none of these has one (the upload check reads footnotes all the same)."""

import json
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

HERE = Path(__file__).parent


def field(name, kind="text", **options):
    return {"name": name, "type": kind, "label_fr": f"Champ {name}", "label_partner": f"Field {name}", **options}


def shade(cell, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), colour)
    properties.append(shading)


def right_to_left(paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
    for run in paragraph.runs:
        run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))


def loop_table(document, headers: list[str], loop: str, cells: list[str], colour: str = "D9E2F3"):
    """A header row, a {%tr for %} row, the row of cells, a {%tr endfor %} row."""
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        shade(cell, colour)
    table.rows[1].cells[0].text = f"{{%tr for {loop} %}}"
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    return table


def side_by_side(document, french: str, partner: str) -> None:
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = french, partner


def doc(*paragraphs: str, header: str | None = None, footer: str | None = None):
    document = Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    for text in paragraphs:
        document.add_paragraph(text)
    return document


AUTHORS = field("authors", "rows", max_rows=5, columns=[field("name", max_length=60), field(
    "books", "rows", max_rows=6, columns=[field("title", max_length=80), field("year", "number", max_length=4)])])
AUTHORS_DATA = [{"name": "Zola", "books": [{"title": "Germinal", "year": 1885}, {"title": "Nana", "year": 1880}]},
                {"name": "Andrić", "books": [{"title": "Na Drini ćuprija", "year": 1945}]}]
SKILLS = field("skills", "list", item="text", max_length=40, max_rows=10)
PERIODS = field("periods", "rows", max_rows=12, columns=[field("employer", max_length=120), field("start", "date"),
                                                         field("end", "date")])
PERIODS_DATA = [{"employer": "Renault", "start": "2019-01-01", "end": "2020-06-30"},
                {"employer": "Zastava", "start": "2020-07-01", "end": "2022-12-31"}]
WORKER = [field("worker.last_name", max_length=60, required=True), field("worker.first_name", max_length=60)]
WORKER_DATA = {"worker": {"last_name": "Petrović", "first_name": "Ana"}}


def c01():
    d = doc("Certificat de détachement / Potvrda o upućivanju", "Nom / Prezime : {{ worker.last_name|upper }}",
            "{%p if worker.first_name %}", "Prénom / Ime : {{ worker.first_name }}", "{%p endif %}",
            header="SE 121-01", footer="Caisse nationale — {{ worker.last_name }}")
    return d, WORKER, WORKER_DATA


def c02():
    d = doc("Périodes d'emploi / Periodi di occupazione")
    loop_table(d, ["Employeur", "Début", "Fin"], "p in periods",
               ["{{ p.employer }}", "{{ p.start|date_fr }}", "{{ p.end|date_partner }}"])
    return d, [PERIODS], {"periods": PERIODS_DATA}


def c03():
    d = doc("Bibliographie")
    d.add_paragraph("{% for a in authors %}{{ a.name }} :{% for b in a.books %} {{ b.title }} ({{ b.year }}),"
                    "{% endfor %} {% endfor %}")
    return d, [AUTHORS], {"authors": AUTHORS_DATA}


def c04():
    d = doc("Compétences : {% for s in skills %}{{ s }}{% if not loop.last %}, {% endif %}{% endfor %}",
            "Nombre : {{ skills|length }}")
    return d, [SKILLS], {"skills": ["soudure", "grutage", "peinture"]}


def c05():
    d = doc("Auteurs triés")
    loop_table(d, ["Auteur", "Titres", "Années"], "a in authors|sort(attribute='name')",
               ["{{ a.name }}", "{{ a.books|map(attribute='title')|join(', ') }}",
                "{{ a.books|map(attribute='year')|join('/') }}"])
    return d, [AUTHORS], {"authors": AUTHORS_DATA}


def c06():
    d = doc("Premier auteur : {{ authors[0].name }}, premier titre : {{ authors[0].books[0].title }}",
            "{% with last = authors|last %}Dernier : {{ last.name|title }} ({{ last.books|length }}, "
            "{{ last.books[0].year }}){% endwith %}")
    return d, [AUTHORS], {"authors": AUTHORS_DATA}


def c07():
    d = doc("Assuré : {{ NomAssure }} {{ PrenomAssure|default('—') }}", footer="{{ NomAssure|upper }}")
    return d, [field("NomAssure", max_length=60), field("PrenomAssure", max_length=60)], {"nom_assure": "Ben Ali"}


def c08():
    d = doc("Observations : {{ note|default('aucune') }}", "{% if note is none %}Sans observation{% endif %}")
    return d, [field("note", max_length=500)], {}


def c09():
    d = doc("Pièces")
    side_by_side(d, "{% for s in skills|unique %}• {{ s|capitalize }} {% endfor %}",
                 "{% for s in skills|sort %}• {{ s|upper }} {% endfor %}")
    return d, [SKILLS], {"skills": ["passeport", "bulletin", "passeport"]}


def c10():
    d = doc("Certificat / شهادة")
    rtl = d.add_paragraph("الاسم: {{ worker.last_name }}")
    right_to_left(rtl)
    side_by_side(d, "Nom : {{ worker.last_name }} {{ worker.first_name }}",
                 "الاسم الشخصي: {{ worker.first_name }}")
    return d, WORKER, WORKER_DATA


def c11():
    d = doc("Tableau fusionné")
    table = d.add_table(rows=2, cols=3)
    table.style = "Table Grid"
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "{{ worker.last_name }} — {{ worker.first_name }}"
    shade(merged, "FFF2CC")
    table.cell(1, 0).text, table.cell(1, 1).text, table.cell(1, 2).text = "A", "{{ code|trim }}", "C"
    return d, WORKER + [field("code", max_length=20)], {**WORKER_DATA, "code": " 121 "}


def c12():
    d = doc("{% for a in authors %}", "{{ a.name }}", "{% for b in a.books|sort(attribute='year') %}",
            "— {{ b.year }} : {{ b.title|replace('ć', 'c') }}", "{% endfor %}", "{% endfor %}")
    return d, [AUTHORS], {"authors": AUTHORS_DATA}


def c13():
    d = doc("Prolongation : {{ extension|box }} / Produženje", "{%p if extension %}", "Jusqu'au {{ until|date_fr }}",
            "{%p endif %}", header="{{ worker.last_name }}")
    fields = [WORKER[0], field("extension", "checkbox"), field("until", "date")]
    return d, fields, {**WORKER_DATA, "extension": True, "until": "2026-12-31"}


def c14():
    d = doc("Montant : {{ amount|number_fr }} € / {{ amount|number_partner }}", "Pays : {{ country|country_fr }}")
    return d, [field("amount", "number"), field("country", "country")], {"amount": "1234.5", "country": "RS"}


def c15():
    d = doc("Langues : {{ skills|join(' · ') }}", "Première : {{ skills|first }}, dernière : {{ skills|last }}")
    return d, [SKILLS], {"skills": ["français", "srpski", "العربية"]}


def c16():
    d = doc("Répétition : {{ body * 2 }}")
    return d, [field("body", max_length=200)], None


def c17():
    d = doc("Texte riche : {{r body }}")
    return d, [field("body", max_length=200)], None


def c18():
    d = doc("Sous-document :", "{{p annex }}")
    return d, [field("annex", max_length=200)], None


def c19():
    d = doc("{% set total = 3 %}Total : {{ total }}")
    return d, [], None


def c20():
    d = doc("Appel : {{ worker.last_name.upper() }}")
    return d, WORKER, None


def c21():
    d = doc("Nom : {{ worker.last_name }}", "Date : {{ signature_date }}")
    return d, WORKER, None


def c22():
    d = doc("Nom : {{ worker.last_name }}")
    return d, WORKER + [field("never_printed")], None


def c23():
    d = doc("{% for a in authors %}{% for b in a.books %}{% for c in b.title %}{{ c }}{% endfor %}{% endfor %}{% endfor %}")
    return d, [AUTHORS], None


def c24():
    d = doc("{% macro sig(n) %}{{ n }}{% endmacro %}Signature")
    return d, [], None


def c25():
    d = doc("Filtre : {{ skills|map('upper')|join(', ') }}")
    return d, [SKILLS], None


def c26():
    d = doc("{{ worker.__class__ }}")
    return d, WORKER, None


def c27():
    d = doc("Récapitulatif", header="{{ worker.last_name }} / {{ worker.first_name }}", footer="Page — SE 121-01")
    loop_table(d, ["Employeur", "Du", "Au"], "p in periods", ["{{ p.employer }}", "{{ p.start }}", "{{ p.end }}"],
               colour="E2EFDA")
    side_by_side(d, "Fait à Paris", "Sastavljeno u Beogradu")
    return d, WORKER + [PERIODS], {**WORKER_DATA, "periods": PERIODS_DATA}


# name -> (builder, verdict, the words of the refusal in English)
CORPUS = {
    "01-header-footer-conditional": (c01, "accepted", ""),
    "02-table-row-loop-dates": (c02, "accepted", ""),
    "03-rows-in-rows": (c03, "accepted", ""),
    "04-list-of-values": (c04, "accepted", ""),
    "05-sorted-table-map": (c05, "accepted", ""),
    "06-index-and-with": (c06, "accepted", ""),
    "07-capitalised-names": (c07, "accepted", ""),
    "08-optional-default-is-none": (c08, "accepted", ""),
    "09-two-languages-unique-sort": (c09, "accepted", ""),
    "10-right-to-left-arabic": (c10, "accepted", ""),
    "11-merged-coloured-cells": (c11, "accepted", ""),
    "12-nested-paragraph-loops": (c12, "accepted", ""),
    "13-checkbox-conditional-paragraph": (c13, "accepted", ""),
    "14-numbers-countries": (c14, "accepted", ""),
    "15-join-first-last": (c15, "accepted", ""),
    "16-text-times-two": (c16, "refused", "operator is for numbers"),
    "17-rich-text-tag": (c17, "refused", "RichText or Subdoc"),
    "18-subdoc-tag": (c18, "refused", "RichText or Subdoc"),
    "19-set": (c19, "refused", "{% set %} is not allowed"),
    "20-method-call": (c20, "refused", "calls are not allowed"),
    "21-undeclared-variable": (c21, "refused", "read by the template, not declared: signature_date"),
    "22-unused-field": (c22, "refused", "declared, not read by the template: never_printed"),
    "23-three-nested-loops": (c23, "refused", "loops nested more than 2 deep"),
    "24-macro": (c24, "refused", "{% macro %} is not allowed"),
    "25-map-filter-name": (c25, "refused", "map takes an attribute only"),
    "26-dunder-attribute": (c26, "refused", "access to attribute '__class__'"),
    "27-everything-together": (c27, "accepted", ""),
}


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"


def fields_toml(fields: list[dict]) -> str:
    return "".join("[[fields]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in f.items()) + "\n"
                   for f in fields)


def build() -> None:
    manifest = []
    for name, (builder, verdict, words) in CORPUS.items():
        document, fields, data = builder()
        properties = document.core_properties
        properties.author, properties.created, properties.modified = "registry", datetime(2026, 1, 1), datetime(2026, 1, 1)
        document.save(HERE / f"{name}.docx")
        (HERE / f"{name}.fields.toml").write_text(fields_toml(fields), encoding="utf-8")
        if data is not None:
            (HERE / f"{name}.data.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                                    encoding="utf-8")
        manifest.append(f"[[template]]\nname = {toml_value(name)}\nverdict = {toml_value(verdict)}\n"
                        f"reason = {toml_value(words)}\n")
    (HERE / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")


if __name__ == "__main__":
    build()
