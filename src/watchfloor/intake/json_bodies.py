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

``JsonObject`` is the type of a free-form JSON field in a request body: any JSON object, checked
to be one the database can store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError
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


# What a free-form JSON field (a report's metadata, an action's params) may hold: what the
# database's JSON serializer (orjson) can write back out, so a bad value is a 422 naming it
# rather than a 500 at INSERT. orjson refuses integers beyond 64 bits, strings with a lone
# surrogate and nesting past 255 levels; NaN and Infinity are not JSON and it would write null.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 32


def _unstorable(value: Any) -> list[InitErrorDetails]:
    """Every place in ``value`` that cannot be stored as JSON, named by its path within it."""
    found: list[InitErrorDetails] = []

    def bad(kind: str, message: str, loc: tuple[str | int, ...], given: Any) -> None:
        found.append({"type": PydanticCustomError(kind, message), "loc": loc, "input": given})

    # Iterative, so a deeply nested value costs no Python recursion.
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, loc = stack.pop()
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int):
            if not INT_MIN <= item <= INT_MAX:
                bad("int_too_big", _TOO_BIG, loc, item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                bad(
                    "float_not_finite",
                    "not a finite number (NaN and Infinity are not JSON)",
                    loc,
                    item,
                )
        elif isinstance(item, str):
            if not _is_unicode(item):
                bad("string_unicode", _SURROGATE, loc, _printable(item))
        elif len(loc) >= MAX_DEPTH and isinstance(item, dict | list):
            bad("too_deep", f"nested more than {MAX_DEPTH} levels deep", loc, "…")
        elif isinstance(item, dict):
            inside: list[tuple[Any, tuple[str | int, ...]]] = []
            for key, inner in item.items():
                if _is_unicode(key):
                    inside.append((inner, (*loc, key)))
                else:
                    bad("string_unicode", _SURROGATE, (*loc, _printable(key)), _printable(key))
            stack.extend(reversed(inside))  # popped in the order they were written
        elif isinstance(item, list):
            stack.extend((item[i], (*loc, i)) for i in reversed(range(len(item))))
    return found


_TOO_BIG = (
    f"integer out of range: numbers must fit in 64 bits ({INT_MIN} to {INT_MAX}); "
    "send a larger one as a string"
)
_SURROGATE = "not valid Unicode text: holds a lone surrogate (\\ud800-\\udfff)"


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str) -> str:
    """``text`` with lone surrogates written as escapes, so an error answer can carry it."""
    return text.encode("utf-8", "backslashreplace").decode()


def _fits(item: Any, depth: int) -> bool:
    """Whether ``item`` can be stored: ``_unstorable`` without naming anything, at a fifth of
    its cost (0.5 µs for a report's usual metadata), as every report in a batch pays it."""
    kind = type(item)
    if kind is str:
        return item.isascii() or _is_unicode(item)
    if kind is dict:
        if depth == MAX_DEPTH:
            return False
        for key, inner in item.items():
            if not (key.isascii() or _is_unicode(key)) or not _fits(inner, depth + 1):
                return False
        return True
    if kind is int:
        return bool(INT_MIN <= item <= INT_MAX)
    if kind is float:
        return math.isfinite(item)
    if kind is list:
        if depth == MAX_DEPTH:
            return False
        return all(_fits(inner, depth + 1) for inner in item)
    return item is None or kind is bool


def _storable(value: dict[str, Any]) -> dict[str, Any]:
    if _fits(value, 0):
        return value
    errors = _unstorable(value)
    if errors:
        # Raised inside a validator, a ValidationError's errors keep their own locations under
        # the field's: the answer names body.reports.3.metadata.x, not only the field.
        raise ValidationError.from_exception_data("JsonObject", errors)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_storable)]
"""A free-form JSON object field: any JSON, checked to be storable (see ``_unstorable``)."""
