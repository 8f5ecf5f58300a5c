"""``watchfloor report transparency`` (registered on the report group in watchfloor.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from watchfloor.errors import Invalid


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def transparency(
    start: Annotated[
        str, typer.Option("--from", help="First day of the period (YYYY-MM-DD, UTC), included.")
    ],
    end: Annotated[
        str, typer.Option("--to", help="Day after the period's last (YYYY-MM-DD, UTC), excluded.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write to.")] = Path("."),
) -> None:
    """Write the DSA transparency report over [from, to): one CSV per table of the harmonised
    templates' counts and one HTML report. Prints the paths written."""
    from watchfloor.compliance.transparency import export, report, service
    from watchfloor.db import session_scope
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    try:
        since, until = report.parse_period(start, end)
    except Invalid as exc:
        _refuse(f"--{exc.message}")  # each message starts with the option's name
    if out.exists() and not out.is_dir():
        _refuse(f"--out: {out} is a file, not a directory")
    rt = Runtime.create(get_settings())
    try:
        with session_scope(rt.sessions) as session:
            found = service.transparency_report(
                session, rt.clock, mapping=rt.config.transparency, start=since, end=until
            )
    finally:
        rt.engine.dispose()
    try:
        paths = export.write(found, out)
    except OSError as exc:
        _refuse(f"--out: cannot write to {out}: {exc.strerror or exc}")
    for path in paths:
        typer.echo(str(path))
