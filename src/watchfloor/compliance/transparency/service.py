"""Reads the counts of the DSA transparency report from the rooms that own them (each aggregates
in the database) and hands them to report.py. Services never commit; nothing here writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, literal, null
from sqlalchemy.orm import Session

from watchfloor.cases import tallies as case_tallies
from watchfloor.clock import Clock
from watchfloor.compliance.appeals import service as appeals
from watchfloor.compliance.requests import service as requests
from watchfloor.compliance.statements.config import SourceTypes, TransparencyConfig
from watchfloor.compliance.transparency import report
from watchfloor.intake import tallies as intake_tallies


def transparency_report(
    session: Session, clock: Clock, *, mapping: TransparencyConfig, start: datetime, end: datetime
) -> report.TransparencyReport:
    """The report over [start, end)."""
    counted = case_tallies.tally(
        session,
        start=start,
        end=end,
        origins=intake_tallies.first_report_subquery(),
        label=lambda source, kind: notice_type(mapping.sources, source, kind),
        all_label=report.ALL_NOTICES,
    )
    return report.assemble(
        mapping,
        start=start,
        end=end,
        generated_at=clock.now(),
        arrivals=intake_tallies.arrivals(session, start=start, end=end),
        decisions=counted.decisions,
        actions=counted.actions,
        medians=counted.medians,
        appeals=appeals.tally(session, start=start, end=end),
        orders=requests.tally(session, start=start, end=end),
    )


def notice_type(sources: SourceTypes, source: Any, kind: Any) -> ColumnElement[Any]:
    """SQL for ``SourceTypes.source_type`` when it is a kind of notice, else NULL, so the
    database groups decisions by notice type without reading them out: the reporter's kind
    first, then the exact source, then source prefixes in the file's order, then the default.
    A case without a report has a NULL source and kind, and takes the default, as in Python."""
    whens: list[tuple[ColumnElement[bool], str]] = [
        (kind == reporter, t) for reporter, t in sources.by_reporter.items()
    ]
    whens += [(source == name, t) for name, t in sources.by_source.items()]
    whens += [
        (source.startswith(prefix, autoescape=True), t)
        for prefix, t in sources.by_source.items()
        if prefix.endswith(":")
    ]
    default = sources.default
    return case(
        *((cond, _notice(t)) for cond, t in whens),
        else_=_notice(default),
    )


def _notice(source_type: str) -> ColumnElement[Any]:
    return literal(source_type) if source_type in report.NOTICE_TYPES else null()
