"""PII redaction for everything that leaves Watchfloor as a file (pure: no database).

An export is redacted unless the caller's role holds ``pii:read`` (legal, admin): e-mail
addresses, phone numbers, IPv4 and IPv6 addresses, @handles, account-style ids
(``acct-123``, ``user_42``, ``uid:9``) and names introduced by a title or a phrase
("Mr Smith", "Dr. Ana Lopez", "my name is Jo Bloggs", "named Kim Lee") are replaced by a
bracketed label saying what stood there.

What it does NOT catch, and why: names written without such a cue ("John wrote to Mary"),
since telling a name from a capitalised word needs a language model that guesses; ids in a
platform's own format with no cue (a bare "8812731"); street addresses; payment card numbers
written with spaces in groups other than a phone's; identifiers spelled out to evade filters
("jo at example dot com"); text inside images or files. Phone numbers need 9 to 15 digits, so
short codes survive, and longer digit runs (order numbers) are left alone. ISO dates and times
are never taken for phone numbers. It errs towards removing: a version string "1.2.3.4" reads
as an IP address and goes.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import Any, TypeVar

from pydantic import BaseModel

from watchfloor.auth.permissions import Permission, can

T = TypeVar("T")

EMAIL = "[email]"
PHONE = "[phone]"
IP = "[ip]"
HANDLE = "[handle]"
ACCOUNT = "[account id]"
NAME = "[name]"

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
# A candidate IPv6 address (checked by ipaddress): hex groups and at least two colons.
_IPV6 = re.compile(r"(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")
# 9 to 15 digits with the separators phone numbers are written with; not inside a longer run.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d(?:[ .\-/()]{0,2}\d){8,14}(?![\w])")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}(?::\d{2}){0,2})?$")
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
_ACCOUNT = re.compile(
    r"(?i)\b(?:acct|account|user|usr|uid|member|profile|customer|subject)"
    r"[-_:#/]?(?:id)?[-_:#/]?\d[\w-]*"
    r"|\b(?:acct|uid)[-_:#][A-Za-z0-9][\w-]*"
)
_WORD = r"[A-Z][a-z'\-]+"
_NAME = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam)\.?\s+{_WORD}(?:\s+{_WORD})?"
    rf"|(?i:\b(?:my name is|name is|named|called|i am|i'm|signed|regards,?))\s+"
    rf"{_WORD}(?:\s+{_WORD})?"
)


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    # Try it whole, then without the full stop or colon of the sentence around it.
    for core in (text, text.rstrip("."), text.rstrip(".:")):
        try:
            ipaddress.IPv6Address(core)
        except ValueError:
            continue
        return IP + text[len(core) :]
    return text


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    return text if _ISO_DATE.match(text.strip()) else PHONE


def _name(match: re.Match[str]) -> str:
    text = match.group(0)
    found = re.search(rf"{_WORD}(?:\s+{_WORD})?$", text)
    return text[: found.start()] + NAME if found else text


def redact_text(text: str) -> str:
    """``text`` with the personal data this module finds replaced by labels."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _IPV6.sub(_ipv6, text)
    text = _IPV4.sub(IP, text)
    text = _PHONE.sub(_phone, text)
    text = _HANDLE.sub(HANDLE, text)
    text = _ACCOUNT.sub(ACCOUNT, text)
    return _NAME.sub(_name, text)


def redact(value: T) -> T:
    """A copy of ``value`` with every string in it redacted: strings, lists, tuples, sets,
    dicts (keys too: counts under keys that become the same label are added), dataclasses and
    pydantic models. Numbers, dates and other values are left as they are."""
    return _walk(value)  # type: ignore[no-any-return]


def _walk(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new_key, new_item = _walk(key), _walk(item)
            if new_key in out and _is_number(out[new_key]) and _is_number(new_item):
                out[new_key] = out[new_key] + new_item
            else:
                out.setdefault(new_key, new_item)
        return out
    if isinstance(value, list):
        return [_walk(v) for v in value]
    if isinstance(value, tuple):
        items = [_walk(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, frozenset | set):
        return type(value)(_walk(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, BaseModel):
        return value.model_copy(
            update={k: _walk(getattr(value, k)) for k in type(value).model_fields}
        )
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def unless_allowed(value: T, *, role: str) -> T:
    """``value`` as it is for a role holding ``pii:read``, redacted for every other role."""
    return value if can(role, Permission.PII_READ) else redact(value)
