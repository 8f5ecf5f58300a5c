"""analyst routing: profiles (skills, languages, limits), graphic exposure, urgency indexes

Revision ID: 0010
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WAITING = "assignee_id IS NULL AND status IN ('new', 'triaged')"


def upgrade() -> None:
    op.create_table(
        "analyst_profiles",
        sa.Column("user_id", INT, nullable=False),
        sa.Column("skills", JSON, nullable=False),
        sa.Column("languages", JSON, nullable=False),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("max_open_cases", INT, nullable=True),
        sa.Column("graphic_daily_budget", INT, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_analyst_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_analyst_profiles")),
    )
    op.create_table(
        "graphic_exposures",
        sa.Column("id", INT, nullable=False),
        sa.Column("user_id", INT, nullable=False),
        sa.Column("case_id", INT, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_graphic_exposures_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_graphic_exposures_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graphic_exposures")),
    )
    op.create_index(
        "ix_graphic_exposures_user_at", "graphic_exposures", ["user_id", "at"], unique=False
    )
    op.create_index(
        "ix_cases_waiting_urgency",
        "cases",
        ["priority", "first_action_due_at", "id"],
        unique=False,
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_cases_waiting_due",
        "cases",
        ["first_action_due_at", "id"],
        unique=False,
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_waiting_due", table_name="cases")
    op.drop_index("ix_cases_waiting_urgency", table_name="cases")
    op.drop_index("ix_graphic_exposures_user_at", table_name="graphic_exposures")
    op.drop_table("graphic_exposures")
    op.drop_table("analyst_profiles")
