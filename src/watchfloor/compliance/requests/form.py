"""Reading a request form mail, with no database: the message's id, sender and attachments
(names, sizes and sha256 only), and the "Field: value" lines of the form.

The form a requester fills in (one field a line, anywhere in the plain-text body; names are
case-insensitive; unknown lines are ignored, so a covering letter may surround the form)::

    Request-Type: us_subpoena          one of the request types (or an alias: subpoena, warrant,
                                       court order, 2703(f), emergency, epoc, gdpr access...)
    Authority: Example County Sheriff  the issuing authority (required)
    Person: Det. A. Jones              who to answer
    Email: a.jones@example.gov         contact email (Contact-Email also read)
    Phone: +1 555 0100                 contact phone (Contact-Phone also read)
    Country: US                        ISO 3166-1 alpha-2 of the authority (EL and UK accepted)
    Legal-Basis: 18 U.S.C. 2703(c)(2)  the citation the request rests on (required)
    Scope: subscriber records          what is asked for, in words
    Scope-Accounts: acct-42, acct-43   accounts asked about (comma-separated)
    Scope-Data-Types: subscriber, ip_logs
    Scope-From: 2026-01-01             the date range asked for
    Scope-To: 2026-03-31
    Response-Due: 2026-12-20           a date (the start of that day, UTC: the safe side) or a
                                       time with its offset (2026-12-20T17:00:00-05:00)
    Subject-Account: acct-42           the account the request is about (default: the first of
                                       Scope-Accounts)
    Received: 2026-12-01T09:00:00Z     when it was served, if before the mail arrived

A mail without the required fields, or with a value that does not parse, still becomes a case
(needs classification) with the reasons these functions give.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

# ISO 3166-1 alpha-2 (the tz database's iso3166.tab, 249 codes).
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a list literal of 249 codes reads worse
)
# Names in use beside ISO's: the EU writes Greece EL, and the United Kingdom is often UK.
COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}

# What requesters write for a request type, lower-case, beside the type names themselves.
TYPE_ALIASES = {
    "subpoena": "us_subpoena",
    "court order": "us_court_order",
    "2703(d) order": "us_court_order",
    "warrant": "us_warrant",
    "search warrant": "us_warrant",
    "2703(f)": "us_preservation",
    "2703(f) preservation": "us_preservation",
    "preservation": "us_preservation",
    "emergency": "us_emergency_disclosure",
    "emergency disclosure": "us_emergency_disclosure",
    "epoc": "eu_epoc",
    "european production order": "eu_epoc",
    "epoc emergency": "eu_epoc_emergency",
    "epoc-pr": "eu_epoc_pr",
    "european preservation order": "eu_epoc_pr",
    "gdpr access": "gdpr_access",
    "gdpr erasure": "gdpr_erasure",
    "dsa article 9": "dsa_9_order",
    "dsa article 10": "dsa_10_order",
}
FIELD_NAMES = {
    "request-type": "request_type",
    "authority": "authority",
    "person": "person",
    "email": "email",
    "contact-email": "email",
    "phone": "phone",
    "contact-phone": "phone",
    "country": "country",
    "member-state": "country",
    "legal-basis": "legal_basis",
    "scope": "scope_note",
    "scope-accounts": "scope_accounts",
    "scope-data-types": "scope_data_types",
    "scope-from": "scope_from",
    "scope-to": "scope_to",
    "response-due": "response_due_at",
    "subject-account": "subject_account",
    "received": "received_at",
}
_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z-]{1,30})\s*:\s*(.*?)\s*$")


# The form's name for each field of the API's request body, to say which line to fix.
MAIL_NAMES = {
    "request_type": "Request-Type",
    "requester.authority": "Authority",
    "requester.person": "Person",
    "requester.email": "Email",
    "requester.phone": "Phone",
    "requester.country": "Country",
    "legal_basis": "Legal-Basis",
    "scope": "Scope",
    "scope.accounts": "Scope-Accounts",
    "scope.data_types": "Scope-Data-Types",
    "scope.date_from": "Scope-From",
    "scope.date_to": "Scope-To",
    "subject": "Subject-Account",
    "response_due_at": "Response-Due",
    "received_at": "Received",
}


def mail_field(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """The form's name for a field of the request body (a pydantic error's ``loc``)."""
    path = ".".join(str(part) for part in loc if not isinstance(part, int))
    while path and path not in MAIL_NAMES:
        path = path.rpartition(".")[0]
    return MAIL_NAMES.get(path, "form")


def country_code(value: str) -> str:
    """The ISO 3166-1 alpha-2 code for ``value`` (any case; EL and UK accepted); ValueError
    naming the problem otherwise."""
    code = value.strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    if code not in COUNTRIES:
        raise ValueError(
            f"unknown country {value!r}: give the ISO 3166-1 alpha-2 code (DE, FR, US, GB...)"
        )
    return code


def request_type_of(value: str, known: tuple[str, ...]) -> str:
    """The request type ``value`` names (a type name or an alias); ValueError listing the
    known types otherwise."""
    text = " ".join(value.strip().lower().split())
    name = text.replace(" ", "_")
    if name in known:
        return name
    alias = TYPE_ALIASES.get(text)
    if alias is not None and alias in known:
        return alias
    raise ValueError(f"unknown request type {value!r}; known: {', '.join(known)}")


def when(value: str, field_name: str) -> datetime:
    """A date (its first instant, UTC) or a time with its UTC offset, as an aware UTC time."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{field_name}: {value!r} is not a date (2026-12-20) or a time with its offset "
            "(2026-12-20T17:00:00+01:00)"
        ) from None
    if at.tzinfo is None:
        raise ValueError(f"{field_name}: {value!r} has no UTC offset; add one (Z, +01:00)")
    return at.astimezone(UTC)


def form_fields(text: str) -> dict[str, str]:
    """The form's known "Field: value" lines, by their internal name; the first of a repeated
    field counts, so a quoted earlier mail further down cannot override the form."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        name = FIELD_NAMES.get(m.group(1).lower())
        if name is not None and m.group(2) and name not in found:
            found[name] = m.group(2)
    return found


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int
    sha256: str


@dataclass
class Mail:
    """What a request mail says; ``body`` is kept only to be parsed, never logged or stored."""

    message_id: str
    sender: str
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


def read_mail(raw: bytes) -> Mail:
    """The parts of a raw RFC 5322 message a request needs. A message without a Message-ID
    gets one from its bytes' sha256, so reading it again finds the same request."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    message_id = str(msg.get("Message-ID") or "").strip()
    if not message_id:
        message_id = "<sha256-" + hashlib.sha256(raw).hexdigest() + "@watchfloor>"
    body_part = msg.get_body(preferencelist=("plain",))
    body = ""
    if body_part is not None:
        try:
            body = str(body_part.get_content())
        except (LookupError, ValueError):  # an unknown charset: read what can be read
            payload = body_part.get_payload(decode=True)
            body = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        content = data if isinstance(data, bytes) else b""
        attachments.append(
            Attachment(
                name=str(part.get_filename() or "unnamed"),
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return Mail(
        message_id=message_id[:256],
        sender=parseaddr(str(msg.get("From") or ""))[1],
        subject=str(msg.get("Subject") or ""),
        body=body,
        attachments=attachments,
    )


def request_body(mail: Mail) -> dict[str, object]:
    """The mail's form as the API's request body (RequestIn), before validation: what is
    missing or wrong is left for the schema to name."""
    f = form_fields(mail.body)
    accounts = _split(f.get("scope_accounts"))
    subject = f.get("subject_account") or (accounts[0] if accounts else None)
    body: dict[str, object] = {
        "external_id": mail.message_id,
        "request_type": f.get("request_type"),
        "requester": {
            "authority": f.get("authority"),
            "person": f.get("person"),
            "email": f.get("email") or mail.sender or None,
            "phone": f.get("phone"),
            "country": f.get("country"),
        },
        "legal_basis": f.get("legal_basis"),
        "scope": {
            "accounts": accounts,
            "data_types": _split(f.get("scope_data_types")),
            "date_from": f.get("scope_from"),
            "date_to": f.get("scope_to"),
            "note": f.get("scope_note"),
        },
        "subject": None if subject is None else {"kind": "account", "id": subject},
        "response_due_at": _time_or_raw(f.get("response_due_at")),
        "received_at": _time_or_raw(f.get("received_at")),
    }
    return body


def _time_or_raw(value: str | None) -> object:
    """A form time as an aware datetime; what does not parse is left for the schema to name."""
    if value is None:
        return None
    try:
        return when(value, "time")
    except ValueError:
        return value
