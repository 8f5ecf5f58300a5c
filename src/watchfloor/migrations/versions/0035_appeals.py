"""DSA Art. 20 appeals against decisions and their outcomes (compliance/appeals)

Revision ID: 0035_appeals
Revises: 0034_legal_requests
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0035_appeals"
down_revision: str | None = "0034_legal_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("decision_id", ID, nullable=False),
        sa.Column("appellant_kind", sa.String(length=16), nullable=False),
        sa.Column("appellant_id", sa.String(length=200), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("received_at", AT, nullable=False),
        sa.Column("window_closes_at", AT, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_reasons", sa.Text(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", AT, nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_appeals_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_appeals_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_appeals_source_external_id")),
    )
    op.create_index(op.f("ix_appeals_case_id"), "appeals", ["case_id"])
    op.create_index(op.f("ix_appeals_decision_id"), "appeals", ["decision_id"])
    op.create_index("ix_appeals_state_received", "appeals", ["state", "received_at"])
    op.create_index("ix_appeals_received_at", "appeals", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_appeals_received_at", table_name="appeals")
    op.drop_index("ix_appeals_state_received", table_name="appeals")
    op.drop_index(op.f("ix_appeals_decision_id"), table_name="appeals")
    op.drop_index(op.f("ix_appeals_case_id"), table_name="appeals")
    op.drop_table("appeals")
