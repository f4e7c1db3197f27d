"""The catalog of forms the project ships: every template renders its sample, every label is
bilingual, the seed loads it once, and `registry forms check` says the same from the command line."""

import io
import re

import pypdf
import pytest
from click.testing import CliRunner
from docx import Document
from sqlmodel import select

from forms.catalog_loader import (catalog_folders, catalog_root, check_catalog, check_version, load_catalog,
                                  read_manifest)
from forms.fields import FieldType
from forms.models import Form, FormValidation, FormVersion
from forms.rendering import render_sample
from registry.cli import main as cli
from registry.composition import seed

VERSIONS = [(folder.name, entry.number) for folder in catalog_folders() for entry in read_manifest(folder).versions]


def manifest_version(folder: str, number: int):
    manifest = read_manifest(catalog_root() / folder)
    return manifest, next(v for v in manifest.versions if v.number == number)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def test_the_catalog_holds_what_the_issue_asks_for():
    manifests = [read_manifest(f) for f in catalog_folders()]
    serbian = [m for m in manifests if m.form["country"] == "RS"]
    # the report: 32 liaison forms for the 2014 agreement, 31 validated in October 2023, one still pending
    assert sorted(m.code for m in serbian) == [f"SE 121-{n:02d}" for n in range(1, 33)]
    assert all(m.form["instrument"] == "2014-11-06-accord" for m in serbian)
    drafts = [m.code for m in serbian if m.versions[-1].status == "draft"]
    assert drafts == ["SE 121-05"]
    for manifest in serbian:
        if manifest.code == "SE 121-05":
            continue
        first, a4 = manifest.versions  # the version of December 2023, and the same form on A4 from December 2026
        assert (first.status, first.valid_from.isoformat(), first.valid_until.isoformat()) == (
            "superseded", "2023-12-01", "2026-11-30"), manifest.code
        assert {(v["side"], v["validated_on"].isoformat()) for v in first.validations} == {
            ("france", "2023-10-20"), ("partner", "2023-10-20")}, manifest.code
        assert (a4.status, a4.valid_from.isoformat(), a4.layout) == ("published", "2026-12-01", "a4"), manifest.code
        assert a4.raw_fields == first.raw_fields, manifest.code
    assert {m.form["partner_language"] for m in manifests} >= {"sr-Latn", "pt-BR", "ar-MA"}
    assert any(v.template.suffix == ".pdf" for m in manifests for v in m.versions)
    brazil_claim = next(m for m in manifests if m.code == "SE 416-04")
    assert [(v.status, v.valid_from and v.valid_from.isoformat(), v.valid_until and v.valid_until.isoformat())
            for v in brazil_claim.versions] == [("superseded", "2014-09-01", "2023-08-31"),
                                                ("superseded", "2023-09-01", "2026-11-30"),
                                                ("published", "2026-12-01", None)]


def test_unconfirmed_codes_are_marked():
    for folder in catalog_folders():
        form = read_manifest(folder).form
        assert form.get("note"), folder.name
        if form["country"] == "RS":  # form_codes.md: the Serbian codes were not found
            assert form["code_confirmed"] is False and form["illustrative"] is True


@pytest.mark.parametrize("folder,number", VERSIONS)
def test_every_catalog_template_renders_its_sample(folder, number):
    manifest, entry = manifest_version(folder, number)
    result = check_version(manifest, entry)
    assert result.ok, result.problems
    rendered = render_sample(entry.template.read_bytes(), entry.fields, entry.sample_data(),
                             manifest.form["partner_language"])
    sample = entry.sample_data()
    if entry.template.suffix == ".docx":
        text = docx_text(rendered)
        assert "{{" not in text and "{%" not in text
        for spec in entry.fields:
            if spec.type == FieldType.text and isinstance(_get(sample, spec.name), str):
                assert _get(sample, spec.name) in text, spec.name
    else:
        values = {name: field.get("/V") for name, field in pypdf.PdfReader(io.BytesIO(rendered)).get_fields().items()}
        assert values["worker.last_name"] == sample["worker"]["last_name"]
        assert values["worker.birth_date"] == "04/03/1982"


def _get(data: dict, dotted: str):
    for key in dotted.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


@pytest.mark.parametrize("folder,number", VERSIONS)
def test_every_label_is_bilingual_and_in_its_script(folder, number):
    manifest, entry = manifest_version(folder, number)
    language = manifest.form["partner_language"]
    labels = [(f.label_fr, f.label_partner) for f in entry.fields]
    labels += [(c.label_fr, c.label_partner) for f in entry.fields for c in f.columns + f.choices]
    assert all(fr.strip() and partner.strip() for fr, partner in labels)
    partner_text = " ".join(p for _, p in labels) + manifest.form["title_partner"]
    if language.startswith("ar"):
        assert re.search("[\u0600-\u06ff]", partner_text) and not re.search("[A-Za-z]{4}", manifest.form["title_partner"])
    if language == "sr-Latn":
        assert set("čćđšž") & set(partner_text.lower()) and not re.search("[\u0400-\u04ff]", partner_text)


def test_arabic_runs_are_marked_right_to_left():
    manifest, entry = manifest_version("SE-350-07", 1)
    xml = Document(io.BytesIO(entry.template.read_bytes())).element.xml
    assert "<w:bidi/>" in xml and "<w:rtl/>" in xml and 'w:bidi="ar-MA"' in xml


def test_check_catalog_reports_a_broken_template(tmp_path):
    folder = tmp_path / "SE-121-01"
    folder.mkdir()
    source = catalog_root() / "SE-121-01"
    (folder / "form.toml").write_text((source / "form.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "sample.json").write_text('{"worker": {}}', encoding="utf-8")
    for name in ("template-v1.docx", "template.docx"):
        (folder / name).write_bytes((source / name).read_bytes()[:5000])
    results = check_catalog(tmp_path)
    assert len(results) == 2 and all(not r.ok and "damaged" in " ".join(r.problems) for r in results)


def test_registry_forms_check_command(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["forms", "check"])
    assert ok.exit_code == 0, ok.output
    assert f"{len(VERSIONS)} catalog versions checked and rendered" in ok.output
    empty = runner.invoke(cli, ["forms", "check", "--catalog", str(tmp_path)])
    assert empty.exit_code == 1 and "no form.toml" in empty.output


def test_seed_loads_the_catalog_once(session):
    forms = session.exec(select(Form)).all()
    assert len(forms) == len(catalog_folders())
    assert len(session.exec(select(FormVersion)).all()) == len(VERSIONS)
    assert load_catalog(session) == {} and seed(session) == {}


def test_seed_never_overwrites_an_edited_form(session):
    form = session.exec(select(Form).where(Form.code == "SE 121-01")).one()
    form.purpose = "Texte revu par la direction juridique"
    session.add(form)
    session.commit()
    seed(session)
    session.refresh(form)
    assert form.purpose == "Texte revu par la direction juridique"


def test_seeded_validations_name_bodies_and_the_meeting(session):
    version = session.exec(select(FormVersion).join(Form).where(Form.code == "SE 121-01", FormVersion.number == 1)).one()
    validations = session.exec(select(FormValidation).where(FormValidation.form_version_id == version.id)).all()
    assert {(v.side, v.body_name) for v in validations} == {("france", "Cleiss"),
                                                            ("partner", "Zavod za socijalno osiguranje")}
    assert all("Montreuil" in v.meeting_ref and v.content_sha256 == version.content_sha256 for v in validations)
    cleiss = next(v for v in validations if v.side == "france")
    assert cleiss.liaison_body_id is not None  # linked to the Cleiss row of the reference data
