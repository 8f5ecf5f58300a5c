"""Identifiers in one canonical form, so the same phone, e-mail or IP written two ways links (pure).

A subject's identifiers link it to other subjects when they hold the same (kind, value). That only
works if both were written the same way, so intake stores every identifier through ``normalise``,
and adds the keys ``derived`` from it (an e-mail's domain).

Kinds we know get checked and canonicalised; any other kind (``client_id``, ``owner_account``…) is
kept as given, stripped, since the platform that sent it knows its own id format best.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import phonenumbers

EMAIL = "email"
DOMAIN = "domain"
PHONE = "phone"
IP = "ip"
DEVICE = "device_id"
PAYMENT = "payment_fingerprint"
API_KEY_OWNER = "api_key_owner"

# Other names senders use for the same kinds.
ALIASES = {
    "email_address": EMAIL,
    "email_domain": DOMAIN,
    "phone_number": PHONE,
    "msisdn": PHONE,
    "ip_address": IP,
    "device": DEVICE,
    "card_fingerprint": PAYMENT,
    "payment_method_fingerprint": PAYMENT,
    "key_owner": API_KEY_OWNER,
}

# Mailbox providers and ISPs: everyone shares their domains, so they link nobody to anybody.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.co.jp",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "tutanota.com",
        "tuta.io",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "zoho.com",
        "fastmail.com",
        "hey.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "t-online.de",
        "libero.it",
        "comcast.net",
        "verizon.net",
        "att.net",
        "btinternet.com",
        "sky.com",
        "example.com",  # the documentation domain: test and demo data everywhere uses it
    }
)

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_SPACE = re.compile(r"\s+")


class BadIdentifier(ValueError):
    """The value cannot be an identifier of that kind; the message says why."""


def canonical_kind(kind: str) -> str:
    """The kind under which ``kind`` is stored (``device`` → ``device_id``)."""
    return ALIASES.get(kind, kind)


def normalise(kind: str, value: str) -> str:
    """``value`` written the one way every sender's copy of it is stored; BadIdentifier if it
    cannot be one. ``kind`` must already be canonical."""
    value = value.strip()
    if kind == EMAIL:
        return _email(value)
    if kind == DOMAIN:
        return _domain(value)
    if kind == PHONE:
        return _phone(value)
    if kind == IP:
        return _ip(value)
    if kind in (DEVICE, PAYMENT, API_KEY_OWNER):
        # Opaque ids: case may matter (base64), inner whitespace from copy-paste does not.
        return _SPACE.sub("", value)
    return value


def derived(kind: str, value: str) -> list[tuple[str, str]]:
    """Further link keys a normalised identifier implies: an e-mail's domain, unless free-mail."""
    if kind == EMAIL:
        domain = value.rsplit("@", 1)[1]
        if links(DOMAIN, domain):
            return [(DOMAIN, domain)]
    return []


def links(kind: str, value: str) -> bool:
    """Whether holding this identifier says anything about who is behind a subject."""
    return not (kind == DOMAIN and value in FREE_MAIL_DOMAINS)


def _email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local or " " in local:
        raise BadIdentifier("an email needs the form name@domain")
    try:
        return f"{local.lower()}@{_domain(domain)}"
    except BadIdentifier as exc:
        raise BadIdentifier(f"the email's domain is not valid: {exc}") from None


@lru_cache(maxsize=8192)  # a few domains (gmail.com…) are most of them; IDNA encoding is slow
def _domain(value: str) -> str:
    host = value.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadIdentifier(f"{value!r} is not a domain name") from None
    if not _DOMAIN.match(host):
        raise BadIdentifier(f"{value!r} is not a domain name (like example.org)")
    return host


def _phone(value: str) -> str:
    """E.164 (``+442079460123``) when the number has its country code; otherwise its digits alone.

    A national number without a country (``020 7946 0123``) cannot be placed, so it only links to
    the same national number written in the same country; no region is guessed.
    """
    raw = value[2:] if value.startswith("00") else value
    if value.startswith(("+", "00")):
        try:
            number = phonenumbers.parse("+" + raw.lstrip("+"), None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"[\s().\-/]", "", raw).lstrip("+")
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise BadIdentifier(
            "a phone number needs 5 to 15 digits, best with its country code (+44 20 7946 0123)"
        )
    return digits


def _ip(value: str) -> str:
    """The address in its one standard spelling; an IPv4-mapped IPv6 address as plain IPv4.

    Exact addresses only, no /24 (or /64) neighbours: carrier-grade NAT, mobile networks, offices
    and VPN or cloud egress put unrelated people in one range, so a range link would mostly join
    strangers, and an exact shared IP is already the weakest link we keep.
    """
    try:
        address = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        raise BadIdentifier(f"{value!r} is not an IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.compressed
