"""The DSA Transparency Database's value lists and field rules for a statement of reasons.

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

# ---- value lists (keys, sent as they are) --------------------------------------------------

# Ordered mildest first: when several actions fill one single-valued field, the last wins.
DECISION_VISIBILITIES = (
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_OTHER",
)
DECISION_MONETARIES = (
    "DECISION_MONETARY_OTHER",
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
)
DECISION_PROVISIONS = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECISION_ACCOUNTS = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
ACCOUNT_TYPES = ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE")
ILLEGAL = "DECISION_GROUND_ILLEGAL_CONTENT"
INCOMPATIBLE = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
DECISION_GROUNDS = (ILLEGAL, INCOMPATIBLE)


def _keys(prefix: str, names: str) -> tuple[str, ...]:
    return tuple(prefix + name for name in names.split())


CONTENT_TYPES = _keys("CONTENT_TYPE_", "APP AUDIO IMAGE PRODUCT SYNTHETIC_MEDIA TEXT VIDEO OTHER")
CATEGORIES = _keys(
    "STATEMENT_CATEGORY_",
    """ANIMAL_WELFARE CONSUMER_INFORMATION CYBER_VIOLENCE CYBER_VIOLENCE_AGAINST_WOMEN
    DATA_PROTECTION_AND_PRIVACY_VIOLATIONS ILLEGAL_OR_HARMFUL_SPEECH
    INTELLECTUAL_PROPERTY_INFRINGEMENTS NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS
    NOT_SPECIFIED_NOTICE OTHER_VIOLATION_TC PROTECTION_OF_MINORS RISK_FOR_PUBLIC_SECURITY
    SCAMS_AND_FRAUD SELF_HARM UNSAFE_AND_PROHIBITED_PRODUCTS VIOLENCE""",
)
KEYWORDS = _keys(
    "KEYWORD_",
    """ANIMAL_HARM ADULT_SEXUAL_MATERIAL AGE_SPECIFIC_RESTRICTIONS
    AGE_SPECIFIC_RESTRICTIONS_MINORS BIOMETRIC_DATA_BREACH BULLYING_AGAINST_GIRLS
    CHILD_SEXUAL_ABUSE_MATERIAL CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE
    CONTENT_PROMOTING_EATING_DISORDERS COORDINATED_HARM COPYRIGHT_INFRINGEMENT
    CYBER_BULLYING_INTIMIDATION CYBER_HARASSMENT CYBER_HARASSMENT_AGAINST_WOMEN CYBER_INCITEMENT
    CYBER_STALKING CYBER_STALKING_AGAINST_WOMEN DATA_FALSIFICATION DEFAMATION DESIGN_INFRINGEMENT
    DISCRIMINATION MISINFORMATION_DISINFORMATION FEMALE_GENDERED_DISINFORMATION
    GEOGRAPHIC_INDICATIONS_INFRINGEMENT GEOGRAPHICAL_REQUIREMENTS GOODS_SERVICES_NOT_PERMITTED
    GROOMING_SEXUAL_ENTICEMENT_MINORS HATE_SPEECH HIDDEN_ADVERTISEMENT HUMAN_EXPLOITATION
    HUMAN_TRAFFICKING ILLEGAL_ORGANIZATIONS IMPERSONATION_ACCOUNT_HIJACKING INAUTHENTIC_ACCOUNTS
    INAUTHENTIC_LISTINGS INAUTHENTIC_USER_REVIEWS INCITEMENT_AGAINST_WOMEN
    INCITEMENT_VIOLENCE_HATRED INSUFFICIENT_INFORMATION_ON_TRADERS LANGUAGE_REQUIREMENTS
    MISLEADING_INFO_CONSUMER_RIGHTS MISLEADING_INFO_GOODS_SERVICES MISSING_PROCESSING_GROUND
    NON_CONSENSUAL_IMAGE_SHARING NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN
    NON_CONSENSUAL_MATERIAL_DEEPFAKE NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN
    NONCOMPLIANCE_PRICING NUDITY PATENT_INFRINGEMENT PHISHING PROHIBITED_PRODUCTS PYRAMID_SCHEMES
    RIGHT_TO_BE_FORGOTTEN RISK_ENVIRONMENTAL_DAMAGE RISK_PUBLIC_HEALTH SELF_MUTILATION STALKING
    SUICIDE TERRORIST_CONTENT TRADE_SECRET_INFRINGEMENT TRADEMARK_INFRINGEMENT
    TRAFFICKING_WOMEN_GIRLS UNLAWFUL_SALE_ANIMALS UNSAFE_CHALLENGES UNSAFE_PRODUCTS
    VIOLATION_EU_LAW VIOLATION_NATIONAL_LAW OTHER""",
)
EU_COUNTRIES = _keys(
    "", "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
)
EEA_COUNTRIES = tuple(sorted((*EU_COUNTRIES, "IS", "LI", "NO")))
# EuropeanLanguagesService::ALL_LANGUAGES: upper-case ISO 639-1, not only EU languages.
LANGUAGES = frozenset(
    _keys(
        "",
        """AB AA AF AK SQ AM AR AN HY AS AV AE AY AZ BM BA EU BE BN BH BI BS BR BG MY CA KM CH CE
    NY ZH CU CV KW CO CR HR CS DA DV NL DZ EN EO ET EE FO FJ FI FR FF GD GL LG KA DE KI EL KL GN
    GU HT HA HE HZ HI HO HU IS IO IG ID IA IE IU IK GA IT JA JV KN KR KS KK RW KV KG KO KJ KU KY
    LO LA LV LB LI LN LT LU MK MG MS ML MT GV MI MR MH RO MN NA NV ND NG NE SE NO NB NN II OC OJ
    OR OM OS PI PA PS FA PL PT QU RM RN RU SM SG SA SC SR SN SD SI SK SL SO ST NR ES SU SW SS SV
    TL TY TG TA TT TE TH BO TI TO TS TN TR TK TW UG UK UR UZ VE VI VO WA CY FY WO XH YI YO ZA
    ZU""",
    )
)
SOURCE_TYPES = (
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
)
YES_NO = ("Yes", "No")
AUTOMATED_DECISIONS = (
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
)

END_DATE_FIELDS = (
    "end_date_visibility_restriction",
    "end_date_monetary_restriction",
    "end_date_service_restriction",
    "end_date_account_restriction",
)
ARRAY_FIELDS = frozenset(
    {"decision_visibility", "content_type", "category_addition", "category_specification",
     "territorial_scope"}
)  # fmt: skip
TEXT_FIELDS = frozenset(
    {"decision_visibility_other", "decision_monetary", "decision_monetary_other",
     "decision_provision", "decision_account", "account_type", "decision_ground",
     "decision_ground_reference_url", "illegal_content_legal_ground",
     "illegal_content_explanation", "incompatible_content_ground",
     "incompatible_content_explanation", "incompatible_content_illegal", "content_type_other",
     "category", "category_specification_other", "content_language", "content_date",
     "application_date", *END_DATE_FIELDS, "decision_facts", "source_type", "source_identity",
     "automated_detection", "automated_decision", "puid"}
)  # fmt: skip
KNOWN_FIELDS = ARRAY_FIELDS | TEXT_FIELDS | {"content_id"}
MAX_BATCH = 100

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
