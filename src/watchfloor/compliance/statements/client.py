"""Submitting a batch of statements of reasons to the DSA Transparency Database.

One call, one answer: the caller (a worker job) owns retries and backoff, so nothing sleeps
here. The answers follow the Database's batch endpoint (StatementMultipleAPIController): 201
with the created statements, 422 with errors keyed ``statement_N``, 422 with ``errors.puid``
when a puid repeats (in the batch or an earlier submission), 429 and 5xx when it is busy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx

from watchfloor.compliance.statements.vocabulary import MAX_BATCH

Outcome = Literal["created", "invalid", "duplicate_puid", "retry", "refused"]


@dataclass(frozen=True)
class BatchResult:
    """What the Database answered to one batch.

    ``ids``: puid -> the Database's identifier (uuid, else id) of each created statement.
    ``errors``: ``statement_N`` -> field -> messages, as the Database sends them.
    ``duplicate_puids``: the puids it already holds or that repeat within the batch.
    ``retry_after`` (seconds) or ``retry_at`` (a moment): when the server asked to wait.
    """

    outcome: Outcome
    status: int | None
    message: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    errors: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    duplicate_puids: tuple[str, ...] = ()
    retry_after: float | None = None
    retry_at: datetime | None = None

    @property
    def retryable(self) -> bool:
        """True when sending the same batch again later may succeed."""
        return self.outcome == "retry"


def submit_batch(
    statements: Sequence[Mapping[str, object]],
    *,
    base_url: str,
    token: str,
    client: httpx.Client,
) -> BatchResult:
    """POST ``statements`` to {base_url}/api/v1/statements with the bearer ``token``."""
    if not 1 <= len(statements) <= MAX_BATCH:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} statements, not {len(statements)}")
    url = f"{base_url.rstrip('/')}/api/v1/statements"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    try:
        response = client.post(url, json={"statements": list(statements)}, headers=headers)
    except httpx.TransportError as exc:
        return BatchResult("retry", None, f"could not reach the Database: {exc!r}")
    return _read(response)


def _read(response: httpx.Response) -> BatchResult:
    status = response.status_code
    body = _json(response)
    message = str(body.get("message", "")) if body else response.text[:500]
    if status == 201:
        return BatchResult("created", status, "created", ids=_ids(body))
    if status == 422:
        errors = body.get("errors") if body else None
        if isinstance(errors, Mapping) and "puid" in errors:
            existing = errors.get("existing_puids") or []
            puids = tuple(str(p) for p in existing) if isinstance(existing, list) else ()
            return BatchResult("duplicate_puid", status, message, duplicate_puids=puids)
        return BatchResult(
            "invalid", status, message or "the Database refused the batch", errors=_errors(errors)
        )
    if status == 429 or status >= 500:
        after, at = _retry_after(response.headers.get("retry-after"))
        return BatchResult(
            "retry", status, message or f"HTTP {status}", retry_after=after, retry_at=at
        )
    # 401 (bad token), 403, 404 and other 4xx: sending again will not help until someone acts.
    return BatchResult("refused", status, message or f"HTTP {status}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _ids(body: Mapping[str, Any]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for item in body.get("statements") or []:
        if isinstance(item, Mapping) and item.get("puid") is not None:
            ident = item.get("uuid") or item.get("id")
            if ident is not None:
                ids[str(item["puid"])] = str(ident)
    return ids


def _errors(raw: object) -> dict[str, dict[str, list[str]]]:
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, dict[str, list[str]]] = {}
    for key, fields in raw.items():
        if isinstance(fields, Mapping):
            out[str(key)] = {
                str(f): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                for f, msgs in fields.items()
            }
        else:
            # A whole-request error (e.g. "statements": ["... between 1 and 100 ..."]).
            msgs = fields if isinstance(fields, list) else [fields]
            out.setdefault("request", {})[str(key)] = [str(m) for m in msgs]
    return out


def _retry_after(value: str | None) -> tuple[float | None, datetime | None]:
    """Retry-After as seconds, or as the HTTP date it names (RFC 9110 10.2.3)."""
    if not value:
        return None, None
    value = value.strip()
    if value.isdigit():
        return float(value), None
    try:
        return None, parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None, None
