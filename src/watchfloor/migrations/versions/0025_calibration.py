"""calibration exercises: past cases a lead picks, with their decision kept for the report,
and each participant's blind answer

Revision ID: 0025_calibration
Revises: 0024_quality_review
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0025_calibration"
down_revision: str | None = "0024_quality_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_calibrations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "participants",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibrations")),
    )
    op.create_table(
        "qa_calibration_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "calibration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calibration_id"],
            ["qa_calibrations.id"],
            name=op.f("fk_qa_calibration_items_calibration_id_qa_calibrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibration_items")),
    )
    with op.batch_alter_table("qa_calibration_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_qa_calibration_items_calibration", ["calibration_id"], unique=False
        )

    op.create_table(
        "qa_calibration_answers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("participant", sa.String(length=64), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["qa_calibration_items.id"],
            name=op.f("fk_qa_calibration_answers_item_id_qa_calibration_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibration_answers")),
        sa.UniqueConstraint(
            "item_id", "participant", name=op.f("uq_qa_calibration_answers_item_id_participant")
        ),
    )


def downgrade() -> None:
    op.drop_table("qa_calibration_answers")
    with op.batch_alter_table("qa_calibration_items", schema=None) as batch_op:
        batch_op.drop_index("ix_qa_calibration_items_calibration")

    op.drop_table("qa_calibration_items")
    op.drop_table("qa_calibrations")
