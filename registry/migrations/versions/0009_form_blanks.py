"""the blank document of each published form version, built once and stored as a blob

Revision ID: 0009
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_blank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("blob_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["blob_sha256"], ["blob.sha256"]),
        sa.ForeignKeyConstraint(["form_version_id"], ["form_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_version_id", "format", name="uq_form_blank_format"),
    )
    with op.batch_alter_table("form_blank") as batch_op:
        batch_op.create_index(batch_op.f("ix_form_blank_form_version_id"), ["form_version_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_blank") as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_blank_form_version_id"))
    op.drop_table("form_blank")
