"""insights summary tables: what each case contributes to the metrics, and daily counts

Revision ID: 0027_insights_summary
Revises: 0026_golden_copies
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0027_insights_summary"
down_revision: str | None = "0026_golden_copies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)


def _dims() -> list[sa.Column[str]]:
    return [
        sa.Column("harm_area", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "insight_cases",
        sa.Column("case_id", ID, autoincrement=False, nullable=False),
        *_dims(),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("open_until", AT, nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("first_action_day", sa.Date(), nullable=True),
        sa.Column("first_action_bucket", ID, nullable=True),
        sa.Column("resolved_day", sa.Date(), nullable=True),
        sa.Column("resolution_bucket", ID, nullable=True),
        sa.Column("first_action_sla_day", sa.Date(), nullable=True),
        sa.Column("first_action_met", sa.Boolean(), nullable=True),
        sa.Column("resolve_sla_day", sa.Date(), nullable=True),
        sa.Column("resolve_met", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_insight_cases")),
    )
    for column in (
        "created_day",
        "first_action_day",
        "resolved_day",
        "first_action_sla_day",
        "resolve_sla_day",
    ):
        op.create_index(op.f(f"ix_insight_cases_{column}"), "insight_cases", [column])
    op.create_index(
        "ix_insight_cases_open_until", "insight_cases", ["open_until", "created_at"], unique=False
    )
    op.create_table(
        "insight_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        *_dims(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_events")),
    )
    op.create_index(op.f("ix_insight_events_case_id"), "insight_events", ["case_id"])
    op.create_index(op.f("ix_insight_events_day"), "insight_events", ["day"])
    op.create_table(
        "insight_qa",
        sa.Column("decision_id", ID, autoincrement=False, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_insight_qa")),
    )
    op.create_index(op.f("ix_insight_qa_case_id"), "insight_qa", ["case_id"])
    op.create_index(op.f("ix_insight_qa_day"), "insight_qa", ["day"])
    op.create_table(
        "insight_daily",
        sa.Column("measure", sa.String(length=16), nullable=False),
        *_dims(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("n", ID, nullable=False),
        sa.PrimaryKeyConstraint(
            "measure",
            "harm_area",
            "source",
            "region",
            "language",
            "day",
            "key",
            name=op.f("pk_insight_daily"),
        ),
    )
    op.create_index(op.f("ix_insight_daily_day"), "insight_daily", ["day"])
    op.create_table(
        "insight_rollup_state",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("at", AT, nullable=True),
        sa.Column("last_id", ID, nullable=False),
        sa.Column("fresh_as_of", AT, nullable=True),
        sa.Column("started_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_insight_rollup_state")),
    )
    op.create_table(
        "insight_dirty_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_insight_dirty_days")),
    )


def downgrade() -> None:
    op.drop_table("insight_dirty_days")
    op.drop_table("insight_rollup_state")
    op.drop_index(op.f("ix_insight_daily_day"), table_name="insight_daily")
    op.drop_table("insight_daily")
    op.drop_index(op.f("ix_insight_qa_day"), table_name="insight_qa")
    op.drop_index(op.f("ix_insight_qa_case_id"), table_name="insight_qa")
    op.drop_table("insight_qa")
    op.drop_index(op.f("ix_insight_events_day"), table_name="insight_events")
    op.drop_index(op.f("ix_insight_events_case_id"), table_name="insight_events")
    op.drop_table("insight_events")
    op.drop_index("ix_insight_cases_open_until", table_name="insight_cases")
    for column in (
        "resolve_sla_day",
        "first_action_sla_day",
        "resolved_day",
        "first_action_day",
        "created_day",
    ):
        op.drop_index(op.f(f"ix_insight_cases_{column}"), table_name="insight_cases")
    op.drop_table("insight_cases")
