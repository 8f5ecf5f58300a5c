"""Request bodies read and validated in one pass, for routes that take large JSON bodies.

FastAPI parses a JSON body with ``json.loads``, then validates the dicts and lists it made
against the route's model. For a route whose body is one pydantic model, ``OnePassRoute`` has
pydantic-core validate the raw bytes instead (``model_validate_json``): no intermediate dicts
and lists. For a batch of 1,000 reports that took reading and checking it from 6.2 to 4.7 ms,
most of what accepting a batch into the intake backlog costs besides storing it.

Only a valid body takes this path. One that fails is parsed again the usual way, so FastAPI
validates it and names every bad field exactly as on any other route. (FastAPI may do the same
itself one day: fastapi/fastapi#15617.) Routes use it with ``APIRouter(route_class=OnePassRoute)``,
the extension point FastAPI documents for custom request handling.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.types import Receive, Scope


class _OnePassRequest(Request):
    """A request whose JSON body is the route's model, validated from the bytes when it can be."""

    def __init__(self, scope: Scope, receive: Receive, model: type[BaseModel]) -> None:
        super().__init__(scope, receive)
        self._model = model

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json: Any = self._model.model_validate_json(body)
            except ValidationError:
                # Let FastAPI validate it as usual and answer 422 naming every bad field; a body
                # that is not JSON at all raises here, as FastAPI expects.
                self._json = json.loads(body)
        return self._json


class OnePassRoute(APIRoute):
    """An API route that validates a body of one pydantic model straight from its bytes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        model = self._body_model()
        if model is None:
            return handler

        async def handle(request: Request) -> Response:
            return await handler(_OnePassRequest(request.scope, request.receive, model))

        return handle

    def _body_model(self) -> type[BaseModel] | None:
        """The model the whole body is, if it is one (not several embedded body parameters)."""
        if self.body_field is None or self._embed_body_fields:
            return None
        model = self.body_field.field_info.annotation
        return model if isinstance(model, type) and issubclass(model, BaseModel) else None
