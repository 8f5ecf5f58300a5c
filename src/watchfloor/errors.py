"""Errors that domain services raise; the API turns each into a 4xx with a JSON body."""

from __future__ import annotations

from typing import Any


class WatchfloorError(Exception):
    """Base class: an error a user can act on. ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra = extra


class NotFound(WatchfloorError):
    status = 404
    code = "not_found"


class Conflict(WatchfloorError):
    status = 409
    code = "conflict"


class Invalid(WatchfloorError):
    """Input that parsed but breaks a domain rule (unknown policy, too many reports…).

    ``fields`` names each bad field as ``{"loc": [...], "msg": "..."}``, like a validation error.
    """

    status = 422
    code = "invalid"

    def __init__(self, message: str, fields: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or []


class Forbidden(WatchfloorError):
    status = 403
    code = "forbidden"


class Unauthenticated(WatchfloorError):
    """No valid credentials: a forged or malformed signed link, say."""

    status = 401
    code = "unauthenticated"


class TooManyAttempts(WatchfloorError):
    status = 429
    code = "too_many_attempts"


class ConfigError(WatchfloorError):
    """A configuration file is wrong; the message names the file, the line and the field."""

    status = 500
    code = "config_error"
