"""Console routes for admins: the configuration in force, read-only (it is edited as YAML under
config/ and reviewed like code), the users and the webhook receivers (never their secrets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from watchfloor.admin import config_tables as tables
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Permission
from watchfloor.deps import DbSession, RuntimeDep
from watchfloor.notify import service as notify
from watchfloor.web.console import Visitor, page_for, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Visitor, page_for(Permission.CONFIG_READ)]


@router.get("/admin")
def configuration(
    request: Request, db: DbSession, runtime: RuntimeDep, visitor: Admin
) -> HTMLResponse:
    config = runtime.config
    return render(
        request,
        "admin.html",
        visitor,
        config_dir=str(runtime.settings.config_dir),
        taxonomy=config.taxonomy,
        queues=config.queues,
        replies=config.replies,
        sla=config.sla,
        sla_targets=tables.sla_targets(config.sla),
        calendars=tables.calendars(config.sla),
        oncall=config.oncall,
        layers=tables.layers(config.oncall),
        people=tables.people(config.oncall),
        steps=tables.escalation_steps(config.oncall),
        users=auth.list_users(db),
        webhooks=sorted(notify.list_endpoints(db), key=lambda w: w.name),
    )
