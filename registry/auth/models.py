"""Tables of authentication: browser sessions, machine tokens, login throttling.

Only hashes of session ids and tokens are stored, so a copy of the database opens no session.
No `from __future__ import annotations` here (SQLModel #196)."""

from datetime import UTC, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from registry import country_limits
from registry.models import timestamp_column, utcnow


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes for timezone-aware columns; every value stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class AuthSession(SQLModel, table=True):
    """A logged-in browser. Server-side, so revoking it or disabling its account ends it at once,
    and every app instance sharing the database sees the same sessions."""

    __tablename__ = "auth_session"
    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(max_length=64, unique=True, index=True, description="sha256 of the cookie value")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    expires_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    remote_addr: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class ApiToken(SQLModel, table=True):
    """A machine's credential (a fund's batch system). It acts for its owner account, with a role
    no wider than the owner's and optionally fewer countries; it stops when the owner is disabled."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, description="shown in the audit as token:<name>")
    prefix: str = Field(max_length=16, description="first characters of the secret, to recognise it")
    token_hash: str = Field(max_length=64, unique=True, index=True, description="sha256 of the secret")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    role: str = Field(max_length=20)
    countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=150)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class LoginThrottle(SQLModel, table=True):
    """Failed logins counted per account name, per client address and per device cookie."""

    __tablename__ = "login_throttle"
    scope: str = Field(primary_key=True, max_length=10, description="account, address or device")
    key: str = Field(primary_key=True, max_length=200)
    failures: int = Field(default=0)
    last_failure_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    blocked_until: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


# authentication rows belong to accounts, not countries (registry/country_limits.py)
for _table in ("auth_session", "api_token", "login_throttle"):
    country_limits.unlimited(_table, "authentication of an account, whatever its countries")
