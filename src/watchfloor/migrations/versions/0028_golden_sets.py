"""golden sets: decided cases marked with their agreed verdict, and the copies opened of them

Revision ID: 0028_golden_sets
Revises: 0027_insights_summary
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0028_golden_sets"
down_revision: str | None = "0027_insights_summary"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "qa_golden",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("harm_area", sa.String(length=64), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(length=64), nullable=False),
        sa.Column("marked_at", AT, nullable=False),
        sa.Column("retired_by", sa.String(length=64), nullable=True),
        sa.Column("retired_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_golden")),
        sa.UniqueConstraint("case_id", name=op.f("uq_qa_golden_case_id")),
    )
    op.create_index(op.f("ix_qa_golden_queue"), "qa_golden", ["queue"], unique=False)
    op.create_table(
        "qa_golden_copies",
        sa.Column("id", ID, nullable=False),
        sa.Column("golden_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("opened_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["golden_id"],
            ["qa_golden.id"],
            name=op.f("fk_qa_golden_copies_golden_id_qa_golden"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_golden_copies")),
        sa.UniqueConstraint("case_id", name=op.f("uq_qa_golden_copies_case_id")),
    )
    op.create_index(
        op.f("ix_qa_golden_copies_golden_id"), "qa_golden_copies", ["golden_id"], unique=False
    )
    op.create_index(
        "ix_qa_golden_copies_queue_opened",
        "qa_golden_copies",
        ["queue", "opened_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_qa_golden_copies_queue_opened", table_name="qa_golden_copies")
    op.drop_index(op.f("ix_qa_golden_copies_golden_id"), table_name="qa_golden_copies")
    op.drop_table("qa_golden_copies")
    op.drop_index(op.f("ix_qa_golden_queue"), table_name="qa_golden")
    op.drop_table("qa_golden")
