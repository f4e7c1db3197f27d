"""Liaison-form tables. No `from __future__ import annotations` here (SQLModel #196).

Form: one bilingual form model of an agreement (`SE 416-01`). FormVersion: one version of it,
with its field schema and template; versions only grow and are never deleted. FormValidation:
one liaison body's agreement to a version's content (the content hash it saw is kept, so a
later edit of a draft needs a new validation)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry import country_limits
from registry.models import timestamp_column, utcnow


class VersionStatus(StrEnum):
    draft = "draft"
    validated = "validated"  # both liaison bodies agreed its current content
    published = "published"  # immutable from here
    superseded = "superseded"  # a later version took over from its valid_until
    withdrawn = "withdrawn"  # must not be used; kept for the record


class Direction(StrEnum):
    france_to_partner = "france_to_partner"
    partner_to_france = "partner_to_france"
    both = "both"


class Side(StrEnum):
    """Which of the two liaison bodies of an agreement."""

    france = "france"
    partner = "partner"


class TemplateKind(StrEnum):
    docx = "docx"  # docxtpl tags, rendered in the sandbox
    pdf = "pdf"  # a fillable PDF (AcroForm) supplied by the partner


class Form(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, description="normalised, e.g. 'SE 416-01'")
    slug: str = Field(max_length=40, unique=True, description="for URLs, e.g. 'SE-416-01'")
    country_code: str = Field(foreign_key="country.code", index=True, max_length=2)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    articles: str = Field(default="", max_length=500, description="articles implemented, as written")
    title_fr: str = Field(max_length=500)
    title_partner: str = Field(max_length=500)
    partner_language: str = Field(max_length=20, description="BCP 47 tag with script, e.g. sr-Latn, ar")
    risk: str = Field(max_length=40, index=True, description="a Risk value, or applicable_legislation")
    purpose: str = Field(default="", max_length=1000, description="what the form is used for, in French")
    direction: str = Field(max_length=20)
    # the content shipped (template, wording, dates) is the project's example, not the official form
    illustrative: bool = Field(default=False)
    # False when no public source confirms the code (form_codes.md): shown as "code unconfirmed"
    code_confirmed: bool = Field(default=True)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: str = Field(default="", max_length=2000)
    version: int = Field(default=1, description="grows by one on every change; exposed as the ETag")
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class FormVersion(SQLModel, table=True):
    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_id", "number", name="uq_form_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    form_id: int = Field(foreign_key="form.id", index=True)
    number: int = Field(description="1, 2, 3… within the form")
    label: str = Field(max_length=120, description="e.g. '2023-09' or 'version de décembre 2023'")
    status: str = Field(default=VersionStatus.draft.value, max_length=20, index=True)
    based_on_id: int | None = Field(default=None, foreign_key="form_version.id")
    valid_from: date | None = Field(default=None)
    valid_until: date | None = Field(default=None)
    change_notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    fields: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    template_kind: str | None = Field(default=None, max_length=10)
    template_filename: str = Field(default="", max_length=255)
    template_media_type: str = Field(default="", max_length=120)
    template_sha256: str | None = Field(default=None, max_length=64, index=True)
    # kept on the version for now (a few tens of kilobytes; a copy duplicates them). Moving them
    # to registry.blobs needs tests that do not expect the blob table to be empty after the seed.
    template_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    template_variables: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # sha256 of template bytes and field schema together: what a validation agrees to
    content_sha256: str = Field(default="", max_length=64)
    published_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    published_by: str = Field(default="", max_length=150)
    withdrawn_reason: str = Field(default="", max_length=1000)
    version: int = Field(default=1, description="grows by one on every change; exposed as the ETag")
    created_by: str = Field(default="", max_length=150)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class FormValidation(SQLModel, table=True):
    __tablename__ = "form_validation"

    id: int | None = Field(default=None, primary_key=True)
    form_version_id: int = Field(foreign_key="form_version.id", index=True)
    side: str = Field(max_length=10)
    liaison_body_id: int | None = Field(default=None, foreign_key="liaison_body.id")
    body_name: str = Field(max_length=300, description="the body as named in the record, e.g. 'Cleiss'")
    validated_on: date
    # meetings arrive later: an id or a plain description until then
    meeting_ref: str | None = Field(default=None, max_length=300)
    content_sha256: str = Field(max_length=64, description="the content this validation agreed to")
    note: str = Field(default="", max_length=1000)
    recorded_by: str = Field(max_length=150)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class FormBlank(SQLModel, table=True):
    """The blank document of a published version in one format, built once when it is published
    (forms/generation/blanks.py) and stored in the blob store: /blank serves it and never renders."""

    __tablename__ = "form_blank"
    __table_args__ = (UniqueConstraint("form_version_id", "format", name="uq_form_blank_format"),)

    id: int | None = Field(default=None, primary_key=True)
    form_version_id: int = Field(foreign_key="form_version.id", index=True)
    format: str = Field(max_length=10, description="docx or pdf")
    blob_sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    built_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


# the country each row belongs to, for the country limits of writes (registry/country_limits.py)
country_limits.scoped(Form, column="country_code")
country_limits.scoped(FormVersion, parent=Form, via="form_id")
country_limits.scoped(FormValidation, parent=FormVersion, via="form_version_id")
country_limits.scoped(FormBlank, parent=FormVersion, via="form_version_id")
