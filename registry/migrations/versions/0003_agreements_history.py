"""agreements: retroactive flag, revisions, official texts, blob storage

Revision ID: 0003
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("instrument") as batch_op:
        batch_op.add_column(sa.Column("retroactive", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "blob",
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", AutoString(length=120), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "instrument_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", AutoString(length=150), nullable=False),
        sa.Column("action", AutoString(length=40), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instrument_id", "version", name="uq_instrument_revision"),
    )
    with op.batch_alter_table("instrument_revision") as batch_op:
        batch_op.create_index(batch_op.f("ix_instrument_revision_instrument_id"), ["instrument_id"], unique=False)
    op.create_table(
        "official_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("language", AutoString(length=20), nullable=False),
        sa.Column("blob_sha256", AutoString(length=64), nullable=False),
        sa.Column("filename", AutoString(length=255), nullable=False),
        sa.Column("media_type", AutoString(length=120), nullable=False),
        sa.Column("extracted_text", sa.Text(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", AutoString(length=150), nullable=False),
        sa.ForeignKeyConstraint(["blob_sha256"], ["blob.sha256"]),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("official_text") as batch_op:
        batch_op.create_index(batch_op.f("ix_official_text_instrument_id"), ["instrument_id"], unique=False)


def downgrade() -> None:
    op.drop_table("official_text")
    op.drop_table("instrument_revision")
    op.drop_table("blob")
    with op.batch_alter_table("instrument") as batch_op:
        batch_op.drop_column("retroactive")
