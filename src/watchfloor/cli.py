"""The ``watchfloor`` command. Bad input ends with one clear line and a non-zero exit."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError, ProgrammingError

from watchfloor import logs
from watchfloor.auth.commands import users_deactivate, users_profile, users_reactivate
from watchfloor.compliance.ncmec.commands import ncmec_app
from watchfloor.compliance.transparency.commands import transparency
from watchfloor.errors import ConfigError, WatchfloorError
from watchfloor.incidents.commands import incident_app
from watchfloor.insights.commands import report_app
from watchfloor.oncall.commands import coverage_lines, oncall_app
from watchfloor.queues.commands import sla_app
from watchfloor.sla.calendars import holidays_running_out
from watchfloor.triage.commands import policy_app, triage_app
from watchfloor.triage.hashes.commands import hashes_app

if TYPE_CHECKING:
    from watchfloor.runtime import Runtime

app = typer.Typer(
    help="Watchfloor: intake, triage, queues, cases and audit for safety response teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="People and machine clients.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration files under config/.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
users_app.command("profile")(users_profile)
users_app.command("deactivate")(users_deactivate)
users_app.command("reactivate")(users_reactivate)
app.add_typer(audit_app, name="audit")
app.add_typer(config_app, name="config")
app.add_typer(policy_app, name="policy")
app.add_typer(triage_app, name="triage")
app.add_typer(hashes_app, name="hashes")
app.add_typer(oncall_app, name="oncall")
app.add_typer(sla_app, name="sla")
app.add_typer(incident_app, name="incident")
app.add_typer(report_app, name="report")
app.add_typer(ncmec_app, name="ncmec")
report_app.command("transparency")(transparency)


def _runtime() -> Runtime:
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    return Runtime.create(get_settings())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Web processes.")] = 1,
) -> None:
    """Serve the API (and, later, the console)."""
    import uvicorn

    from watchfloor.migrate import pending

    runtime = _runtime()  # fail here, with one line, on bad settings or config
    if pending(runtime.engine):
        raise WatchfloorError("the database schema is not current: run 'watchfloor db upgrade'")
    logs.configure()
    uvicorn.run(
        "watchfloor.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run every job once and exit.")] = False,
    list_jobs: Annotated[bool, typer.Option("--list", help="List the jobs and exit.")] = False,
) -> None:
    """Run background jobs: triaging reports accepted for later, webhook delivery, the
    near-duplicate text index and the others that --list names."""
    from watchfloor.runtime import settle_heap
    from watchfloor.triage.classifiers import language
    from watchfloor.worker import JOBS, run_forever, run_once

    if list_jobs:
        for job in JOBS:
            typer.echo(f"{job.name}\t{job.description}")
        return
    runtime = _runtime()
    logs.configure()
    if once:
        typer.echo(f"did {run_once(runtime)} unit(s) of work")
    else:
        language.warm()  # the backlog's reports would otherwise wait for its first load
        settle_heap()
        run_forever(runtime)


def _demo_environment() -> None:
    """Let the demo (and the worker and server it starts) run on the built-in secret, unless
    another environment than the default was chosen: production running `demo` is still refused."""
    import os

    from watchfloor.settings import Settings, get_settings

    # The secret is overridden only to learn the environment the variables and .env choose.
    if Settings(secret_key="-").environment == "development":  # noqa: S106
        os.environ["WATCHFLOOR_ENVIRONMENT"] = "demo"
        get_settings.cache_clear()


@app.command()
def demo(
    # A day of 1,200 reports is worked by about twenty analysts; every one of their claims and
    # decisions goes through the real services, so a bigger day takes longer to seed.
    reports: Annotated[int, typer.Option(min=0, max=200_000, help="Reports to seed.")] = 1200,
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Migrate, seed a realistic working day (once), then serve with a worker beside it."""
    from watchfloor.migrate import upgrade
    from watchfloor.sim.demo import seed_demo

    _demo_environment()
    runtime = _runtime()
    upgrade(runtime.engine)
    summary = seed_demo(runtime, reports=reports)
    typer.echo(summary)
    if serve_after:
        import subprocess

        worker_proc = subprocess.Popen([sys.executable, "-m", "watchfloor", "worker"])
        try:
            typer.echo(f"Serving on http://127.0.0.1:{port} (Ctrl-C to stop)")
            serve(host="127.0.0.1", port=port, workers=1)
        finally:
            worker_proc.terminate()
            worker_proc.wait(timeout=10)


@app.command()
def handoff(
    hours: Annotated[float, typer.Option(min=0.5, max=24, help="Length of the next shift.")] = 8,
    record: Annotated[
        str | None, typer.Option(metavar="USERNAME", help="Also record that USERNAME took it.")
    ] = None,
) -> None:
    """Print the shift hand-off brief; with --record, mark the hand-off as taken."""
    from watchfloor.auth import service as auth
    from watchfloor.db import session_scope
    from watchfloor.oncall import brief as brief_text
    from watchfloor.oncall import handoff as handoffs

    rt = _runtime()
    with session_scope(rt.sessions) as session:
        brief = handoffs.brief(session, rt.clock, rt.config.oncall, shift_hours=hours)
        typer.echo(brief_text.render(brief))
        if record is not None:
            done = handoffs.record(
                session, rt.clock, by=auth.get_or_raise(session, username=record), note=""
            )
            typer.echo(f"\nrecorded: hand-off {done.id} taken by {done.by}")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply schema migrations (SQLite or PostgreSQL, from WATCHFLOOR_DATABASE_URL)."""
    from watchfloor.db import make_engine
    from watchfloor.migrate import upgrade
    from watchfloor.settings import get_settings

    engine = make_engine(get_settings().database_url)
    upgrade(engine, revision)
    typer.echo(f"database at {engine.url.render_as_string(hide_password=True)} is at {revision}")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[str, typer.Option(help="analyst, lead, qa, legal, admin, viewer or intake")],
    display_name: Annotated[str | None, typer.Option(help="Name shown to others.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password (12+ characters) from stdin.")
    ] = False,
    token: Annotated[bool, typer.Option(help="Also issue an API token and print it.")] = False,
) -> None:
    """Create a user (and optionally an API token)."""
    from watchfloor.auth import service as auth
    from watchfloor.auth.schemas import UserCreate
    from watchfloor.db import session_scope

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    body = UserCreate(username=username, role=role, display_name=display_name, password=password)
    runtime = _runtime()
    with session_scope(runtime.sessions) as session:
        user = auth.create(
            session,
            runtime.clock,
            username=body.username,
            role=body.role,
            display_name=body.display_name,
            password=body.password,
        )
        plain = (
            auth.issue_token(session, runtime.clock, user=user, name="cli")[0] if token else None
        )
    typer.echo(f"created {user.username} ({user.role})")
    if plain:
        typer.echo(f"token: {plain}")


@audit_app.command("verify")
def audit_verify(
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            help="Signed checkpoint file to check against "
            "(default: WATCHFLOOR_AUDIT_CHECKPOINT_FILE, if it exists)."
        ),
    ] = None,
) -> None:
    """Check the audit chain; name the first event that was edited or deleted."""
    from watchfloor.audit import service as audit
    from watchfloor.audit.checkpoints import read_last
    from watchfloor.db import session_scope

    runtime = _runtime()
    key = runtime.settings.audit_seal_key
    path = checkpoints or runtime.settings.audit_checkpoint_file
    if checkpoints is None and path is not None and not path.exists():
        path = None  # configured, but the worker has not written one yet
    last = None
    if path is not None:
        last, problem = read_last(path, key)
        if problem is not None:
            typer.echo(f"BROKEN: {problem}", err=True)
            raise typer.Exit(1)
    with session_scope(runtime.sessions) as session:
        result = audit.verify(session, key=key, checkpoint=last)
    if not result.ok:
        typer.echo(f"BROKEN: {result.problem}", err=True)
        raise typer.Exit(1)
    against = (
        f", as of the checkpoint of {last.at.isoformat()} in {path}"
        if last is not None
        else ", no checkpoint to check against"
    )
    plain = f" ({result.plain} from before the keyed seal)" if result.plain else ""
    typer.echo(f"OK: {result.events} events{plain}, chain intact{against}")


@audit_app.command("checkpoint")
def audit_checkpoint(
    file: Annotated[
        Path | None,
        typer.Option(help="Append to this file (default: WATCHFLOOR_AUDIT_CHECKPOINT_FILE)."),
    ] = None,
) -> None:
    """Append a signed checkpoint of every audit chain's head to the checkpoint file now."""
    from watchfloor.audit import service as audit

    runtime = _runtime()
    path = file or runtime.settings.audit_checkpoint_file
    if path is None:
        raise WatchfloorError(
            "no checkpoint file: pass --file or set WATCHFLOOR_AUDIT_CHECKPOINT_FILE"
        )
    done = audit.checkpoint(
        runtime.engine, runtime.clock, path=path, key=runtime.settings.audit_seal_key
    )
    typer.echo(f"checkpoint written to {done.path}: {done.chains} chains, {done.events} events")


@config_app.command("check")
def config_check() -> None:
    """Validate every file under config/."""
    rt = _runtime()
    typer.echo(
        f"OK: {len(rt.config.taxonomy.harm_areas)} harm areas, "
        f"{len(rt.config.queues.queues)} queues, SLA targets for P0-P3, "
        f"{len(rt.config.oncall.schedules)} on-call schedules"
    )
    # Coverage is reported, not refused: a schedule may be meant to cover only office hours.
    start = rt.clock.now().replace(microsecond=0)
    for line in coverage_lines(start, start + timedelta(weeks=4), with_api_overrides=False)[0]:
        typer.echo(line)
    for line in holidays_running_out(rt.config.sla.calendars, start.date()):
        typer.echo(line)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"invalid {where}: {first['msg']}" if where else str(first["msg"])
    if isinstance(exc, OperationalError | ProgrammingError):
        return f"database error: {str(exc.orig).strip().splitlines()[0]}"
    return str(exc)


def main() -> None:
    """Entry point: run the command; turn any error a user can cause into one line."""
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"error: configuration: {exc}", err=True)
        sys.exit(2)
    except (WatchfloorError, ValidationError, OperationalError, ProgrammingError) as exc:
        typer.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
