"""The post-incident review as a document: Markdown for tickets and wikis, HTML to read, print or
attach (pure: renders a ``ReviewOut``, no database).

Both formats come from one ``Document`` so they never disagree about what a review says. Free
text is the writers' own: kept as written in Markdown (it may be Markdown), shown as written in
HTML, and never able to inject markup into either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from watchfloor.errors import Invalid
from watchfloor.incidents import lifecycle
from watchfloor.incidents.schemas import EntryOut, IncidentDetail, ReviewOut, TaskOut

NOT_WRITTEN = "(not written yet)"
TEMPLATES = Path(__file__).parent / "templates"
# "<" that would open a tag, a comment or a processing instruction when Markdown becomes HTML.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]  # the first cell of a row names it (a row header) when row_headers
    row_headers: bool = True
    empty: str = ""  # said instead of the table when it has no rows


@dataclass(frozen=True)
class Section:
    title: str
    text: str | None = None  # people's free text, as they wrote it
    tables: tuple[Table, ...] = ()
    note: str | None = None  # people's text that comments on the tables, after them


@dataclass(frozen=True)
class Document:
    key: str
    heading: str  # key, severity, title and status on one line
    lede: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    footer: str


def zone_of(name: str) -> tzinfo:
    """The time zone named ``name``; Invalid naming the problem when there is none."""
    if name.strip().upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"unknown time zone {name!r}: use an IANA name such as Europe/London or UTC",
            fields=[{"loc": ["time_zone"], "msg": "unknown time zone"}],
        ) from None


def _aware(value: datetime) -> datetime:
    # SQLite hands stored UTC times back naive.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def when(value: datetime | None, zone: tzinfo) -> str:
    """A moment in full, in ``zone``, with the zone's abbreviation: '2024-05-03 09:30 UTC'."""
    if value is None:
        return "—"
    return _aware(value).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _timeline_when(value: datetime, zone: tzinfo) -> str:
    """Timelines are compared across teams in UTC; a reader's own zone comes first if not UTC."""
    utc, local = when(value, UTC), when(value, zone)
    if local == utc:
        return utc
    return f"{local} ({utc[11:] if local[:10] == utc[:10] else utc})"


def _seconds(value: int | None) -> str:
    return lifecycle.describe(None if value is None else timedelta(seconds=value))


def _title_section(
    incident: IncidentDetail, zone: tzinfo
) -> tuple[str, str, list[tuple[str, str]]]:
    heading = f"{incident.key} · {incident.severity} · {incident.title} · {incident.status}"
    lede = f"Post-incident review of a {incident.severity} incident: {incident.severity_meaning}"
    facts = [
        ("Harm area", incident.harm_area or "not set"),
        ("Declared", f"{when(incident.declared_at, zone)} by {incident.declared_by}"),
        ("Commander", incident.commander or "unassigned"),
    ]
    return heading, lede, facts


def _impact(incident: IncidentDetail) -> Section:
    impact = incident.impact
    table = Table(
        head=["Measure", "Count"],
        rows=[
            ["Linked cases", str(impact.cases)],
            ["Cases still open", str(impact.open_cases)],
            ["Reports", str(impact.reports)],
            ["Subjects (accounts or items reported)", str(impact.subjects)],
            ["Users affected (people who reported)", str(impact.users_affected)],
        ],
    )
    return Section("Impact", tables=(table,), note=incident.impact_note.strip() or None)


def _metrics(incident: IncidentDetail, zone: tzinfo) -> Section:
    m = incident.metrics
    detection_to_resolve = lifecycle.metrics(
        lifecycle.Times(
            detected_at=_aware(incident.detected_at),
            declared_at=_aware(incident.declared_at),
            mitigated_at=None,
            resolved_at=None if incident.resolved_at is None else _aware(incident.resolved_at),
            closed_at=None,
        )
    ).detection_to_resolve
    durations = Table(
        head=["Measure", "Time"],
        rows=[
            ["Time to declare (from detection)", _seconds(m.time_to_declare_seconds)],
            ["Time to mitigate (from declaration)", _seconds(m.time_to_mitigate_seconds)],
            ["Time to resolve (from declaration)", _seconds(m.time_to_resolve_seconds)],
            ["Time to close (from declaration)", _seconds(m.time_to_close_seconds)],
            ["Detection to resolution", lifecycle.describe(detection_to_resolve)],
        ],
    )
    moments = Table(
        head=["State", "Since"],
        rows=[
            ["Detected", when(incident.detected_at, zone)],
            ["Declared", when(incident.declared_at, zone)],
            ["Mitigated", when(incident.mitigated_at, zone)],
            ["Resolved", when(incident.resolved_at, zone)],
            ["Closed", when(incident.closed_at, zone)],
        ],
    )
    return Section("Metrics", tables=(durations, moments))


def _roles(incident: IncidentDetail, zone: tzinfo) -> Section:
    rows = [
        [
            f"{r.title} ({r.role})",
            r.user or "unassigned",
            when(r.since, zone) if r.user else "—",
            "yes" if r.required else "no",
        ]
        for r in incident.roles
    ]
    table = Table(
        head=["Role", "Held by", "Since", "Required"], rows=rows, empty="No roles were assigned."
    )
    return Section("Roles", tables=(table,))


def _context(entry: EntryOut) -> str:
    parts = []
    if entry.basis:
        parts.append(f"Basis: {entry.basis}")
    if entry.party:
        parts.append(f"Party: {entry.party}")
    return "; ".join(parts) or "—"


def _timeline(review: ReviewOut, zone: tzinfo) -> Section:
    key = review.incident.key
    rows = [
        [
            _timeline_when(e.at, zone),
            e.author,
            e.kind if e.object == key else f"{e.kind} ({e.object})",
            e.text,
            _context(e),
        ]
        for e in review.key_timeline
    ]
    table = Table(
        head=["Time", "Author", "Kind", "What happened", "Basis or party"],
        rows=rows,
        row_headers=False,
        empty="No entries are flagged as key yet: flag them on the incident's timeline.",
    )
    return Section("Key timeline", tables=(table,))


def _action(task: TaskOut, zone: tzinfo) -> list[str]:
    status = f"{task.status} (overdue)" if task.overdue else task.status
    return [task.title, task.owner or "unassigned", when(task.due_at, zone), status]


def _actions(review: ReviewOut, zone: tzinfo) -> Section:
    table = Table(
        head=["Action", "Owner", "Due", "Status"],
        rows=[_action(t, zone) for t in review.action_items],
        empty="No action items yet: add tasks to the incident marked as action items.",
    )
    return Section("Action items", tables=(table,))


def document(review: ReviewOut, *, time_zone: str = "UTC") -> Document:
    """What the review says, in the order it says it; times in ``time_zone``."""
    zone = zone_of(time_zone)
    incident = review.incident
    heading, lede, facts = _title_section(incident, zone)
    sections = [
        Section("Summary", text=incident.summary.strip() or None),
        _impact(incident),
        _metrics(incident, zone),
        _roles(incident, zone),
        _timeline(review, zone),
        Section("What went well", text=incident.went_well.strip() or None),
        Section("What went badly", text=incident.went_badly.strip() or None),
        _actions(review, zone),
    ]
    footer = f"Generated {when(review.generated_at, zone)} by Watchfloor"
    return Document(incident.key, heading, lede, facts, sections, footer)


# Markdown


def _md_inline(text: str) -> str:
    """One line of people's text: whitespace collapsed, no tags."""
    return _TAG_START.sub("&lt;", " ".join(text.split()))


def _md_block(text: str | None, *, optional: bool = False) -> str:
    if text is None:
        return "" if optional else f"_{NOT_WRITTEN}_"
    return _TAG_START.sub("&lt;", text.replace("\r\n", "\n"))


def _md_cell(text: str) -> str:
    """A table cell: a pipe or a line break in it would end the cell or the table."""
    escaped = _TAG_START.sub("&lt;", text).replace("\\", "\\\\").replace("|", "\\|")
    lines = [" ".join(line.split()) for line in escaped.splitlines()]
    return "<br>".join(line for line in lines if line) or "—"


def _md_table(table: Table) -> str:
    if not table.rows:
        return f"_{table.empty}_"
    lines = [
        "| " + " | ".join(table.head) + " |",
        "|" + "|".join("---" for _ in table.head) + "|",
    ]
    lines.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows)
    return "\n".join(lines)


def markdown(review: ReviewOut, *, time_zone: str = "UTC") -> str:
    """The review as Markdown (GitHub-flavoured tables)."""
    doc = document(review, time_zone=time_zone)
    parts = [f"# {_md_inline(doc.heading)}", _md_inline(doc.lede)]
    parts.append("\n".join(f"- {label}: {_md_inline(value)}" for label, value in doc.facts))
    for section in doc.sections:
        parts.append(f"## {section.title}")
        text = _md_block(section.text, optional=bool(section.tables))
        if text:
            parts.append(text)
        parts.extend(_md_table(t) for t in section.tables)
        if section.note:
            parts.append(_md_block(section.note))
    parts.append(f"---\n\n_{doc.footer}_")
    return "\n\n".join(parts) + "\n"


# HTML


@cache
def _environment() -> Environment:
    # Autoescape on for every template: .j2 is not among the extensions Jinja would pick.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(review: ReviewOut, *, time_zone: str = "UTC") -> str:
    """The review as a standalone, printable HTML5 page: no scripts, nothing fetched."""
    doc = document(review, time_zone=time_zone)
    return _environment().get_template("review.html.j2").render(doc=doc, not_written=NOT_WRITTEN)
