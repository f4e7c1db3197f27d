"""Input and output models of the forms API (never table models)."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from forms.fields import FieldSpec
from forms.models import Direction, Form, FormValidation, FormVersion, Side
from forms.queries import FormOnDate, missing_sides


def form_url(form: Form) -> str:
    return f"/api/forms/{form.slug}"


class FormCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="SE <country number>-<sequence>; 'SE 335.01', 'se 416 01' are accepted")
    country_code: str = Field(min_length=2, max_length=2)
    instrument_slug: str = Field(description="the instrument the form implements, e.g. 2014-11-06-accord")
    articles: str = ""
    title_fr: str
    title_partner: str
    partner_language: str = Field(description="BCP 47 tag with script, e.g. sr-Latn, pt-BR, ar")
    risk: str = Field(description="a risk (sickness, old_age…) or applicable_legislation")
    purpose: str = ""
    direction: Direction
    illustrative: bool = False
    code_confirmed: bool = True
    note: str = ""
    source: str = ""

    def values(self) -> dict:
        return self.model_dump(mode="json")


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=120)
    based_on: int | None = Field(default=None, description="number of the version to copy (default: the latest)")
    change_notes: str = ""


class VersionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    change_notes: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    fields: list[dict] | None = Field(default=None, description="the whole field schema (see FieldSpec)")

    def changes(self) -> dict:
        return self.model_dump(mode="python", exclude_unset=True)


class ValidationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    side: Side
    validated_on: date
    liaison_body_id: int | None = None
    body_name: str = Field(default="", max_length=300, description="needed when no liaison body is on record")
    meeting_ref: str | None = Field(default=None, max_length=300, description="meeting where it was agreed, if any")
    note: str = Field(default="", max_length=1000)

    def values(self) -> dict:
        return self.model_dump(mode="python")


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_from: date | None = Field(default=None, description="default: the version's valid_from")
    valid_until: date | None = Field(default=None, description="default: the version's valid_until (open-ended)")


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class ValidationOut(BaseModel):
    side: str
    body_name: str
    liaison_body_id: int | None
    validated_on: date
    meeting_ref: str | None
    note: str
    recorded_by: str
    recorded_at: datetime
    current: bool = Field(description="false when the version's content changed after this validation")

    @classmethod
    def build(cls, validation: FormValidation, version: FormVersion) -> "ValidationOut":
        return cls(side=validation.side, body_name=validation.body_name, liaison_body_id=validation.liaison_body_id,
                   validated_on=validation.validated_on, meeting_ref=validation.meeting_ref, note=validation.note,
                   recorded_by=validation.recorded_by, recorded_at=validation.recorded_at,
                   current=validation.content_sha256 == version.content_sha256)


class DecisionLinkOut(BaseModel):
    """A meeting decision that changed this version (e.g. validated it), among the minutes the
    caller may read."""
    decision_id: int
    meeting_id: int
    meeting_date: date
    text_fr: str
    url: str


class TemplateOut(BaseModel):
    kind: str
    filename: str
    sha256: str
    url: str
    variables: list[str]


class VersionSummary(BaseModel):
    number: int
    label: str
    status: str
    valid_from: date | None
    valid_until: date | None
    url: str


class VersionOut(VersionSummary):
    form_code: str
    change_notes: str
    based_on: int | None
    fields: list[FieldSpec]
    template: TemplateOut | None
    validations: list[ValidationOut]
    missing_validations: list[str]
    decisions: list[DecisionLinkOut]
    published_at: datetime | None
    published_by: str
    withdrawn_reason: str
    etag: str

    @classmethod
    def build(cls, form: Form, version: FormVersion, validations: list[FormValidation],
              numbers_by_id: dict[int, int], decisions: list | None = None) -> "VersionOut":
        url = f"{form_url(form)}/versions/{version.number}"
        template = None
        if version.template_sha256:
            template = TemplateOut(kind=version.template_kind or "", filename=version.template_filename,
                                   sha256=version.template_sha256, url=f"{url}/template",
                                   variables=list(version.template_variables))
        return cls(number=version.number, label=version.label, status=version.status, valid_from=version.valid_from,
                   valid_until=version.valid_until, url=url, form_code=form.code, change_notes=version.change_notes,
                   based_on=numbers_by_id.get(version.based_on_id) if version.based_on_id else None,
                   fields=[FieldSpec.model_validate(f) for f in version.fields], template=template,
                   validations=[ValidationOut.build(v, version) for v in validations],
                   missing_validations=missing_sides(version, validations),
                   decisions=[DecisionLinkOut(decision_id=d.decision_id, meeting_id=d.meeting_id,
                                              meeting_date=d.starts_on, text_fr=d.text_fr, url=d.url)
                              for d in decisions or []],
                   published_at=version.published_at,
                   published_by=version.published_by, withdrawn_reason=version.withdrawn_reason,
                   etag=f'"{version.version}"')


def version_summary(form: Form, version: FormVersion) -> VersionSummary:
    return VersionSummary(number=version.number, label=version.label, status=version.status,
                          valid_from=version.valid_from, valid_until=version.valid_until,
                          url=f"{form_url(form)}/versions/{version.number}")


class FormSummary(BaseModel):
    code: str
    slug: str
    url: str
    country: str
    instrument_id: int
    articles: str
    title_fr: str
    title_partner: str
    partner_language: str
    risk: str
    purpose: str
    direction: str
    illustrative: bool
    code_confirmed: bool
    as_of: date
    state: str = Field(description="published, pending_validation, validated, superseded, not_yet_applicable, "
                                   "withdrawn or draft, on the date asked")
    pending_validation: bool = Field(description="a version of this form awaits a liaison body's validation")
    applicable_version: VersionSummary | None

    @classmethod
    def build(cls, item: FormOnDate) -> "FormSummary":
        f = item.form
        applicable = item.applicable
        return cls(code=f.code, slug=f.slug, url=form_url(f), country=f.country_code, instrument_id=f.instrument_id,
                   articles=f.articles, title_fr=f.title_fr, title_partner=f.title_partner,
                   partner_language=f.partner_language, risk=f.risk, purpose=f.purpose, direction=f.direction,
                   illustrative=f.illustrative, code_confirmed=f.code_confirmed, as_of=item.on, state=item.state,
                   pending_validation=bool(item.pending),
                   applicable_version=version_summary(f, applicable) if applicable else None)


class FormDetail(FormSummary):
    note: str
    source: str
    versions: list[VersionSummary]
    etag: str


class FieldChange(BaseModel):
    name: str
    changes: dict[str, dict] = Field(description="attribute -> {before, after}")
    label_fr_changed: bool
    label_partner_changed: bool
    one_language_only: bool = Field(description="one label changed and not the other: check the translation")


class ComparisonOut(BaseModel):
    form_code: str
    from_version: int
    to_version: int
    added: list[FieldSpec]
    removed: list[FieldSpec]
    changed: list[FieldChange]
    template_changed: bool
    one_language_only: list[str] = Field(description="fields whose label changed in only one language")


class AppliedForm(BaseModel):
    """A form and the version of it in force on the date asked."""

    form: FormDetail
    version: VersionOut
