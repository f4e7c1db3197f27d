"""Liaison forms and their public versions as open-data tables: metadata only (the template's
name, kind and sha256, the names of its fields), never the template bytes. Versions that were
never public (drafts, validated but unpublished, withdrawn) are staff material and left out."""

from sqlmodel import Session, select

from agreements.models import Instrument
from forms.models import Direction, Form, FormVersion
from forms.queries import PUBLIC_STATUSES, current_validations, validations_of
from registry.models import as_utc
from registry.opendata import Column, Table

C = Column
FORM_COLUMNS = [
    C("code", "string", "the form's code, e.g. SE 416-04", True), C("slug", "string", "the code in addresses", True),
    C("country_code", "string", "partner country (ISO 3166-1 alpha-2)", True),
    C("instrument_slug", "string", "the instrument it implements (with country_code, a key of instruments)", True),
    C("articles", "string", "articles implemented, as written"), C("title_fr", "string", "title in French", True),
    C("title_partner", "string", "title in the partner's language", True),
    C("partner_language", "string", "BCP 47 tag of the partner's language", True),
    C("risk", "string", "branch of social security, or applicable_legislation", True),
    C("purpose", "string", "what the form is used for, in French"),
    C("direction", "string", "direction of exchange", True, enum=tuple(Direction)),
    C("illustrative", "boolean", "content written by the project as an example, not the official form", True),
    C("code_confirmed", "boolean", "a public source confirms the code", True),
    C("note", "string", "caveats"), C("source", "string", "where the facts come from"),
    C("url", "string", "its page on the registry", True),
]
VERSION_COLUMNS = [
    C("form_code", "string", "the form (a key of forms)", True), C("number", "integer", "1, 2, 3… within the form", True),
    C("label", "string", "the version's name, e.g. 2023-09", True),
    C("status", "string", "published (applies, or will from valid_from) or superseded", True,
      enum=tuple(s.value for s in PUBLIC_STATUSES)),
    C("valid_from", "date", "first day it applies", True), C("valid_until", "date", "last day it applies"),
    C("change_notes", "string", "what changed from the previous version, in French"),
    C("validated_on_france", "date", "validation by the French liaison body"),
    C("validated_on_partner", "date", "validation by the partner's liaison body"),
    C("template_kind", "string", "docx (a bilingual template) or pdf (a fillable PDF)"),
    C("template_filename", "string", "name of the template file"),
    C("template_sha256", "string", "sha256 of the template file"),
    C("content_sha256", "string", "sha256 of template and fields together: what both bodies validated"),
    C("field_names", "string", "names of the fields filled in", is_list=True),
    C("published_at", "datetime", "when it was published in the registry (UTC)"),
    C("url", "string", "its page on the registry", True),
]


def form_tables(session: Session) -> list[Table]:
    forms = session.exec(select(Form, Instrument).join(Instrument, Instrument.id == Form.instrument_id)
                         .order_by(Form.code)).all()
    versions = session.exec(select(FormVersion, Form).join(Form, Form.id == FormVersion.form_id)
                            .where(FormVersion.status.in_([s.value for s in PUBLIC_STATUSES]))
                            .order_by(Form.code, FormVersion.number)).all()
    validations = validations_of(session, [v.id for v, _f in versions])
    return [
        Table("forms", "Formulaires de liaison", "Bilingual liaison forms, the instrument each implements.",
              FORM_COLUMNS, [_form_row(f, i) for f, i in forms], ["code"],
              [{"fields": ["country_code", "instrument_slug"],
                "reference": {"resource": "instruments", "fields": ["country_code", "slug"]}}]),
        Table("form_versions", "Versions des formulaires", "Published and superseded versions of each form: "
              "from when to when each applied, who validated it, which template (by sha256).",
              VERSION_COLUMNS, [_version_row(v, f, validations.get(v.id, [])) for v, f in versions],
              ["form_code", "number"], [{"fields": ["form_code"], "reference": {"resource": "forms", "fields": ["code"]}}]),
    ]


def _form_row(form: Form, instrument: Instrument) -> dict:
    row = {c.name: getattr(form, c.name, None) for c in FORM_COLUMNS}
    return {**row, "instrument_slug": instrument.slug, "url": f"/forms/{form.slug}"}


def _version_row(version: FormVersion, form: Form, validations: list) -> dict:
    agreed = current_validations(version, validations)
    row = {c.name: getattr(version, c.name, None) for c in VERSION_COLUMNS}
    return {**row, "form_code": form.code, "status": version.status,
            "validated_on_france": agreed["france"].validated_on if "france" in agreed else None,
            "validated_on_partner": agreed["partner"].validated_on if "partner" in agreed else None,
            "field_names": [f["name"] for f in version.fields],
            "published_at": as_utc(version.published_at).replace(microsecond=0) if version.published_at else None,
            "url": f"/forms/{form.slug}/versions/{version.number}"}
