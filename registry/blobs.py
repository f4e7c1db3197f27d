"""Content-addressed file storage in the database: identical bytes are stored once.

Keeping files in the database makes one database the whole state (ARCHITECTURE.md): a second
app instance needs no shared disk. No `from __future__ import annotations` (SQLModel #196)."""

import hashlib
from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel

from registry import country_limits
from registry.models import timestamp_column, utcnow


class Blob(SQLModel, table=True):
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    media_type: str = Field(max_length=120)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


# the bytes of a file: the row that names them (an official text, a template) carries the country
country_limits.unlimited("blob", "content-addressed bytes, shared by whoever stores the same file")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(session: Session, data: bytes, media_type: str) -> Blob:
    """The blob holding `data`, created if these bytes were never stored."""
    digest = sha256_hex(data)
    blob = session.get(Blob, digest)
    if blob is None:
        blob = Blob(sha256=digest, size=len(data), media_type=media_type, data=data)
        session.add(blob)
        session.flush()
    return blob
