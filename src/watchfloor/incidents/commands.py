"""The ``watchfloor incident`` commands (registered in watchfloor.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from watchfloor.errors import WatchfloorError

incident_app = typer.Typer(
    help="Incidents: list them, print a post-incident review.", no_args_is_help=True
)


@incident_app.command("list")
def list_incidents(
    all_: Annotated[bool, typer.Option("--all", help="Closed incidents too.")] = False,
) -> None:
    """One line per incident: key, severity, status, commander, cases, title."""
    from watchfloor.db import session_scope
    from watchfloor.incidents import service, views
    from watchfloor.incidents.lifecycle import OPEN
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    rt = Runtime.create(get_settings())
    try:
        with session_scope(rt.sessions) as session:
            statuses = None if all_ else sorted(s.value for s in OPEN)
            found = service.list_incidents(session, statuses=statuses)
            rows = views.rows(session, rt.config.incidents, found, rt.clock.now())
    finally:
        rt.engine.dispose()
    if not rows:
        typer.echo("no incidents" if all_ else "no open incidents (--all shows closed ones)")
    for r in rows:
        typer.echo(
            f"{r.key}  {r.severity}  {r.status:<9}  {r.commander or '-':<14}  "
            f"{r.cases} case(s), {r.open_cases} open  {r.title}"
        )


@incident_app.command("report")
def report(
    key: Annotated[str, typer.Argument(help="The incident, e.g. INC-0042.")],
    format: Annotated[
        Literal["markdown", "html"], typer.Option("--format", "-f", help="markdown or html")
    ] = "markdown",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
    time_zone: Annotated[str, typer.Option("--time-zone", help="IANA zone for times.")] = "UTC",
) -> None:
    """Print the post-incident review: summary, impact, key timeline, what went well and badly,
    metrics and action items."""
    from watchfloor.db import session_scope
    from watchfloor.incidents import report as render
    from watchfloor.incidents import service, views
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    rt = Runtime.create(get_settings())
    try:
        with session_scope(rt.sessions) as session:
            incident = service.get_or_raise(session, key=key)
            doc = views.review(session, rt.config.incidents, incident, rt.clock.now())
    finally:
        rt.engine.dispose()
    text = (
        render.markdown(doc, time_zone=time_zone)
        if format == "markdown"
        else render.html(doc, time_zone=time_zone)
    )
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise WatchfloorError(f"--out: cannot write {out}: {exc.strerror}") from exc
    typer.echo(f"wrote the review of {doc.incident.key} to {out}")
