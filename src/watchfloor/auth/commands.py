"""The ``watchfloor users profile``, ``deactivate`` and ``reactivate`` commands (registered in
watchfloor.cli)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from watchfloor.auth.schemas import ProfileIn


def _csv(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def users_profile(
    username: str,
    skills: Annotated[
        str | None,
        typer.Option(help="Comma-separated harm areas (or taxonomy skills); '' clears: any area."),
    ] = None,
    languages: Annotated[
        str | None, typer.Option(help="Comma-separated language tags (en,pt); '' clears: any.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Region, such as EU or US.")] = None,
    time_zone: Annotated[
        str | None, typer.Option(help="IANA time zone, such as Europe/Berlin.")
    ] = None,
    max_open: Annotated[
        int | None, typer.Option(help="Most open cases they may hold; 0 removes the limit.")
    ] = None,
    graphic_budget: Annotated[
        int | None,
        typer.Option(help="Graphic cases per day (their time zone); -1 removes the limit."),
    ] = None,
) -> None:
    """Show a user's routing profile; with options, change just those fields (audited)."""
    from watchfloor.auth import service as auth
    from watchfloor.db import session_scope
    from watchfloor.queues import service as queues
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    given: dict[str, Any] = {}
    if skills is not None:
        given["skills"] = _csv(skills)
    if languages is not None:
        given["languages"] = _csv(languages)
    if region is not None:
        given["region"] = region or None
    if time_zone is not None:
        given["time_zone"] = time_zone
    if max_open is not None:
        given["max_open_cases"] = max_open or None
    if graphic_budget is not None:
        given["graphic_daily_budget"] = None if graphic_budget == -1 else graphic_budget
    changes = ProfileIn.model_validate(given).model_dump(include=set(given))
    runtime = Runtime.create(get_settings())
    with session_scope(runtime.sessions) as session:
        user = auth.get_or_raise(session, username=username)
        if changes:
            auth.set_profile(
                session,
                runtime.clock,
                user=user,
                taxonomy=runtime.config.taxonomy,
                changes=changes,
                actor="system:cli",
            )
        fields = auth.profile_dict(auth.profile_of(session, user=user))
        held = queues.open_cases(session, user=user)
        graphic = queues.graphic_cases_today(
            session, runtime.clock, user=user, time_zone=fields["time_zone"]
        )
    typer.echo(f"{user.username} ({user.role})" + (" updated" if changes else ""))
    typer.echo(f"skills:          {', '.join(fields['skills']) or 'any harm area'}")
    typer.echo(f"languages:       {', '.join(fields['languages']) or 'any'}")
    typer.echo(f"region:          {fields['region'] or '-'}")
    typer.echo(f"time zone:       {fields['time_zone']}")
    limit = fields["max_open_cases"]
    typer.echo(f"open cases:      {held} of {limit if limit is not None else 'no limit'}")
    budget = fields["graphic_daily_budget"]
    typer.echo(f"graphic today:   {graphic} of {budget if budget is not None else 'no limit'}")


def _set_active(username: str, *, active: bool) -> None:
    from watchfloor.auth import service as auth
    from watchfloor.db import session_scope
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    runtime = Runtime.create(get_settings())
    with session_scope(runtime.sessions) as session:
        user = auth.get_or_raise(session, username=username)
        was = user.is_active
        auth.set_active(session, runtime.clock, user=user, active=active, actor="system:cli")
        name = user.username
    state = "active" if active else "deactivated"
    typer.echo(f"{name} is {state}" if was != active else f"{name} was already {state}")


def users_deactivate(username: str) -> None:
    """Deactivate a user at once: tokens revoked, sessions ended, signed links refused (audited)."""
    _set_active(username, active=False)


def users_reactivate(username: str) -> None:
    """Let a deactivated user sign in again; their old tokens stay revoked (audited)."""
    _set_active(username, active=True)
