"""Structured logs: one JSON object per line on stderr, carrying the ids of what is being handled.

Every record carries the id of the HTTP request it was logged while answering (``RequestIds``)
and the fields bound with ``bind`` (the case, page or job a worker is on), read from context
variables, so a log call deep inside a flow need not be handed them. Fields passed as
``extra={"case": key}`` are written out too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str | None] = ContextVar("watchfloor_request_id", default=None)
_bound: ContextVar[Mapping[str, object]] = ContextVar(
    "watchfloor_log_fields", default=MappingProxyType({})
)

# The attributes every LogRecord has: any other attribute came from ``extra=`` and is written out
# (but uvicorn's ``color_message``, the msg again with terminal colour codes).
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
_BOUND_ATTR = "_watchfloor_bound"


def request_id() -> str | None:
    """The id of the request being answered in this context, if any."""
    return _request_id.get()


@contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Add ``fields`` (e.g. ``case="CASE-000123"``) to every record logged inside the block."""
    token = _bound.set(MappingProxyType({**_bound.get(), **fields}))
    try:
        yield
    finally:
        _bound.reset(token)


def _with_context(base: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        # Stamped when the record is made, in the logging call's own context: a handler that
        # formats later (caplog, a queue) still sees the request it belongs to.
        rid = _request_id.get()
        if rid is not None:
            record.request_id = rid
        bound = _bound.get()
        if bound:
            # Under a private name: a bound field and the same name in ``extra=`` must not clash.
            setattr(record, _BOUND_ATTR, bound)
        return record

    factory.watchfloor = True  # type: ignore[attr-defined]
    return factory


def install() -> None:
    """Make every log record carry the current request id and bound fields (idempotent)."""
    base = logging.getLogRecordFactory()
    if not getattr(base, "watchfloor", False):
        logging.setLogRecordFactory(_with_context(base))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key != _BOUND_ATTR:
                entry.setdefault(key, value)
        # A field given to the call itself (``extra=``) wins over one bound around it.
        for key, value in getattr(record, _BOUND_ATTR, {}).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: int = logging.INFO) -> None:
    install()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


# What a caller's X-Request-ID may be to be kept: a token of the characters ids are made of
# (UUIDs, hex, base64url, dotted trace ids), so a header cannot forge log fields or lines.
_SANE_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}")


class RequestIds:
    """Gives each HTTP request an id: the caller's ``X-Request-ID`` when it is a sane token,
    else a new one. It is on every log record made while the request is answered and in the
    answer's ``X-Request-ID`` header.

    Plain ASGI (no BaseHTTPMiddleware task and stream per request) because it wraps every
    intake request; it sits outside the app's error handling, so a 500 carries the id too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                if _SANE_ID.fullmatch(value):
                    rid = value.decode("ascii")
                break
        if rid is None:
            rid = os.urandom(16).hex()
        header = (b"x-request-id", rid.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = _request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
