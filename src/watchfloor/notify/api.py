"""Webhook endpoint routes (admin): register, list and disable receivers of events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, require
from watchfloor.http_errors import responses
from watchfloor.notify import service as notify

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
Admin = Annotated[User, Depends(require(Permission.WEBHOOKS_MANAGE))]
EventType = Literal[
    "action.requested",
    "case.decided",
    "page.triggered",
    "page.escalated",
    "page.acknowledged",
    "page.resolved",
]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    url: AnyHttpUrl
    event_types: list[EventType] = Field(
        default_factory=list, description="Events to receive; empty means all."
    )
    format: Literal["standard", "slack"] = Field(
        default="standard",
        description="standard: Standard Webhooks JSON envelope; slack: {text, blocks} for a "
        "Slack incoming webhook",
    )


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    url: str
    event_types: list[str]
    format: str
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Standard Webhooks signing secret; shown once.")


@router.get("", response_model=list[WebhookOut], responses=responses(401, 403))
def list_webhooks(db: DbSession, _admin: Admin) -> list[WebhookOut]:
    return [WebhookOut.model_validate(e) for e in notify.list_endpoints(db)]


@router.post(
    "", response_model=WebhookCreated, status_code=201, responses=responses(401, 403, 409, 422)
)
def create_webhook(body: WebhookIn, db: DbSession, clock: ClockDep, admin: Admin) -> WebhookCreated:
    """Register a receiver. Its deliveries are signed as Standard Webhooks with the returned secret."""
    endpoint = notify.create_endpoint(
        db,
        clock,
        name=body.name,
        url=str(body.url),
        event_types=list(body.event_types),
        format=body.format,
        actor=f"user:{admin.username}",
    )
    return WebhookCreated(
        **WebhookOut.model_validate(endpoint).model_dump(), secret=endpoint.secret
    )


@router.delete("/{name}", status_code=204, responses=responses(401, 403, 404))
def disable_webhook(name: str, db: DbSession, clock: ClockDep, admin: Admin) -> Response:
    """Stop sending to a receiver; what was already delivered stays on record."""
    notify.delete_endpoint(db, clock, name=name, actor=f"user:{admin.username}")
    return Response(status_code=204)
