"""The ``watchfloor ncmec`` commands (registered in watchfloor.cli)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from watchfloor.errors import WatchfloorError

if TYPE_CHECKING:
    from watchfloor.runtime import Runtime

ncmec_app = typer.Typer(
    help="NCMEC CyberTipline: the packet to file a report.", no_args_is_help=True
)


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _runtime() -> Runtime:
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    return Runtime.create(get_settings())


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment (a container): still audited
        return "cli:unknown"


@ncmec_app.command("packet")
def packet(
    case: Annotated[str, typer.Argument(help="The case key, e.g. CASE-000123.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write; default: standard output.")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    by: Annotated[
        str | None, typer.Option(help="Who is making it, for the audit log (default: you).")
    ] = None,
) -> None:
    """Write the CyberTipline packet of a case with apparent child sexual exploitation: the
    incident, the reported user and identifiers, each file's hashes and upload details, who
    reported it, the decision, the timeline and what the filer must still add. It holds no
    content. Making it starts the 18 U.S.C. 2258A(h) preservation clock and is audited."""
    from watchfloor.compliance.ncmec import service
    from watchfloor.db import session_scope

    actor = f"cli:{by}" if by else _operator()
    rt = _runtime()
    try:
        with session_scope(rt.sessions) as session:
            made = service.make(
                session,
                rt.clock,
                key=case,
                taxonomy=rt.config.taxonomy,
                obligations=rt.config.obligations,
                actor=actor,
                fmt=format.strip().lower(),
            )
            if out is not None:
                # Written before the commit: a file that cannot be written records nothing.
                try:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_text(made.document, encoding="utf-8")
                except OSError as exc:
                    raise WatchfloorError(f"--out: cannot write {out}: {exc.strerror}") from None
    except WatchfloorError as exc:
        _refuse(exc.message)
    finally:
        rt.engine.dispose()
    if out is None:
        typer.echo(made.document, nl=False)
    else:
        typer.echo(f"{out} sha256 {made.digest}")
