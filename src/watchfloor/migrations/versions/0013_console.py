"""console: sign-in sessions, legal holds, reveals counted as exposure, reporters' records

Revision ID: 0013
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = watchfloor.db.UTCDateTime(timezone=True)
OPEN = "status IN ('new', 'triaged', 'assigned', 'in_review', 'pending_info', 'escalated')"


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", INT, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", INT, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(op.f("ix_login_sessions_user_id"), "login_sessions", ["user_id"])
    op.create_table(
        "legal_holds",
        sa.Column("id", INT, nullable=False),
        sa.Column("case_id", INT, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("authority", sa.String(200), nullable=True),
        sa.Column("placed_by_id", INT, nullable=False),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("released_by_id", INT, nullable=True),
        sa.Column("released_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_legal_holds_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_id"], ["users.id"], name=op.f("fk_legal_holds_placed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_legal_holds_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index(op.f("ix_legal_holds_case_id"), "legal_holds", ["case_id"])
    op.create_index("ix_reports_reporter", "reports", ["reporter_kind", "reporter_id"])
    op.create_index(
        "ix_cases_open_floor",
        "cases",
        [
            "queue",
            "priority",
            "status",
            "assignee_id",
            "created_at",
            "first_action_due_at",
            "first_action_warn_at",
            "resolve_due_at",
            "sla_paused_at",
        ],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    with op.batch_alter_table("graphic_exposures") as batch:
        batch.add_column(sa.Column("evidence_id", INT, nullable=True))
        batch.create_foreign_key(
            op.f("fk_graphic_exposures_evidence_id_evidence"),
            "evidence",
            ["evidence_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_graphic_exposures_evidence_id"), ["evidence_id"])


def downgrade() -> None:
    with op.batch_alter_table("graphic_exposures") as batch:
        batch.drop_index(op.f("ix_graphic_exposures_evidence_id"))
        batch.drop_constraint(op.f("fk_graphic_exposures_evidence_id_evidence"), type_="foreignkey")
        batch.drop_column("evidence_id")
    op.drop_index("ix_cases_open_floor", table_name="cases")
    op.drop_index("ix_reports_reporter", table_name="reports")
    op.drop_index(op.f("ix_legal_holds_case_id"), table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_index(op.f("ix_login_sessions_user_id"), table_name="login_sessions")
    op.drop_table("login_sessions")
