"""Tables shared by every feature. No `from __future__ import annotations` here (SQLModel #196)."""

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from registry import country_limits


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives back naive ones, written in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def timestamp_column(**kwargs) -> Column:
    return Column(DateTime(timezone=True), **kwargs)


class Country(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=2, description="ISO 3166-1 alpha-2 (XK for Kosovo, user-assigned)")
    name_fr: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    # BCP 47 tags with their script where it matters, e.g. ["sr-Latn", "sr-Cyrl"]; never "sr@latin"
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    insee_code: str | None = Field(default=None, max_length=5, description="INSEE country code (99xxx)")


class LiaisonBody(SQLModel, table=True):
    __tablename__ = "liaison_body"
    id: int | None = Field(default=None, primary_key=True)
    country_code: str = Field(foreign_key="country.code", index=True)
    name: str = Field(max_length=300, description="Official name in its own language")
    name_fr: str = Field(default="", max_length=300)
    acronym: str = Field(default="", max_length=40)
    confidence: str = Field(default="high", max_length=10)
    source: str = Field(default="", max_length=1000)


class Institution(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    country_code: str = Field(foreign_key="country.code", index=True)
    name: str = Field(max_length=300)
    acronym: str = Field(default="", max_length=40)
    risks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confidence: str = Field(default="high", max_length=10)
    source: str = Field(default="", max_length=1000)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=150, unique=True, index=True)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=300)
    # countries a delegation member works on; empty means all
    countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class AuditEntry(SQLModel, table=True):
    """Append-only record of who did what. The application never updates or deletes a row."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False, index=True))
    actor: str = Field(max_length=150, index=True, description="username, token name, or 'system'")
    remote_addr: str = Field(default="", max_length=64)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(default="", max_length=60, index=True)
    entity_id: str = Field(default="", max_length=100)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    detail: str = Field(default="", max_length=2000)


# which country each row belongs to, for the country limits of writes (registry/country_limits.py)
country_limits.scoped(Country, column="code")
country_limits.scoped(LiaisonBody, column="country_code")
country_limits.scoped(Institution, column="country_code")
country_limits.unlimited("user_account", "accounts are managed by administrators, not per country")
country_limits.unlimited("audit_entry", "every write and refusal is audited, whoever makes it")
