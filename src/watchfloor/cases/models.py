"""Cases (the unit of work), the decisions taken on them and the actions those decisions order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.cases.lifecycle import OPEN_STATUSES, Status
from watchfloor.cases.schemas import case_key
from watchfloor.db import Base

# Written out so both databases can use the partial indexes below for the sweep's query.
FIRST_ACTION_RUNNING = (
    "first_action_at IS NULL AND first_action_breached_at IS NULL AND sla_paused_at IS NULL"
)
RESOLVE_RUNNING = "resolved_at IS NULL AND resolve_breached_at IS NULL AND sla_paused_at IS NULL"
# Literal, not bound, so SQLite can prove a query's filter implies the partial index's.
OPEN_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in Status if s in OPEN_STATUSES))


class Case(Base):
    """One or more reports about the same subject and harm, worked and decided as one."""

    __tablename__ = "cases"
    __table_args__ = (
        # What a claim reads: the most urgent waiting case of a queue.
        Index(
            "ix_cases_claimable",
            "queue",
            "priority",
            "first_action_due_at",
            "id",
            postgresql_where=text("assignee_id IS NULL AND status IN ('new', 'triaged')"),
            sqlite_where=text("assignee_id IS NULL AND status IN ('new', 'triaged')"),
        ),
        # What `next` across every queue reads: by urgency, and the cases already due.
        Index(
            "ix_cases_waiting_urgency",
            "priority",
            "first_action_due_at",
            "id",
            postgresql_where=text("assignee_id IS NULL AND status IN ('new', 'triaged')"),
            sqlite_where=text("assignee_id IS NULL AND status IN ('new', 'triaged')"),
        ),
        Index(
            "ix_cases_waiting_due",
            "first_action_due_at",
            "id",
            postgresql_where=text("assignee_id IS NULL AND status IN ('new', 'triaged')"),
            sqlite_where=text("assignee_id IS NULL AND status IN ('new', 'triaged')"),
        ),
        # What the floor reads, every few seconds on every screen: open cases by queue and
        # priority with their clocks, from the index alone.
        Index(
            "ix_cases_open_floor",
            "queue",
            "priority",
            "status",
            "assignee_id",
            "created_at",
            "first_action_due_at",
            "first_action_warn_at",
            "resolve_due_at",
            "sla_paused_at",
            postgresql_where=text(OPEN_SQL),
            sqlite_where=text(OPEN_SQL),
        ),
        # What linking reads: an open case about this subject and harm area.
        Index("ix_cases_subject_area", "subject_id", "harm_area", "status"),
        Index("ix_cases_assignee_status", "assignee_id", "status"),
        # What the SLA sweep reads: running clocks whose warning time has come.
        Index(
            "ix_cases_sla_first_action",
            "first_action_warn_at",
            postgresql_where=text(FIRST_ACTION_RUNNING),
            sqlite_where=text(FIRST_ACTION_RUNNING),
        ),
        # What insights' rollup reads each minute: the cases changed since its watermark.
        Index("ix_cases_updated", "updated_at", "id"),
        Index(
            "ix_cases_sla_resolve",
            "resolve_warn_at",
            postgresql_where=text(RESOLVE_RUNNING),
            sqlite_where=text(RESOLVE_RUNNING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    harm_area: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    region: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(35))
    summary: Mapped[str] = mapped_column(String(300))
    triage_reasons: Mapped[list[str]] = mapped_column(default=list)
    # Triage's view of the case: its risk 0-1, every harm area a signal placed it in, the policy a
    # rule pointed to, and flags such as "classifier_failed" (rules-only triage).
    risk_score: Mapped[float] = mapped_column(default=0.0)
    harm_areas: Mapped[list[str]] = mapped_column(default=list)
    suggested_policy: Mapped[str | None] = mapped_column(String(32))
    triage_flags: Mapped[list[str]] = mapped_column(default=list)
    report_count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_report_at: Mapped[datetime]
    first_action_due_at: Mapped[datetime]
    resolve_due_at: Mapped[datetime]
    first_action_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # SLA clocks (sla/policy.py): due and warning times move later by the clock time spent paused
    # (pending_info, or resolved until reopened); a legal clock caps them. Each warned/breached
    # marker is set once, by the sweep, with its audited event.
    first_action_warn_at: Mapped[datetime]
    resolve_warn_at: Mapped[datetime]
    legal_due_at: Mapped[datetime | None]
    sla_paused_at: Mapped[datetime | None]
    sla_paused_seconds: Mapped[float] = mapped_column(default=0.0, server_default="0")
    first_action_warned_at: Mapped[datetime | None]
    first_action_breached_at: Mapped[datetime | None]
    resolve_warned_at: Mapped[datetime | None]
    resolve_breached_at: Mapped[datetime | None]
    # A golden copy: a decided case re-queued unannounced to score analysts against its agreed
    # verdict (quality room). Deciding one records the decision and fires no action, page or
    # notice; counts of the team's real work leave these out.
    golden_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    @property
    def key(self) -> str:
        return case_key(self.id)


class Decision(Base):
    """What the team decided about a case, under which policy, and why."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    policy_id: Mapped[str] = mapped_column(String(32))
    violation: Mapped[bool]
    rationale: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class CaseNote(Base):
    """An internal note on a case: what an analyst or lead wants the next person to know. Never
    sent outside the team; audited, and shown on the case's timeline."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Action(Base):
    """An enforcement or follow-up step a decision orders; delivered to other systems via the outbox."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outbox_event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]


class LegalHold(Base):
    """An instruction to preserve a case's records (a law-enforcement preservation request,
    litigation): retention must not delete them until the hold is released."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(String(200))  # who asked: court, agency, counsel
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]


class GraphicExposure(Base):
    """One exposure to disturbing material: a graphic case handed to an analyst by ``next``
    (``evidence_id`` None) or an evidence item they chose to reveal in the console. Their daily
    budget counts these rows."""

    __tablename__ = "graphic_exposures"
    __table_args__ = (Index("ix_graphic_exposures_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
