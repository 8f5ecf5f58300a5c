"""The shift hand-off brief's rules (pure): what counts as unusual volume, and the brief as text.

Volume is unusual when a harm area has at least ``MIN_REPORTS`` reports in the last hour and at
least ``RATIO`` times as many as in the same hour a week earlier (a week, so the daily and weekly
rhythm of the floor is the same on both sides).
"""

from __future__ import annotations

from datetime import datetime

from watchfloor.oncall.handoff_schemas import HandoffBrief, VolumeOut

MIN_REPORTS = 5
RATIO = 2.0


def volume_rows(now: dict[str, int], week_ago: dict[str, int]) -> list[VolumeOut]:
    """Every harm area with reports in either hour; unusual ones first, then by volume."""
    rows = [
        VolumeOut(
            harm_area=area,
            last_hour=now.get(area, 0),
            same_hour_last_week=week_ago.get(area, 0),
            unusual=is_unusual(now.get(area, 0), week_ago.get(area, 0)),
        )
        for area in sorted(set(now) | set(week_ago))
    ]
    return sorted(rows, key=lambda r: (not r.unusual, -r.last_hour, r.harm_area))


def is_unusual(last_hour: int, same_hour_last_week: int) -> bool:
    return last_hour >= MIN_REPORTS and last_hour >= RATIO * max(same_hour_last_week, 1)


def render(brief: HandoffBrief) -> str:
    """The brief as a lead reads it at the change of shift."""
    lines = [
        f"Shift hand-off at {_t(brief.generated_at)} "
        f"(since {_t(brief.since)}; next shift until {_t(brief.next_shift_until)})",
        "",
        f"Open P0/P1 ({_count(len(brief.urgent_open), brief.urgent_open_total)}):",
    ]
    for c in brief.urgent_open:
        owner = c.assignee or "UNASSIGNED"
        summary = c.summary if c.summary is not None else f"[{c.withheld}]"
        lines.append(
            f"  {c.key} {c.priority} {c.harm_area:<18} {c.status:<12} {owner:<14} {summary}"
        )
    lines += ["", f"Due during the next shift ({len(brief.due_next_shift)}):"]
    for d in brief.due_next_shift:
        when = (
            f"BREACHED, was due {_t(d.due_at)}" if d.state == "breached" else f"due {_t(d.due_at)}"
        )
        lines.append(f"  {d.key} {d.priority} {d.clock:<12} {when}  {d.assignee or 'UNASSIGNED'}")
    lines += ["", "On call (now → when the next shift ends):"]
    for o in brief.on_call:
        now = ", ".join(o.now) or "NOBODY"
        later = ", ".join(o.at_shift_end) or "NOBODY"
        lines.append(f"  {o.schedule:<20} {now} → {later}")
    lines += ["", f"Pages still open, and since the last hand-off ({len(brief.pages)}):"]
    for p in brief.pages:
        case = f" ({p.case})" if p.case else ""
        lines.append(f"  {_t(p.at)} {p.key} {p.severity:<4} {p.state:<12} {p.summary}{case}")
    lines += ["", "Reports by harm area, last hour vs the same hour last week:"]
    for v in brief.volume:
        flag = "  UNUSUAL" if v.unusual else ""
        lines.append(f"  {v.harm_area:<20} {v.last_hour:>5} vs {v.same_hour_last_week:>5}{flag}")
    if brief.last_handoff_by:
        lines += ["", f"Last hand-off recorded by {brief.last_handoff_by} at {_t(brief.since)}."]
    return "\n".join(lines)


def _count(shown: int, total: int) -> str:
    return str(total) if shown == total else f"{total}, the {shown} most urgent shown"


def _t(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")
