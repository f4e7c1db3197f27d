"""forms: liaison forms, their versions and validations

Revision ID: 0004
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", AutoString(length=40), nullable=False),
        sa.Column("slug", AutoString(length=40), nullable=False),
        sa.Column("country_code", AutoString(length=2), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("articles", AutoString(length=500), nullable=False),
        sa.Column("title_fr", AutoString(length=500), nullable=False),
        sa.Column("title_partner", AutoString(length=500), nullable=False),
        sa.Column("partner_language", AutoString(length=20), nullable=False),
        sa.Column("risk", AutoString(length=40), nullable=False),
        sa.Column("purpose", AutoString(length=1000), nullable=False),
        sa.Column("direction", AutoString(length=20), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("code_confirmed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", AutoString(length=2000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["country_code"], ["country.code"]),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("form") as batch_op:
        batch_op.create_index(batch_op.f("ix_form_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_instrument_id"), ["instrument_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_risk"), ["risk"], unique=False)

    op.create_table(
        "form_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", AutoString(length=120), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("change_notes", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("template_kind", AutoString(length=10), nullable=True),
        sa.Column("template_filename", AutoString(length=255), nullable=False),
        sa.Column("template_media_type", AutoString(length=120), nullable=False),
        sa.Column("template_sha256", AutoString(length=64), nullable=True),
        sa.Column("template_data", sa.LargeBinary(), nullable=True),
        sa.Column("template_variables", sa.JSON(), nullable=False),
        sa.Column("content_sha256", AutoString(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", AutoString(length=150), nullable=False),
        sa.Column("withdrawn_reason", AutoString(length=1000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", AutoString(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["based_on_id"], ["form_version.id"]),
        sa.ForeignKeyConstraint(["form_id"], ["form.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_id", "number", name="uq_form_version_number"),
    )
    with op.batch_alter_table("form_version") as batch_op:
        batch_op.create_index(batch_op.f("ix_form_version_form_id"), ["form_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_version_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_version_template_sha256"), ["template_sha256"], unique=False)

    op.create_table(
        "form_validation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("side", AutoString(length=10), nullable=False),
        sa.Column("liaison_body_id", sa.Integer(), nullable=True),
        sa.Column("body_name", AutoString(length=300), nullable=False),
        sa.Column("validated_on", sa.Date(), nullable=False),
        sa.Column("meeting_ref", AutoString(length=300), nullable=True),
        sa.Column("content_sha256", AutoString(length=64), nullable=False),
        sa.Column("note", AutoString(length=1000), nullable=False),
        sa.Column("recorded_by", AutoString(length=150), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["form_version_id"], ["form_version.id"]),
        sa.ForeignKeyConstraint(["liaison_body_id"], ["liaison_body.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("form_validation") as batch_op:
        batch_op.create_index(batch_op.f("ix_form_validation_form_version_id"), ["form_version_id"], unique=False)


def downgrade() -> None:
    op.drop_table("form_validation")
    op.drop_table("form_version")
    op.drop_table("form")
