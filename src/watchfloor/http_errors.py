"""How errors become HTTP answers: always JSON, always naming what is wrong. A 500 is a bug."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchfloor.errors import Invalid, WatchfloorError

log = logging.getLogger("watchfloor.http")


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorOut(BaseModel):
    """The body of every error answer."""

    detail: str
    code: str
    errors: list[FieldError] | None = None


STATUS_TEXT = {
    400: "Bad request",
    401: "Missing, unknown, revoked or expired token",
    403: "The caller's role may not do this",
    404: "Not found",
    409: "Conflicts with the current state (for a case: names the allowed actions)",
    413: "Request body larger than the configured limit",
    422: "Invalid input (including a body that is not JSON or not UTF-8): every bad field is named",
    429: "Too many failed attempts: wait for Retry-After seconds",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {s: {"model": ErrorOut, "description": STATUS_TEXT[s]} for s in statuses}


def _declare_errors(schema: dict[str, Any]) -> None:
    """Make the OpenAPI document say what ``install``'s handlers and ``RequestGuard`` answer.

    Every operation may answer 422 (a NUL in the query is refused on any route) and every one
    with a body 413, as ``ErrorOut`` in JSON: FastAPI would declare its own validation error
    shape for routes that list no 422, and the media type of an HTML route for its errors."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components.setdefault("ErrorOut", error_schema)
    error_json = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            declared = answers.get("422", {})
            if "ErrorOut" not in str(declared.get("content")):
                answers["422"] = {"description": STATUS_TEXT[422]}
            if "requestBody" in operation:
                answers.setdefault("413", {"description": STATUS_TEXT[413]})
            for status, answer in answers.items():
                if status in {"413", "422"} or "ErrorOut" in str(answer.get("content")):
                    answer["content"] = error_json
    # FastAPI's own validation error shapes are never answered: keep them out of the document.
    if "HTTPValidationError" not in str(schema.get("paths")):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)


def _fields(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", [])), "msg": str(e.get("msg", ""))} for e in errors]


def _unreadable(exc: StarletteHTTPException) -> str:
    """Why a body could not be read, from the error the framework's 400 was raised from."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, UnicodeDecodeError):
        return f"{NOT_UTF8} (byte {cause.start})"
    if isinstance(cause, RecursionError):
        return "nested too deeply to be read"
    return f"could not be read: {exc.detail}"


NOT_UTF8 = "not valid UTF-8 text"


# The console's own error page: (request, status, message, headers) → an HTML response.
HtmlErrors = Callable[[Request, int, str, dict[str, str]], Response]


def install(
    app: FastAPI, html: HtmlErrors | None = None, is_html: Callable[[str], bool] | None = None
) -> None:
    """Register the handlers that shape every error answer: JSON for the API; the console's
    pages (where ``is_html(path)``) get ``html``'s page instead. The OpenAPI document declares
    these answers for every operation."""
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _declare_errors(build_openapi())  # built once, cached by FastAPI, completed here
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented extension point

    def page(request: Request, status: int, message: str, headers: Any) -> Response | None:
        if html is None or is_html is None or not is_html(request.url.path):
            return None
        return html(request, status, message, dict(headers or {}))

    @app.exception_handler(WatchfloorError)
    async def _domain(request: Request, exc: WatchfloorError) -> Response:
        if (shown := page(request, exc.status, exc.message, exc.headers)) is not None:
            return shown
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code, **exc.extra}
        if isinstance(exc, Invalid) and exc.fields:
            body["errors"] = exc.fields
        return JSONResponse(body, status_code=exc.status, headers=exc.headers or None)

    def invalid(request: Request, fields: list[dict[str, Any]]) -> Response:
        first = fields[:3]
        summary = "; ".join(".".join(str(p) for p in f["loc"]) + ": " + f["msg"] for f in first)
        more = f" (and {len(fields) - 3} more)" if len(fields) > 3 else ""
        if (shown := page(request, 422, f"invalid input: {summary}{more}", None)) is not None:
            return shown
        return JSONResponse(
            {"detail": f"invalid input: {summary}{more}", "code": "invalid", "errors": fields},
            status_code=422,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return invalid(request, _fields(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and (exc.__cause__ or exc.__context__) is not None:
            # The framework's 400 for a body it cannot read, raised from the parser's error:
            # FastAPI's for a JSON or form body that is not UTF-8 or nests too deeply,
            # Starlette's for a broken multipart body. Answered as FastAPI answers a body that
            # is not JSON (422), so one documented status covers every unreadable body.
            return invalid(request, [{"loc": ["body"], "msg": _unreadable(exc)}])
        if (shown := page(request, exc.status_code, str(exc.detail), exc.headers)) is not None:
            return shown
        code = {
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }
        return JSONResponse(
            {"detail": str(exc.detail), "code": code.get(exc.status_code, "error")},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if (
            shown := page(
                request, 500, "Something went wrong on our side; it has been logged.", None
            )
        ) is not None:
            return shown
        return JSONResponse(
            {"detail": "internal error; it has been logged", "code": "internal"}, status_code=500
        )


class RequestGuard:
    """Refuses, before the app sees it, a request that no route could store.

    413 when the body is larger than ``limit`` bytes; 422 when the body, path or query holds a NUL
    character, which PostgreSQL cannot store in text (each such field is named), or when a form
    body is not UTF-8 (a JSON body that is not is refused by the route, with the same answer).
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        nul_fields = _nul_fields(scope, body)
        if nul_fields:
            response = JSONResponse(
                {
                    "detail": "NUL characters (U+0000) cannot be stored; remove them from: "
                    + ", ".join(".".join(str(p) for p in f["loc"]) for f in nul_fields[:5]),
                    "code": "invalid",
                    "errors": nul_fields,
                },
                status_code=422,
            )
            await response(scope, _no_receive, send)
            return
        if (byte := _form_not_utf8(scope, body)) is not None:
            # Starlette would read it as Latin-1 and store mojibake; JSON routes refuse it.
            why = f"{NOT_UTF8} (byte {byte})"
            response = JSONResponse(
                {
                    "detail": f"invalid input: body: {why}",
                    "code": "invalid",
                    "errors": [{"loc": ["body"], "msg": why}],
                },
                status_code=422,
            )
            await response(scope, _no_receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        response = JSONResponse(
            {
                "detail": f"request body is larger than {self.limit} bytes; "
                "split it into smaller batches",
                "code": "too_large",
            },
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


def _form_not_utf8(scope: Scope, body: bytes) -> int | None:
    """Where a form body stops being UTF-8 (the offset of the first bad byte), if it does.

    A multipart body that carries a file may hold any bytes, and is left to the route."""
    if body.isascii():
        return None
    kind = dict(scope.get("headers", [])).get(b"content-type", b"").split(b";")[0].strip().lower()
    is_form = kind == b"application/x-www-form-urlencoded" or (
        kind == b"multipart/form-data" and b"filename=" not in body
    )
    if not is_form:
        return None
    try:
        body.decode()
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def _nul_fields(scope: Scope, body: bytes) -> list[dict[str, Any]]:
    msg = "contains a NUL character (U+0000), which cannot be stored"
    found: list[dict[str, Any]] = []
    if "\x00" in scope.get("path", ""):
        found.append({"loc": ["path"], "msg": msg})
    for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if "\x00" in name or "\x00" in value:
            found.append({"loc": ["query", name.replace("\x00", "")], "msg": msg})
    if b"\\u0000" in body or b"\x00" in body:
        try:
            parsed = json.loads(body)
        except ValueError:
            return [*found, {"loc": ["body"], "msg": msg}]
        found.extend({"loc": ["body", *loc], "msg": msg} for loc in _nul_paths(parsed, []))
    return found


def _nul_paths(value: Any, loc: list[str | int]) -> Iterator[list[str | int]]:
    if isinstance(value, str):
        if "\x00" in value:
            yield loc
    elif isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in k:
                yield [*loc, k.replace("\x00", "")]
            yield from _nul_paths(v, [*loc, k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nul_paths(v, [*loc, i])


async def _no_receive() -> Message:  # pragma: no cover - a response never reads
    return {"type": "http.disconnect"}
