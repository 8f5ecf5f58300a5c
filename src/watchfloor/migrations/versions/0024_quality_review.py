"""quality review: where sampling has read to, samples of decisions, blind reviews,
adjudications of disagreements, and feedback to analysts with their answers

Revision ID: 0024_quality_review
Revises: 0023_audit_trail_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0024_quality_review"
down_revision: str | None = "0023_audit_trail_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("harm_area", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("analyst", sa.String(length=64), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.Column("decided_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_samples")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_qa_samples_decision_id")),
    )
    with op.batch_alter_table("qa_samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_samples_analyst"), ["analyst"], unique=False)
        batch_op.create_index(
            "ix_qa_samples_area_created", ["harm_area", "created_at"], unique=False
        )
        batch_op.create_index("ix_qa_samples_status", ["status", "created_at"], unique=False)

    op.create_table(
        "qa_sampling_state",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "last_decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_sampling_state")),
    )
    op.create_table(
        "qa_adjudications",
        sa.Column(
            "sample_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["qa_samples.id"],
            name=op.f("fk_qa_adjudications_sample_id_qa_samples"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sample_id", name=op.f("pk_qa_adjudications")),
    )
    op.create_table(
        "qa_feedback",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "sample_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("analyst", sa.String(length=64), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["qa_samples.id"],
            name=op.f("fk_qa_feedback_sample_id_qa_samples"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_feedback")),
    )
    with op.batch_alter_table("qa_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_qa_feedback_analyst", ["analyst", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_qa_feedback_state"), ["state"], unique=False)

    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "sample_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["qa_samples.id"],
            name=op.f("fk_qa_reviews_sample_id_qa_samples"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_reviews")),
        sa.UniqueConstraint("sample_id", name=op.f("uq_qa_reviews_sample_id")),
    )


def downgrade() -> None:
    op.drop_table("qa_reviews")
    with op.batch_alter_table("qa_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_feedback_state"))
        batch_op.drop_index("ix_qa_feedback_analyst")

    op.drop_table("qa_feedback")
    op.drop_table("qa_adjudications")
    op.drop_table("qa_sampling_state")
    with op.batch_alter_table("qa_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_qa_samples_status")
        batch_op.drop_index("ix_qa_samples_area_created")
        batch_op.drop_index(batch_op.f("ix_qa_samples_analyst"))

    op.drop_table("qa_samples")
