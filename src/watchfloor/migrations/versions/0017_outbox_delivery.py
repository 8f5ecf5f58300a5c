"""outbox: per-receiver delivery and in-flight leases; receivers' answers kept apart

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_response", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_deliveries_endpoint_due", ["endpoint_id", "status", "next_attempt_at"]
        )
    # Errors used to carry the receiver's answer ("HTTP 503: <body>"), which every case reader
    # saw: move the body to last_response, which only those who manage receivers see.
    deliveries = sa.table(
        "deliveries",
        sa.column("id", sa.Integer()),
        sa.column("last_error", sa.Text()),
        sa.column("last_response", sa.Text()),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(deliveries.c.id, deliveries.c.last_error).where(
            deliveries.c.last_error.like("HTTP %: %")
        )
    ).all()
    for row_id, error in rows:
        status, body = error.split(": ", 1)
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == row_id)
            .values(last_error=status, last_response=body)
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_endpoint_due")
        batch_op.drop_column("last_response")
