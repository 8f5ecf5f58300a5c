"""The ``watchfloor sla`` commands (registered in watchfloor.cli)."""

from __future__ import annotations

import typer

sla_app = typer.Typer(help="SLA clocks.", no_args_is_help=True)


@sla_app.command("recompute")
def recompute() -> None:
    """Recompute every open case's due and warning times from config/sla.yaml: run it after
    changing that file and restarting the servers; the sweep then records what the new times
    make due."""
    from watchfloor.db import make_engine, make_sessionmaker
    from watchfloor.settings import get_settings
    from watchfloor.sla.policy import load_sla
    from watchfloor.sla.recompute import recompute_all
    from watchfloor.triage.taxonomy import load_taxonomy

    settings = get_settings()
    sla = load_sla(settings.config_dir)
    taxonomy = load_taxonomy(settings.config_dir, sla_classes=set(sla.classes))
    sla = load_sla(settings.config_dir, harm_areas=set(taxonomy.area_ids))
    engine = make_engine(settings.database_url)
    try:
        done = recompute_all(make_sessionmaker(engine, audit_key=settings.audit_seal_key), sla=sla)
    finally:
        engine.dispose()
    typer.echo(
        f"open cases' SLA times recomputed: {done.changed} changed "
        f"({done.set_based} on the 24x7 calendar, set-based; {done.calendar_changed} of "
        f"{done.calendar_read} on a business-hours calendar or under a legal clock)"
    )
