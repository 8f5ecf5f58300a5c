"""The ``watchfloor oncall`` commands (registered in watchfloor.cli)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy import select

from watchfloor.errors import WatchfloorError

if TYPE_CHECKING:
    from watchfloor.oncall.config import OncallConfig

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


def coverage_lines(
    start: datetime, end: datetime, *, with_api_overrides: bool = True
) -> tuple[list[str], int]:
    """One line per schedule and per gap or overlap, and how many problems there were. With
    ``with_api_overrides`` the overrides made through the API count too (read from the
    database); when it cannot be read, the file's alone, and a line says so."""
    from watchfloor.oncall import service

    lines, problems = [], 0
    with _source(with_api_overrides) as (session, config, note):
        coverage = service.check(session, config, start, end)
    lines += note
    for name, cov in coverage.items():
        n = len(cov.gaps) + len(cov.overlaps)
        problems += n
        state = "covered" if n == 0 else f"{len(cov.gaps)} gap(s), {len(cov.overlaps)} overlap(s)"
        lines.append(f"{name}: {state}")
        lines += [f"  gap: {g} (nobody on call for {g.duration})" for g in cov.gaps]
        lines += [f"  overlap: {o}" for o in cov.overlaps]
    return lines, problems


@contextmanager
def _source(with_api_overrides: bool) -> Iterator[tuple[Any, OncallConfig, list[str]]]:
    """The configuration, with a database session for the API's overrides (None: the file's
    overrides alone, with a note saying why)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from watchfloor.db import session_scope
    from watchfloor.oncall.config import load_oncall
    from watchfloor.oncall.models import OncallOverride
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    settings = get_settings()
    note: list[str] = []
    if with_api_overrides:
        runtime = Runtime.create(settings)
        try:
            try:
                with session_scope(runtime.sessions) as probe:
                    probe.execute(select(OncallOverride.id).limit(1))  # is the table there?
            except (OperationalError, ProgrammingError) as exc:
                reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                note = [f"(overrides made through the API not read: {reason})"]
            if not note:
                with session_scope(runtime.sessions) as session:
                    yield session, runtime.config.oncall, []
                return
        finally:
            runtime.engine.dispose()
    yield None, load_oncall(settings.config_dir), note


@oncall_app.command("check")
def check(
    start: Annotated[str | None, typer.Option("--from", help="ISO instant; default now")] = None,
    weeks: Annotated[int, typer.Option(min=1, max=104, help="How far ahead to look.")] = 4,
) -> None:
    """Report every uncovered span and every overlap of the schedules, exactly; exit 1 if any.
    Also warns (without failing) when an SLA calendar's holidays run out within 90 days."""
    from watchfloor.settings import get_settings
    from watchfloor.sla.calendars import holidays_running_out
    from watchfloor.sla.policy import load_sla

    begin = _instant(start, "from")
    lines, problems = coverage_lines(begin, begin + timedelta(weeks=weeks))
    lines += holidays_running_out(load_sla(get_settings().config_dir).calendars, begin.date())
    for line in lines:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)


@oncall_app.command("now")
def now(at: Annotated[str | None, typer.Option(help="ISO instant; default now")] = None) -> None:
    """Who is on call for each schedule, overrides made through the API included."""
    from watchfloor.oncall import service

    when = _instant(at, "at")
    with _source(True) as (session, config, note):
        lines = [
            f"{name}: {', '.join(service.on_call(session, config, name, when)) or '(nobody)'}"
            for name in service.schedule_names(config)
        ]
    for line in [*note, *lines]:
        typer.echo(line)
