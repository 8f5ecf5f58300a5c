"""The ``watchfloor report`` commands (registered in watchfloor.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from watchfloor.errors import Invalid, WatchfloorError

report_app = typer.Typer(help="Reports: the weekly operations report.", no_args_is_help=True)
FORMATS = ("html", "pdf", "csv", "parquet")


def _formats(text: str) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise Invalid(
            f"--format: unknown {', '.join(unknown) or 'nothing'}; use {','.join(FORMATS)}"
        )
    return list(dict.fromkeys(chosen))


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@report_app.command("weekly")
def weekly(
    week: Annotated[
        str | None,
        typer.Option(help="ISO week, e.g. 2026-W48. Default: the last full week."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write to.")] = Path("."),
    format: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: html,pdf,csv,parquet.")
    ] = ",".join(FORMATS),
    with_pii: Annotated[
        bool,
        typer.Option("--with-pii", help="Leave personal data in (audited); redacted without it."),
    ] = False,
) -> None:
    """Write the weekly report (HTML, PDF) and its data (CSV, Parquet): the week's metrics beside
    the week before, spikes, emerging clusters, automation opportunities, QA agreement and
    plain-language findings. Prints the paths written."""
    from watchfloor.compliance.retention import redact as pii
    from watchfloor.compliance.retention import service as pii_audit
    from watchfloor.db import session_scope
    from watchfloor.insights import export
    from watchfloor.insights import weekly as report
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    try:
        formats = _formats(format)
    except Invalid as exc:
        _refuse(exc.message)
    rt = Runtime.create(get_settings())
    now = rt.clock.now()
    try:
        start = report.week_start(week, now=now)
    except Invalid as exc:
        rt.engine.dispose()
        _refuse(f"--week: {exc.message}")
    try:
        with session_scope(rt.sessions) as session:
            withheld = report.withheld_from_some_reader(rt.config.taxonomy)
            found = report.assemble(session, start=start, now=now, withheld=withheld)
            # An operator on the machine exports redacted unless they ask; either way it is audited.
            found = found if with_pii else pii.redact(found)
            pii_audit.record_export(
                session, rt.clock, actor="system:cli", what=found.week, with_pii=with_pii
            )
    finally:
        rt.engine.dispose()
    documents: dict[str, bytes] = {}
    if "html" in formats or "pdf" in formats:
        page = report.html(found, generated=now)
        if "html" in formats:
            documents["html"] = page.encode("utf-8")
        if "pdf" in formats:
            documents["pdf"] = report.pdf(page)
    for kind in ("csv", "parquet"):
        if kind in formats:
            documents[kind] = export.encode(found.metrics, kind)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for kind in formats:
            stem = "watchfloor-data" if kind in ("csv", "parquet") else "watchfloor-report"
            path = out / f"{stem}-{found.week}.{kind}"
            path.write_bytes(documents[kind])
            typer.echo(str(path))
    except OSError as exc:
        raise WatchfloorError(f"--out: cannot write to {out}: {exc.strerror}") from exc
