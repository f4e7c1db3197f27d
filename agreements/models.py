"""Instrument tables. No `from __future__ import annotations` here (SQLModel #196)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry import country_limits
from registry.models import timestamp_column, utcnow


class InstrumentKind(StrEnum):
    agreement = "agreement"
    administrative_arrangement = "administrative_arrangement"
    amendment = "amendment"
    protocol = "protocol"
    exchange_of_letters = "exchange_of_letters"


class LinkKind(StrEnum):
    implements = "implements"  # arrangement -> agreement
    amends = "amends"  # amendment -> instrument
    supersedes = "supersedes"  # new agreement -> old one, for this country


class Instrument(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("country_code", "slug", name="uq_instrument_country_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    country_code: str = Field(foreign_key="country.code", index=True)
    slug: str = Field(max_length=120, description="readable key, unique per country, e.g. 2014-11-06-accord")
    kind: str = Field(max_length=40, index=True)
    title_fr: str = Field(max_length=1000)
    title_partner: str = Field(default="", max_length=1000)
    partner_language: str = Field(default="", max_length=20, description="BCP 47 tag with script, e.g. sr-Latn")
    # the other party when it is not the country itself (Québec is filed under CA)
    party_name_fr: str = Field(default="", max_length=120)
    party_name_en: str = Field(default="", max_length=120)
    signed_on: date | None = Field(default=None)
    in_force_on: date | None = Field(default=None)
    terminated_on: date | None = Field(default=None)
    # in force before its signature: administrative arrangements often apply retroactively from
    # the entry into force of their agreement (e.g. Argentina 2013); refused unless marked
    retroactive: bool = Field(default=False)
    risks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    legal_reference: str = Field(default="", max_length=1000, description="publishing decree, official journal")
    replaces_text: str = Field(default="", max_length=1000, description="what the source says it replaces, as written")
    confidence: str = Field(default="high", max_length=10)
    source: str = Field(default="", max_length=2000)
    archived: bool = Field(default=False)
    version: int = Field(default=1, description="grows by one on every change; exposed as the ETag")
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class InstrumentLink(SQLModel, table=True):
    __tablename__ = "instrument_link"
    __table_args__ = (UniqueConstraint("from_id", "to_id", "kind", name="uq_instrument_link"),)

    id: int | None = Field(default=None, primary_key=True)
    from_id: int = Field(foreign_key="instrument.id", index=True)
    to_id: int = Field(foreign_key="instrument.id", index=True)
    kind: str = Field(max_length=20)


class InstrumentRevision(SQLModel, table=True):
    """One immutable revision per change of an instrument: who, when, the full state after the
    change and the field-level differences from the previous revision."""

    __tablename__ = "instrument_revision"
    __table_args__ = (UniqueConstraint("instrument_id", "version", name="uq_instrument_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    version: int
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    actor: str = Field(max_length=150)
    action: str = Field(max_length=40)
    snapshot: dict = Field(sa_column=Column(JSON, nullable=False))
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OfficialText(SQLModel, table=True):
    """The text of an instrument in one language (PDF or DOCX); a new upload for the same
    language makes the previous one not current, never deletes it."""

    __tablename__ = "official_text"

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    language: str = Field(max_length=20)
    blob_sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    filename: str = Field(max_length=255)
    media_type: str = Field(max_length=120)
    extracted_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    is_current: bool = Field(default=True)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    uploaded_by: str = Field(max_length=150)


# the country each row belongs to, for the country limits of writes (registry/country_limits.py)
country_limits.scoped(Instrument, column="country_code")
country_limits.scoped(InstrumentLink, parent=Instrument, via="from_id")  # links stay within one country
country_limits.scoped(InstrumentRevision, parent=Instrument, via="instrument_id")
country_limits.scoped(OfficialText, parent=Instrument, via="instrument_id")
