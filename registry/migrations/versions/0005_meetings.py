"""meetings: sessions, agenda, participants, minutes revisions and approvals, decisions and
their effects, action items

Revision ID: 0005
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString
TABLES = ("decision_effect", "minutes_approval", "decision", "action_item", "participant", "minutes_revision",
          "meeting_instrument", "agenda_item", "meeting", "contact")


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("organisation", AutoString(length=300), nullable=False),
        sa.Column("function", AutoString(length=300), nullable=False),
        sa.Column("side", AutoString(length=10), nullable=False),
        sa.Column("country_code", AutoString(length=2), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["country_code"], ["country.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact") as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_country_code"), ["country_code"], unique=False)

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_code", AutoString(length=2), nullable=False),
        sa.Column("kind", AutoString(length=30), nullable=False),
        sa.Column("title_fr", AutoString(length=300), nullable=False),
        sa.Column("title_partner", AutoString(length=300), nullable=False),
        sa.Column("partner_language", AutoString(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("place", AutoString(length=300), nullable=False),
        sa.Column("video", sa.Boolean(), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("audience", AutoString(length=10), nullable=False),
        sa.Column("document_layout", AutoString(length=20), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", AutoString(length=2000), nullable=False),
        sa.Column("minutes_revision", sa.Integer(), nullable=False),
        sa.Column("approved_revision", sa.Integer(), nullable=True),
        sa.Column("approved_sha256", AutoString(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["country_code"], ["country.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_starts_on"), ["starts_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_status"), ["status"], unique=False)

    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_fr", AutoString(length=500), nullable=False),
        sa.Column("title_partner", AutoString(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("proposed", sa.Boolean(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("origin", AutoString(length=30), nullable=False),
        sa.Column("origin_meeting_id", sa.Integer(), nullable=True),
        sa.Column("origin_action_item_id", sa.Integer(), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("discussion_fr", sa.Text(), nullable=False),
        sa.Column("discussion_partner", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["origin_meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agenda_item") as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_item_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agenda_item_origin_action_item_id"), ["origin_action_item_id"], unique=False)

    op.create_table(
        "meeting_instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "instrument_id", name="uq_meeting_instrument")
    )
    with op.batch_alter_table("meeting_instrument") as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_instrument_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "minutes_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("actor", AutoString(length=150), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "number", name="uq_minutes_revision")
    )
    with op.batch_alter_table("minutes_revision") as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_revision_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("side", AutoString(length=10), nullable=False),
        sa.Column("role", AutoString(length=300), nullable=False),
        sa.Column("is_head", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "contact_id", name="uq_participant")
    )
    with op.batch_alter_table("participant") as batch_op:
        batch_op.create_index(batch_op.f("ix_participant_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_fr", sa.Text(), nullable=False),
        sa.Column("text_partner", sa.Text(), nullable=False),
        sa.Column("owner", AutoString(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("status", AutoString(length=10), nullable=False),
        sa.Column("closed_in_meeting_id", sa.Integer(), nullable=True),
        sa.Column("closed_note", AutoString(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"]),
        sa.ForeignKeyConstraint(["closed_in_meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action_item") as batch_op:
        batch_op.create_index(batch_op.f("ix_action_item_agenda_item_id"), ["agenda_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_item_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_item_status"), ["status"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_fr", sa.Text(), nullable=False),
        sa.Column("text_partner", sa.Text(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("status_meeting_id", sa.Integer(), nullable=True),
        sa.Column("status_note", AutoString(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["status_meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decision") as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_agenda_item_id"), ["agenda_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "minutes_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("side", AutoString(length=10), nullable=False),
        sa.Column("recorded_by", AutoString(length=150), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "revision", "participant_id", name="uq_minutes_approval")
    )
    with op.batch_alter_table("minutes_approval") as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_approval_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "decision_effect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", AutoString(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("description", AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id", "target_kind", "target_id", name="uq_decision_effect")
    )
    with op.batch_alter_table("decision_effect") as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_effect_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_effect_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_effect_target_kind"), ["target_kind"], unique=False)


def downgrade() -> None:
    for table in TABLES:  # children first
        op.drop_table(table)
