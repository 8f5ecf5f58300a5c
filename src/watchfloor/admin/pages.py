"""Console routes for admins: the configuration in force, read-only (it is edited as YAML under
config/ and reviewed like code), the users and the webhook receivers (never their secrets)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import DbSession, RuntimeDep
from watchfloor.notify.models import WebhookEndpoint
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
        sla_json=json.dumps(config.sla.model_dump(mode="json"), indent=2),
        oncall_json=json.dumps(config.oncall.model_dump(mode="json"), indent=2),
        users=db.scalars(select(User).order_by(User.username)).all(),
        webhooks=db.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.name)).all(),
    )
