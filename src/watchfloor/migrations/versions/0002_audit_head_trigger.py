"""Move each audit chain's head in the database as events are inserted

Writers used to insert their events, then update the chain heads: two statements. A trigger
does the second inside the first, once per statement on PostgreSQL (transition table) and once
per row on SQLite (which has no statement triggers; the update is in-process and cheap).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_move_chain_heads() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE audit_chain_head AS head
                SET seq = last.seq, hash = last.hash
                FROM (
                    SELECT DISTINCT ON (chain) chain, seq, hash
                    FROM new_events ORDER BY chain, seq DESC
                ) AS last
                WHERE head.id = last.chain AND last.seq > head.seq;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            """
            CREATE TRIGGER audit_events_move_chain_heads
            AFTER INSERT ON audit_events
            REFERENCING NEW TABLE AS new_events
            FOR EACH STATEMENT EXECUTE FUNCTION audit_move_chain_heads()
            """
        )
    else:
        op.execute(
            """
            CREATE TRIGGER audit_events_move_chain_heads
            AFTER INSERT ON audit_events
            BEGIN
                UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash
                WHERE id = NEW.chain AND NEW.seq > seq;
            END
            """
        )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS audit_events_move_chain_heads ON audit_events"
        if op.get_bind().dialect.name == "postgresql"
        else "DROP TRIGGER IF EXISTS audit_events_move_chain_heads"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_move_chain_heads()")
