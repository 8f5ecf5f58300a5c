"""legal requests from authorities and regulators, their response packages (compliance/requests)

Revision ID: 0034_legal_requests
Revises: 0033_statements_of_reasons
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0034_legal_requests"
down_revision: str | None = "0033_statements_of_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "legal_requests",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=False),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("request_type", sa.String(length=32), nullable=True),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("scope", JSON, nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=512), nullable=False),
        sa.Column("received_at", AT, nullable=False),
        sa.Column("response_due_at", AT, nullable=True),
        sa.Column("classification_note", sa.Text(), nullable=True),
        sa.Column("attachments", JSON, nullable=False),
        sa.Column("obligation_ids", JSON, nullable=False),
        sa.Column("acknowledged_at", AT, nullable=True),
        sa.Column("answered_at", AT, nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_legal_requests_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_requests")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_legal_requests_source_external_id")
        ),
    )
    op.create_index(op.f("ix_legal_requests_case_id"), "legal_requests", ["case_id"])
    op.create_index("ix_legal_requests_received", "legal_requests", ["received_at"])
    op.create_table(
        "legal_response_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("data_categories", JSON, nullable=False),
        sa.Column("identifiers", JSON, nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("sent_by", sa.String(length=200), nullable=False),
        sa.Column("delivery", sa.String(length=32), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_requests.id"],
            name=op.f("fk_legal_response_items_request_id_legal_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_response_items")),
    )
    op.create_index(
        op.f("ix_legal_response_items_request_id"), "legal_response_items", ["request_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_legal_response_items_request_id"), table_name="legal_response_items")
    op.drop_table("legal_response_items")
    op.drop_index("ix_legal_requests_received", table_name="legal_requests")
    op.drop_index(op.f("ix_legal_requests_case_id"), table_name="legal_requests")
    op.drop_table("legal_requests")
