"""What the golden-set API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from watchfloor.quality.golden import AnalystScore, GoldenStats
from watchfloor.quality.models import QaGolden
from watchfloor.quality.schemas import EstimateOut, PolicyId, Text

CaseKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class GoldenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case: CaseKey = Field(description="The decided case, e.g. CASE-000123.")
    policy_id: PolicyId
    violation: bool
    explanation: Text = Field(description="Why this is the agreed verdict (shown to leads only).")


class GoldenOut(BaseModel):
    id: int
    key: str = Field(description="GOLD-<id>")
    case: str
    queue: str
    harm_area: str
    policy_id: str
    violation: bool
    explanation: str
    marked_by: str
    marked_at: datetime
    retired_by: str | None
    retired_at: datetime | None
    copies: int = Field(description="Copies opened in analysts' queues so far.")
    decided: int
    correct: int

    @classmethod
    def of(cls, row: QaGolden, stats: GoldenStats | None) -> GoldenOut:
        return cls(
            id=row.id,
            key=f"GOLD-{row.id}",
            case=row.case_key,
            queue=row.queue,
            harm_area=row.harm_area,
            policy_id=row.policy_id,
            violation=row.violation,
            explanation=row.explanation,
            marked_by=row.marked_by,
            marked_at=row.marked_at,
            retired_by=row.retired_by,
            retired_at=row.retired_at,
            copies=stats.copies if stats else 0,
            decided=stats.decided if stats else 0,
            correct=stats.correct if stats else 0,
        )


class GoldenScoreOut(BaseModel):
    analyst: str
    decided: int = Field(description="Golden copies this analyst decided.")
    correct: int
    accuracy: EstimateOut

    @classmethod
    def of(cls, s: AnalystScore) -> GoldenScoreOut:
        return cls(
            analyst=s.analyst,
            decided=s.decided,
            correct=s.correct,
            accuracy=EstimateOut.of(s.accuracy, "accuracy", percent=True),
        )


class GoldenSetOut(BaseModel):
    golden: list[GoldenOut]
    analysts: list[GoldenScoreOut] = Field(
        description="Per analyst: accuracy on golden copies against the agreed verdict."
    )
