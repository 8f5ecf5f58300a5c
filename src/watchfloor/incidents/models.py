"""Incident tables: the incident, its linked cases, roles (with hand-overs kept), manual
timeline entries, key flags on audit events, stakeholder updates and tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


def incident_key(incident_id: int) -> str:
    return f"INC-{incident_id:04d}"


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    harm_area: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)  # lifecycle.Status
    # When the harm was first seen: the earliest linked case's creation, else the declaration.
    detected_at: Mapped[datetime]
    declared_at: Mapped[datetime]
    declared_by: Mapped[str] = mapped_column(String(100))
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_update_at: Mapped[datetime | None]
    next_update_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The due time the commander was last reminded of, so each missed update reminds once.
    reminded_for: Mapped[datetime | None]
    channels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The review's editable sections.
    summary: Mapped[str] = mapped_column(Text, default="")
    impact_note: Mapped[str] = mapped_column(Text, default="")
    went_well: Mapped[str] = mapped_column(Text, default="")
    went_badly: Mapped[str] = mapped_column(Text, default="")

    @property
    def key(self) -> str:
        return incident_key(self.id)


class IncidentCase(Base):
    """A case linked to an incident; unlinking deletes the row (the audit log keeps it)."""

    __tablename__ = "incident_cases"
    __table_args__ = (
        UniqueConstraint("incident_id", "case_id"),
        # What the timeline reads: the keys of an incident's cases, from the index alone.
        Index("ix_incident_cases_incident_key", "incident_id", "case_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The audit log names cases by key: the timeline finds their events through this column.
    case_key: Mapped[str] = mapped_column(String(32))
    linked_at: Mapped[datetime]
    linked_by: Mapped[str] = mapped_column(String(100))


class IncidentRole(Base):
    """Who holds a role; a hand-over ends the row and starts another, so the history stays.

    ``active_key`` is ``"<incident>:<role>"`` while the holder has it and NULL once handed over:
    a unique constraint (NULLs never collide) keeps one holder per role on both databases."""

    __tablename__ = "incident_roles"
    __table_args__ = (Index("ix_incident_roles_incident", "incident_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    active_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    assigned_at: Mapped[datetime]
    assigned_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(100))
    page_id: Mapped[int | None]  # the page that called them in (none for the declarer)


class IncidentEntry(Base):
    """A timeline entry written by a person: a note, a decision with its basis, an external
    contact (a law-enforcement referral, a regulator's call)."""

    __tablename__ = "incident_entries"
    __table_args__ = (Index("ix_incident_entries_incident", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # note | decision | contact
    text: Mapped[str] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)  # a decision's policy or legal basis
    party: Mapped[str | None] = mapped_column(String(200))  # a contact's other side
    is_key: Mapped[bool] = mapped_column(default=False)


class IncidentKeyEvent(Base):
    """An audit event of the incident or its cases that someone flagged as key."""

    __tablename__ = "incident_key_events"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    audit_event_id: Mapped[int] = mapped_column(primary_key=True)


class IncidentUpdate(Base):
    """A stakeholder update as sent, and where it went."""

    __tablename__ = "incident_updates"
    __table_args__ = (Index("ix_incident_updates_incident", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    channels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    event_id: Mapped[str] = mapped_column(String(36))  # the outbox event


class IncidentTask(Base):
    __tablename__ = "incident_tasks"
    __table_args__ = (Index("ix_incident_tasks_incident", "incident_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # open | done | cancelled
    action_item: Mapped[bool] = mapped_column(default=False)  # from the post-incident review
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(100))
