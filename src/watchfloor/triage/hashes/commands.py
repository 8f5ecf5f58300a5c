"""The ``watchfloor hashes`` commands (registered in watchfloor.cli): hash lists that evidence
is matched against."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from watchfloor.runtime import Runtime

hashes_app = typer.Typer(help="Hash lists that evidence is matched against.", no_args_is_help=True)


def _runtime() -> Runtime:
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    return Runtime.create(get_settings())


@hashes_app.command("import")
def hashes_import(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The hash file.")
    ],
    list_name: Annotated[str, typer.Option("--list", help="The list to add to (made if missing).")],
    fmt: Annotated[
        str, typer.Option("--format", help="csv (algorithm,value,label) or threatexchange.")
    ] = "csv",
    harm_area: Annotated[
        str | None,
        typer.Option(
            help="Harm area of a new list (default: child_safety if "
            "--child-safety, else unclassified)."
        ),
    ] = None,
    child_safety: Annotated[
        bool | None,
        typer.Option("--child-safety/--not-child-safety", help="A match makes a case P0."),
    ] = None,
) -> None:
    """Add a file's hashes to a list, all or none; the list is created if it does not exist."""
    from watchfloor.db import session_scope
    from watchfloor.triage.hashes import service as hash_lists
    from watchfloor.triage.hashes.schemas import HashListIn

    runtime = _runtime()
    data = file.read_bytes()
    with session_scope(runtime.sessions) as session:
        existing = hash_lists.get(session, name=list_name)
        if existing is None:
            body = HashListIn(
                name=list_name,
                harm_area=harm_area or ("child_safety" if child_safety else "unclassified"),
                child_safety=bool(child_safety),
                source=fmt,
            )
            hash_lists.create(
                session,
                runtime.clock,
                name=body.name,
                harm_area=body.harm_area,
                child_safety=body.child_safety,
                source=body.source,
                description=None,
                taxonomy=runtime.config.taxonomy,
                actor="system:cli",
            )
        else:
            hash_lists.check_settings(existing, harm_area=harm_area, child_safety=child_safety)
        result = hash_lists.import_file(
            session, runtime.clock, name=list_name, data=data, fmt=fmt, actor="system:cli"
        )
    skipped = "".join(f", skipped {n} {why}" for why, n in result.skipped.items())
    typer.echo(
        f"{list_name}: added {result.added}, {result.duplicates} already there{skipped}; "
        f"{result.entry_count} hashes on the list"
    )


@hashes_app.command("list")
def hashes_list() -> None:
    """Every hash list: name, harm area, child safety, source and size."""
    from watchfloor.db import session_scope
    from watchfloor.triage.hashes import service as hash_lists

    runtime = _runtime()
    with session_scope(runtime.sessions) as session:
        found = hash_lists.list_all(session)
    if not found:
        typer.echo("no hash lists; add one with 'watchfloor hashes import FILE --list NAME'")
    for h in found:
        flag = "child-safety" if h.child_safety else "-"
        typer.echo(f"{h.name}\t{h.harm_area}\t{flag}\t{h.source}\t{h.entry_count} hashes")
