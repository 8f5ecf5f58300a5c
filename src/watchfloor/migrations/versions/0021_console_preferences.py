"""console preferences and saved views: each person's time zone, blur strength and greyscale
start for the console, and the named filters they keep for queue and search pages

Revision ID: 0021_console_preferences
Revises: 0020_case_notes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0021_console_preferences"
down_revision: str | None = "0020_case_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "console_preferences",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("blur_strength", sa.SmallInteger(), nullable=False),
        sa.Column("start_greyscale", sa.Boolean(), nullable=False),
        sa.Column("updated_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_console_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_console_preferences")),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("page", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_views_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint(
            "user_id", "page", "name", name=op.f("uq_saved_views_user_id_page_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("saved_views")
    op.drop_table("console_preferences")
