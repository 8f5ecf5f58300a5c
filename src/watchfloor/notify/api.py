"""Webhook endpoint routes (admin): register, list and disable receivers of events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.notify import service as notify
from watchfloor.notify.events import DESCRIPTIONS, EventType

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
Admin = Annotated[User, Depends(require(Permission.WEBHOOKS_MANAGE))]


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


class WebhookDeliveryOut(BaseModel):
    event_id: str
    event_type: str
    status: str = Field(description="pending, delivered, dead, or cancelled (receiver disabled)")
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    last_response: str | None = Field(
        description="The start of the receiver's last answer. Only those who manage receivers "
        "see it: elsewhere (a case's deliveries) it is withheld."
    )
    delivered_at: datetime | None


class EventTypeOut(BaseModel):
    type: str
    description: str


@router.get("/event-types", response_model=list[EventTypeOut], responses=responses(401, 403))
def event_types(_admin: Admin) -> list[EventTypeOut]:
    """Every event type a webhook can subscribe to, each on its own."""
    return [EventTypeOut(type=t, description=d) for t, d in DESCRIPTIONS.items()]


@router.get("", response_model=list[WebhookOut], responses=responses(401, 403))
def list_webhooks(db: DbSession, _admin: Admin) -> list[WebhookOut]:
    return [WebhookOut.model_validate(e) for e in notify.list_endpoints(db)]


@router.post(
    "", response_model=WebhookCreated, status_code=201, responses=responses(401, 403, 409, 422)
)
def create_webhook(
    body: WebhookIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, admin: Admin
) -> WebhookCreated:
    """Register a receiver. Its deliveries are signed as Standard Webhooks with the returned secret.

    A URL that reaches a loopback, private, link-local (cloud metadata) or other non-public
    address is refused (422) unless WATCHFLOOR_WEBHOOK_ALLOW_NETWORKS names it.
    """
    endpoint = notify.create_endpoint(
        db,
        clock,
        name=body.name,
        url=str(body.url),
        event_types=list(body.event_types),
        format=body.format,
        actor=f"user:{admin.username}",
        allow_networks=runtime.settings.webhook_allow_networks,
    )
    return WebhookCreated(
        **WebhookOut.model_validate(endpoint).model_dump(), secret=endpoint.secret
    )


@router.delete("/{name}", status_code=204, responses=responses(401, 403, 404))
def disable_webhook(name: str, db: DbSession, clock: ClockDep, admin: Admin) -> Response:
    """Stop sending to a receiver at once: deliveries queued for it are cancelled, not kept for
    later; what was already delivered stays on record."""
    notify.delete_endpoint(db, clock, name=name, actor=f"user:{admin.username}")
    return Response(status_code=204)


@router.get(
    "/{name}/deliveries",
    response_model=list[WebhookDeliveryOut],
    responses=responses(401, 403, 404, 422),
)
def list_deliveries(
    name: str,
    db: DbSession,
    _admin: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[WebhookDeliveryOut]:
    """A receiver's latest deliveries, newest first, with the start of its last answer to each."""
    endpoint = notify.get_endpoint_or_raise(db, name=name)
    return [
        WebhookDeliveryOut(
            event_id=event_id,
            event_type=event_type,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            last_response=d.last_response,
            delivered_at=d.delivered_at,
        )
        for event_id, event_type, d in notify.recent_deliveries(db, endpoint=endpoint, limit=limit)
    ]
