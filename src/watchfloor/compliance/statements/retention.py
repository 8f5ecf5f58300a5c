"""Redacting statements of reasons past their retention period (compliance/retention). The
Transparency Database keeps the public copy; ours keeps every field the transparency report
counts, and loses its free text: the facts, the explanations and the letter to the user."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.compliance.statements.models import StatementOfReasons

FREE_TEXT = (
    "decision_facts",
    "illegal_content_explanation",
    "incompatible_content_explanation",
    "decision_visibility_other",
    "decision_monetary_other",
    "content_type_other",
    "category_specification_other",
    "source_identity",
)


def redact(session: Session, *, case_ids: Collection[int], placeholder: str) -> int:
    """Statements of these cases lose their free text to ``placeholder``; one still waiting to
    be sent is left whole (it would reach the Database redacted). How many changed."""
    changed = 0
    for statement in session.scalars(
        select(StatementOfReasons).where(
            StatementOfReasons.case_id.in_(list(case_ids)),
            StatementOfReasons.state != "ready",
            StatementOfReasons.user_text != placeholder,
        )
    ):
        statement.user_text = placeholder
        # A new dict: the JSON column notices a replaced value, not one changed in place.
        statement.body = {
            k: (placeholder if k in FREE_TEXT and isinstance(v, str) and v else v)
            for k, v in statement.body.items()
        }
        changed += 1
    return changed
