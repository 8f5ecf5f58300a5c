"""Hash lists: known images and files (e.g. child sexual abuse material) to match evidence against."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class HashList(Base):
    """A named list of hashes from one source; a match to a child-safety list makes a case P0."""

    __tablename__ = "hash_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    harm_area: Mapped[str] = mapped_column(String(64))
    child_safety: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))  # where it came from: csv, threatexchange…
    entry_count: Mapped[int] = mapped_column(default=0)
    # A new random value on every change, so each process knows when its PDQ index is stale.
    revision: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HashEntry(Base):
    """One hash on a list: its algorithm, lower-case hex value and an optional label."""

    __tablename__ = "hash_entries"
    __table_args__ = (
        UniqueConstraint("list_id", "algorithm", "value"),
        # Exact matching looks evidence up by (algorithm, value) across every list.
        Index("ix_hash_entries_algorithm_value", "algorithm", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("hash_lists.id", ondelete="CASCADE"))
    algorithm: Mapped[str] = mapped_column(String(8))  # sha256 | md5 | pdq
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(256))  # e.g. the exchange it came from
