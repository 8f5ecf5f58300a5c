"""Retention periods as data (config/retention.yaml) and the pure rules on them (no database).

Each data type names a period and what happens when it has passed: ``delete`` the rows,
``redact`` them to a placeholder (the row stays, so counts and reports still add up), or
``keep`` (written down so the choice is visible and counsel can change it). Every data type
must appear: a type left out would be kept silently, and an unknown one is a typing mistake.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field

from watchfloor.compliance.clocks.obligations import PositiveSpan, Span
from watchfloor.configfile import load_yaml_model

Action = Literal["delete", "redact", "keep"]


class _Rule(BaseModel):
    """How long one data type is kept and what happens after."""

    model_config = ConfigDict(extra="forbid")
    period: PositiveSpan
    action: Action
    why: str = Field(min_length=10)
    # Our own choice rather than a number the law sets: for counsel to confirm.
    internal: bool = False


# What each data type can have done to it: a redaction keeps the row, so types whose rows
# others count (reports, decisions, statements) offer it; bytes and logs are deleted whole.
class RedactRule(_Rule):
    action: Literal["redact", "keep"]


class DeleteRule(_Rule):
    action: Literal["delete", "keep"]


class KeepRule(_Rule):
    action: Literal["keep"]


class DataTypes(BaseModel):
    """One rule per data type; every one must be written (a type left out would be kept
    silently) and an unknown name is refused (a typing mistake would keep data too)."""

    model_config = ConfigDict(extra="forbid")
    report_text: RedactRule
    evidence_files: DeleteRule
    subject_identifiers: RedactRule
    reporter_identifiers: RedactRule
    decision_rationales: RedactRule
    case_notes: RedactRule
    statements_of_reasons: RedactRule
    outbox_deliveries: DeleteRule
    outbox_emails: DeleteRule
    sessions: DeleteRule
    # Hash-chained: removing or editing its start breaks verification of every later event, so
    # only ``keep`` is offered until pruning from a signed checkpoint exists.
    audit_log: KeepRule

    def items(self) -> list[tuple[str, _Rule]]:
        return [(name, getattr(self, name)) for name in type(self).model_fields]


DATA_TYPES: tuple[str, ...] = tuple(DataTypes.model_fields)
# Types whose rows belong to a case: only closed cases, and never one under a legal hold.
CASE_BOUND = frozenset(
    {
        "report_text",
        "evidence_files",
        "subject_identifiers",
        "reporter_identifiers",
        "decision_rationales",
        "case_notes",
        "statements_of_reasons",
    }
)


class RetentionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    placeholder: str = Field(default="[removed under the retention policy]", min_length=3)
    batch_size: int = Field(default=500, ge=1, le=10_000)
    data_types: DataTypes


def cutoff(period: Span, *, now: datetime) -> datetime:
    """The instant before which data of this period has passed it: ``now`` less the period,
    months on the calendar (as Span counts them forward), the rest as elapsed time."""
    return now - relativedelta(months=period.months) - period.delta


def cutoffs(config: RetentionConfig, *, now: datetime) -> dict[str, datetime]:
    """For each data type something is done to, the cutoff of its period at ``now``."""
    return {
        name: cutoff(rule.period, now=now)
        for name, rule in config.data_types.items()
        if rule.action != "keep"
    }


DAY = timedelta(days=1)


def due(last_run_at: datetime | None, *, now: datetime) -> bool:
    """Whether the daily job should run: never ran, or a day has passed since it last did."""
    return last_run_at is None or now - last_run_at >= DAY


def load_retention(config_dir: Path) -> RetentionConfig:
    """config/retention.yaml, validated; raises ConfigError naming the file, line and field."""
    return load_yaml_model(config_dir / "retention.yaml", RetentionConfig)
