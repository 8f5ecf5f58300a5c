"""The ``watchfloor oncall`` commands (registered in watchfloor.cli)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer

from watchfloor.errors import WatchfloorError

oncall_app = typer.Typer(help="On-call schedules and pages.", no_args_is_help=True)


def _instant(text: str | None, name: str) -> datetime:
    if text is None:
        from watchfloor.clock import SystemClock

        return SystemClock().now().replace(microsecond=0)
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise WatchfloorError(f"--{name}: {text!r} is not an ISO 8601 instant") from exc
    if at.tzinfo is None:
        raise WatchfloorError(f"--{name}: {text!r} needs a UTC offset, e.g. {text}Z")
    return at


def coverage_lines(start: datetime, end: datetime) -> tuple[list[str], int]:
    """One line per schedule and per gap or overlap, and how many problems there were."""
    from watchfloor.oncall import service
    from watchfloor.oncall.schedules import load_oncall
    from watchfloor.settings import get_settings

    config = load_oncall(get_settings().config_dir)
    lines, problems = [], 0
    for name, cov in service.check(config, start, end).items():
        n = len(cov.gaps) + len(cov.overlaps)
        problems += n
        state = "covered" if n == 0 else f"{len(cov.gaps)} gap(s), {len(cov.overlaps)} overlap(s)"
        lines.append(f"{name}: {state}")
        lines += [f"  gap: {g} (nobody on call for {g.duration})" for g in cov.gaps]
        lines += [f"  overlap: {o}" for o in cov.overlaps]
    return lines, problems


@oncall_app.command("check")
def check(
    start: Annotated[str | None, typer.Option("--from", help="ISO instant; default now")] = None,
    weeks: Annotated[int, typer.Option(min=1, max=104, help="How far ahead to look.")] = 4,
) -> None:
    """Report every uncovered span and every overlap of the schedules, exactly; exit 1 if any.
    Also warns (without failing) when an SLA calendar's holidays run out within 90 days."""
    from watchfloor.queues.sla import holidays_running_out, load_sla
    from watchfloor.settings import get_settings

    begin = _instant(start, "from")
    lines, problems = coverage_lines(begin, begin + timedelta(weeks=weeks))
    lines += holidays_running_out(load_sla(get_settings().config_dir), begin.date())
    for line in lines:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)


@oncall_app.command("now")
def now(at: Annotated[str | None, typer.Option(help="ISO instant; default now")] = None) -> None:
    """Who is on call for each schedule (overrides from the file only)."""
    from watchfloor.oncall import service
    from watchfloor.oncall.schedules import load_oncall
    from watchfloor.settings import get_settings

    when = _instant(at, "at")
    config = load_oncall(get_settings().config_dir)
    for name in sorted(config.schedules):
        typer.echo(f"{name}: {', '.join(service.on_call(config, name, when)) or '(nobody)'}")
