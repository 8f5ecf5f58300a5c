"""auth: sign-in throttled per source address and account name instead of a lock-out

The lock-out's columns go: anyone could lock any account with ten guesses. Failures are now
rows counted per address and per name (known or not), and addresses an owner signed in from
are remembered so guessing elsewhere cannot keep them out.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = watchfloor.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", INT, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_source_at", "login_failures", ["source", "at"])
    op.create_index("ix_login_failures_account_at", "login_failures", ["account", "at"])
    op.create_table(
        "login_sources",
        sa.Column("user_id", INT, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("last_success_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_sources_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "source", name=op.f("pk_login_sources")),
    )
    # Not a batch (a copy of the table): on SQLite, dropping the old users table would cascade
    # to every row that refers to a user. SQLite 3.35+ drops a plain column in place.
    op.drop_column("users", "locked_until")
    op.drop_column("users", "failed_logins")


def downgrade() -> None:
    op.add_column("users", sa.Column("failed_logins", INT, server_default="0", nullable=False))
    op.add_column("users", sa.Column("locked_until", TS, nullable=True))
    op.drop_table("login_sources")
    op.drop_index("ix_login_failures_account_at", table_name="login_failures")
    op.drop_index("ix_login_failures_source_at", table_name="login_failures")
    op.drop_table("login_failures")
