"""The DSA Transparency Database's field rules for a statement of reasons.

Read from the Database's own code (repository digital-services-act/transparency-database: the
batch service's per-statement rules in GroupedSubmissionsService, the country and language
services, the API documentation's value lists). Where the documentation is stricter than the
code (territorial scope required, end dates not before the application date) the stricter rule
is checked here too, so a statement that passes here is one both would accept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from watchfloor.compliance.statements.vocabulary import (
    ACCOUNT_TYPES,
    ARRAY_FIELDS,
    AUTOMATED_DECISIONS,
    CATEGORIES,
    CONTENT_TYPES,
    DECISION_ACCOUNTS,
    DECISION_GROUNDS,
    DECISION_MONETARIES,
    DECISION_PROVISIONS,
    DECISION_VISIBILITIES,
    EEA_COUNTRIES,
    END_DATE_FIELDS,
    ILLEGAL,
    INCOMPATIBLE,
    KEYWORDS,
    KNOWN_FIELDS,
    LANGUAGES,
    MAX_BATCH,
    SOURCE_TYPES,
    TEXT_FIELDS,
    YES_NO,
)

_PUID = re.compile(r"^[a-zA-Z0-9_-]+\Z")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*\Z")
_EAN13 = re.compile(r"^\d{13}\Z")
_CONTENT_DATE_BOUNDS = (date(2000, 1, 1), date(2038, 1, 1))
_APPLICATION_DATE_BOUNDS = (date(2020, 1, 1), date(2038, 1, 1))


@dataclass(frozen=True)
class Problem:
    """One rule a statement breaks: the field (the Database's name) and the rule in plain words."""

    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"


def _normalise(statement: Mapping[str, object]) -> tuple[dict[str, object], set[str]]:
    """What the API sees after trimming strings and turning empty strings into null: the
    present values, and the fields sent as null (explicitly or as an empty string)."""
    values: dict[str, object] = {}
    nulls: set[str] = set()
    for key, value in statement.items():
        if isinstance(value, str):
            value = value.strip() or None
        elif isinstance(value, list):
            value = [v.strip() or None if isinstance(v, str) else v for v in value]
        if value is None:
            nulls.add(key)
        else:
            values[key] = value
    return values, nulls


class _Checker:
    """Collects the problems of one statement; each check names its field."""

    def __init__(self, statement: Mapping[str, object]) -> None:
        self.values, self.nulls = _normalise(statement)
        self.problems: list[Problem] = []

    def fail(self, field: str, rule: str) -> None:
        self.problems.append(Problem(field, rule))

    def text(self, field: str) -> str | None:
        value = self.values.get(field)
        return value if isinstance(value, str) else None

    def strings(self, field: str) -> list[str]:
        value = self.values.get(field)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def required(self, field: str) -> bool:
        if field in self.values:
            return True
        self.fail(field, "is required (missing, null or blank)")
        return False

    def max_length(self, field: str, limit: int) -> None:
        value = self.text(field)
        if value is not None and len(value) > limit:
            self.fail(field, f"is {len(value)} characters long; at most {limit} are allowed")

    def one_of(self, field: str, allowed: Sequence[str] | frozenset[str]) -> None:
        value = self.text(field)
        if value is not None and value not in allowed:
            self.fail(field, f"{value!r} is not one of the Database's values ({_few(allowed)})")

    def each_of(self, field: str, allowed: Sequence[str] | frozenset[str]) -> None:
        for item in self.strings(field):
            if item not in allowed:
                self.fail(field, f"{item!r} is not one of the Database's values ({_few(allowed)})")

    def date(self, field: str, low: date | None, high: date) -> date | None:
        raw = self.text(field)
        if raw is None:
            return None
        parsed = _parse_date(raw)
        if parsed is None:
            self.fail(field, f"{raw!r} is not a real calendar day written YYYY-MM-DD")
            return None
        if low is not None and parsed < low:
            self.fail(field, f"{raw} is before {low.isoformat()}, the earliest date allowed")
        if parsed > high:
            self.fail(field, f"{raw} is after {high.isoformat()}, the latest date allowed")
        return parsed


def _few(allowed: Sequence[str] | frozenset[str]) -> str:
    shown = sorted(allowed) if isinstance(allowed, frozenset) else list(allowed)
    return ", ".join(shown) if len(shown) <= 8 else f"{', '.join(shown[:4])}, ... ({len(shown)})"


def _parse_date(raw: str) -> date | None:
    if not _DATE.match(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def validate_statement(statement: Mapping[str, object]) -> list[Problem]:
    """Every rule of the Database's field rules that ``statement`` breaks (empty when valid)."""
    c = _Checker(statement)
    for field in statement:
        if field not in KNOWN_FIELDS:
            c.fail(field, "is not a field the Database knows (it would drop it silently)")
    _check_types(c)
    _check_decision(c)
    _check_ground(c)
    _check_content(c)
    _check_dates(c)
    _check_source(c)
    puid = c.text("puid")
    if c.required("puid") and puid is not None:
        c.max_length("puid", 500)
        if not _PUID.match(puid):
            c.fail("puid", "may hold only letters A-Z a-z, digits 0-9, '-' and '_'")
    return c.problems


def _check_types(c: _Checker) -> None:
    for field, value in list(c.values.items()):
        if field in ARRAY_FIELDS and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            c.fail(field, "must be a list of strings (blank items count as null)")
            del c.values[field]
        elif field in TEXT_FIELDS and not isinstance(value, str):
            c.fail(field, "must be a string")
            del c.values[field]
        elif field == "content_id" and not isinstance(value, Mapping):
            c.fail(field, 'must be an object such as {"EAN-13": "0123456789123"}')
            del c.values[field]


def _check_decision(c: _Checker) -> None:
    restrictions = ("decision_visibility", "decision_monetary", "decision_provision",
                    "decision_account")  # fmt: skip
    if not any(c.values.get(f) for f in restrictions):
        c.fail(
            "decision_visibility",
            "at least one of decision_visibility, decision_monetary, decision_provision or "
            "decision_account is required",
        )
    c.each_of("decision_visibility", DECISION_VISIBILITIES)
    c.one_of("decision_monetary", DECISION_MONETARIES)
    c.one_of("decision_provision", DECISION_PROVISIONS)
    c.one_of("decision_account", DECISION_ACCOUNTS)
    c.one_of("account_type", ACCOUNT_TYPES)
    if "DECISION_VISIBILITY_OTHER" in c.strings("decision_visibility") and c.required(
        "decision_visibility_other"
    ):
        c.max_length("decision_visibility_other", 500)
    if c.text("decision_monetary") == "DECISION_MONETARY_OTHER" and c.required(
        "decision_monetary_other"
    ):
        c.max_length("decision_monetary_other", 500)


def _check_ground(c: _Checker) -> None:
    if c.required("decision_ground"):
        c.one_of("decision_ground", DECISION_GROUNDS)
    ground = c.text("decision_ground")
    if ground == ILLEGAL:
        for field, limit in (("illegal_content_legal_ground", 500),
                             ("illegal_content_explanation", 2000)):  # fmt: skip
            if c.required(field):
                c.max_length(field, limit)
    elif ground == INCOMPATIBLE:
        for field, limit in (("incompatible_content_ground", 500),
                             ("incompatible_content_explanation", 2000)):  # fmt: skip
            if c.required(field):
                c.max_length(field, limit)
        if "incompatible_content_illegal" in c.nulls:
            c.fail("incompatible_content_illegal", "may not be null: send Yes or No, or omit it")
        c.one_of("incompatible_content_illegal", YES_NO)
    url = c.text("decision_ground_reference_url")
    if url is not None:
        c.max_length("decision_ground_reference_url", 500)
        if not _URL.match(url):
            c.fail("decision_ground_reference_url", f"{url!r} is not a URL (scheme://host/...)")
    if c.required("decision_facts"):
        c.max_length("decision_facts", 5000)


def _check_content(c: _Checker) -> None:
    if c.required("content_type"):
        if not c.strings("content_type"):
            c.fail("content_type", "must list at least one content type")
        c.each_of("content_type", CONTENT_TYPES)
        if "CONTENT_TYPE_OTHER" in c.strings("content_type") and c.required("content_type_other"):
            c.max_length("content_type_other", 500)
    if c.required("category"):
        c.one_of("category", CATEGORIES)
    if "category_addition" in c.nulls:
        c.fail("category_addition", "may not be null: omit it instead")
    c.each_of("category_addition", CATEGORIES)
    c.each_of("category_specification", KEYWORDS)
    c.max_length("category_specification_other", 500)
    if "territorial_scope" not in c.values or not c.strings("territorial_scope"):
        c.fail(
            "territorial_scope",
            "is required by the documentation (the code accepts it missing): list the EEA "
            "countries the decision applies in",
        )
    c.each_of("territorial_scope", EEA_COUNTRIES)
    c.one_of("content_language", LANGUAGES)
    content_id = c.values.get("content_id")
    if isinstance(content_id, Mapping):
        for key, value in content_id.items():
            if key != "EAN-13":
                c.fail("content_id", f"key {key!r} is not accepted; only 'EAN-13' is")
            elif not (isinstance(value, str) and _EAN13.match(value)):
                c.fail("content_id", "EAN-13 must be a string of exactly 13 digits")


def _check_dates(c: _Checker) -> None:
    c.required("content_date")
    c.date("content_date", *_CONTENT_DATE_BOUNDS)
    c.required("application_date")
    applied = c.date("application_date", *_APPLICATION_DATE_BOUNDS)
    for field in END_DATE_FIELDS:
        ends = c.date(field, None, _APPLICATION_DATE_BOUNDS[1])
        if ends is not None and applied is not None and ends < applied:
            c.fail(field, f"ends {ends.isoformat()}, before the application date {applied}")


def _check_source(c: _Checker) -> None:
    if c.required("source_type"):
        c.one_of("source_type", SOURCE_TYPES)
    c.max_length("source_identity", 500)
    if c.required("automated_detection"):
        c.one_of("automated_detection", YES_NO)
    if c.required("automated_decision"):
        c.one_of("automated_decision", AUTOMATED_DECISIONS)


def validate_batch(statements: Sequence[Mapping[str, object]]) -> dict[str, list[Problem]]:
    """The problems of a batch, keyed as the API keys them: ``statement_N`` (0-based) for a
    statement's own problems, ``statements`` for the batch as a whole. Empty when valid."""
    errors: dict[str, list[Problem]] = {}
    if not 1 <= len(statements) <= MAX_BATCH:
        errors["statements"] = [
            Problem(
                "statements", f"a batch holds 1 to {MAX_BATCH} statements, not {len(statements)}"
            )
        ]
    first_seen: dict[str, int] = {}
    for index, statement in enumerate(statements):
        problems = validate_statement(statement)
        puid = statement.get("puid")
        if isinstance(puid, str) and puid.strip():
            key = puid.strip()
            if key in first_seen:
                problems.append(
                    Problem(
                        "puid", f"repeats the puid of statement_{first_seen[key]} in this batch"
                    )
                )
            else:
                first_seen[key] = index
        if problems:
            errors[f"statement_{index}"] = problems
    return errors
