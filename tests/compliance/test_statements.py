"""Statements of reasons: built from decisions, checked against the Database's field rules,
and told to the user in plain language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from watchfloor.compliance.statements.build import (
    EnforcementDecision,
    StatementNotDue,
    build_statement,
    user_statement,
)
from watchfloor.compliance.statements.config import (
    TransparencyConfig,
    load_transparency_config,
)
from watchfloor.compliance.statements.rules import validate_batch, validate_statement
from watchfloor.compliance.statements.vocabulary import ARRAY_FIELDS, KNOWN_FIELDS

CONFIG = Path(__file__).resolve().parents[2] / "config" / "transparency.yaml"


@pytest.fixture(scope="module")
def mapping() -> TransparencyConfig:
    return load_transparency_config(CONFIG)


def decision(**changes: Any) -> EnforcementDecision:
    base = EnforcementDecision(
        decision_id=42,
        case_key="CASE-000123",
        policy_id="HT-DEHUMANISE",
        harm_area="hate",
        actions=("remove_content", "notify_reporter"),
        source="in_app",
        automated_detection=False,
        automated_decision="none",
        content_types=("text",),
        content_date=date(2026, 3, 1),
        application_date=date(2026, 3, 2),
        facts="A public post calls a religious group vermin to be exterminated; an analyst "
        "reviewed it after a user report.",
        content_language="en",
    )
    return replace(base, **changes)


CSEM = decision(
    decision_id=7,
    case_key="CASE-000007",
    policy_id="CS-CSEM",
    harm_area="child_safety",
    actions=("remove_content", "ban_account", "report_to_ncmec", "preserve_data"),
    source="detector:pdq",
    reporter_kind="detector",
    automated_detection=True,
    automated_decision="partially",
    content_types=("image",),
    facts="An uploaded image matched a known child sexual abuse hash; an analyst confirmed it.",
    content_language=None,
)
PHISHING = decision(
    decision_id=9,
    case_key="CASE-000009",
    policy_id="FR-PHISHING",
    harm_area="fraud_scams",
    actions=("remove_content", "restrict_feature"),
    source="email",
    reporter_kind="trusted_flagger",
    notifier="Example Consumer Protection Association",
    content_types=("text",),
    end_dates={"restrict_feature": date(2026, 4, 1)},
    facts="Messages posing as a bank asked recipients to enter card details on a lookalike page.",
)
DSA_NOTICE = decision(
    decision_id=11,
    case_key="CASE-000011",
    policy_id="LG-DSA-NOTICE",
    harm_area="legal_regulatory",
    actions=("remove_content",),
    source="email",
    legal_ground="Section 130 of the German Criminal Code (incitement to hatred)",
    territorial_scope=("DE",),
    content_language="de-AT",
    facts="A notice under Article 16 DSA showed the post is illegal in Germany; legal review "
    "agreed.",
)
SELF_HARM = decision(
    decision_id=12,
    case_key="CASE-000012",
    policy_id="SH-EATING",
    harm_area="self_harm",
    actions=("remove_content", "warn_user"),
    automated_detection=True,
    automated_decision="fully",
    source="detector:text-classifier",
    content_types=("text", "image"),
    facts="A post gave tips for eating under 300 calories a day and hiding it from parents.",
)


@pytest.mark.parametrize("made", [decision(), CSEM, PHISHING, DSA_NOTICE, SELF_HARM])
def test_statements_built_from_real_decisions_pass_every_rule(
    made: EnforcementDecision, mapping: TransparencyConfig
) -> None:
    statement = build_statement(made, mapping)
    assert validate_statement(statement) == []
    assert set(statement) <= KNOWN_FIELDS
    for name, value in statement.items():
        assert isinstance(value, list if name in ARRAY_FIELDS else str), name


def test_child_sexual_abuse_material_is_reported_as_illegal_content(
    mapping: TransparencyConfig,
) -> None:
    s = build_statement(CSEM, mapping)
    assert s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "2011/93/EU" in str(s["illegal_content_legal_ground"])
    assert s["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert s["category_specification"] == ["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"]
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert s["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert s["source_type"] == "SOURCE_VOLUNTARY"
    assert (s["automated_detection"], s["automated_decision"]) == (
        "Yes",
        "AUTOMATED_DECISION_PARTIALLY",
    )
    assert "content_language" not in s
    assert s["puid"] == "wf-CASE-000007-7"


def test_a_trusted_flaggers_notice_names_the_flagger_and_ends_when_the_restriction_ends(
    mapping: TransparencyConfig,
) -> None:
    s = build_statement(PHISHING, mapping)
    assert s["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert s["source_identity"] == "Example Consumer Protection Association"
    assert s["decision_provision"] == "DECISION_PROVISION_PARTIAL_SUSPENSION"
    assert s["end_date_service_restriction"] == "2026-04-01"
    assert "end_date_visibility_restriction" not in s  # the removal is for good
    assert s["category_specification"] == ["KEYWORD_PHISHING"]


def test_an_ordinary_notifier_is_never_named(mapping: TransparencyConfig) -> None:
    s = build_statement(decision(notifier="Jane Doe"), mapping)
    assert s["source_type"] == "SOURCE_ARTICLE_16"
    assert "source_identity" not in s


def test_a_notice_cites_its_own_law_and_scope(mapping: TransparencyConfig) -> None:
    s = build_statement(DSA_NOTICE, mapping)
    assert s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert s["illegal_content_legal_ground"] == DSA_NOTICE.legal_ground
    assert s["territorial_scope"] == ["DE"]
    assert s["content_language"] == "DE"


def test_the_most_severe_account_measure_wins_and_an_indefinite_one_has_no_end(
    mapping: TransparencyConfig,
) -> None:
    made = decision(
        actions=("suspend_account", "ban_account"),
        end_dates={"suspend_account": date(2026, 4, 2)},
    )
    s = build_statement(made, mapping)
    assert s["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert "end_date_account_restriction" not in s


def test_a_warning_is_described_as_an_other_restriction(mapping: TransparencyConfig) -> None:
    s = build_statement(SELF_HARM, mapping)
    assert s["decision_visibility"] == [
        "DECISION_VISIBILITY_CONTENT_REMOVED",
        "DECISION_VISIBILITY_OTHER",
    ]
    assert "warning" in str(s["decision_visibility_other"]).lower()
    assert s["content_type"] == ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE"]


@pytest.mark.parametrize(
    "actions",
    [("notify_reporter",), ("preserve_data", "report_to_ncmec", "refer_to_law_enforcement")],
)
def test_no_statement_is_due_when_nothing_is_restricted(
    actions: tuple[str, ...], mapping: TransparencyConfig
) -> None:
    with pytest.raises(StatementNotDue, match="no statement of reasons is due"):
        build_statement(decision(actions=actions), mapping)


def test_a_language_the_database_does_not_list_is_left_out(mapping: TransparencyConfig) -> None:
    assert "content_language" not in build_statement(decision(content_language="fil"), mapping)


# ---- every rule has a failing example naming its field ---------------------------------------


def valid() -> dict[str, Any]:
    return {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community guidelines, Hate",
        "incompatible_content_explanation": "Attacks people for a protected characteristic.",
        "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "territorial_scope": ["DE", "FR"],
        "content_date": "2026-03-01",
        "application_date": "2026-03-02",
        "decision_facts": "A post calling a group vermin.",
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": "wf-CASE-000123-42",
    }


ILLEGAL = {
    "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "illegal_content_legal_ground": "Directive 2011/93/EU Art. 5",
    "illegal_content_explanation": "Child sexual abuse material.",
    "incompatible_content_ground": None,
    "incompatible_content_explanation": None,
}
DROP = object()
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, changes, field named, words in the rule)
    ("no decision at all", {"decision_visibility": []}, "decision_visibility", "at least one"),
    ("unknown visibility", {"decision_visibility": ["HIDDEN"]}, "decision_visibility", "not one of"),
    ("visibility other without text", {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},
     "decision_visibility_other", "required"),
    ("visibility other too long", {"decision_visibility": ["DECISION_VISIBILITY_OTHER"],
     "decision_visibility_other": "x" * 501}, "decision_visibility_other", "at most 500"),
    ("monetary other without text", {"decision_monetary": "DECISION_MONETARY_OTHER"},
     "decision_monetary_other", "required"),
    ("unknown monetary", {"decision_monetary": "FINE"}, "decision_monetary", "not one of"),
    ("unknown provision", {"decision_provision": "SOME"}, "decision_provision", "not one of"),
    ("unknown account", {"decision_account": "BANNED"}, "decision_account", "not one of"),
    ("unknown account type", {"account_type": "PERSONAL"}, "account_type", "not one of"),
    ("no ground", {"decision_ground": DROP}, "decision_ground", "required"),
    ("unknown ground", {"decision_ground": "ILLEGAL_CONTENT"}, "decision_ground", "not one of"),
    ("illegal without legal ground", {**ILLEGAL, "illegal_content_legal_ground": " "},
     "illegal_content_legal_ground", "required"),
    ("illegal legal ground too long", {**ILLEGAL, "illegal_content_legal_ground": "x" * 501},
     "illegal_content_legal_ground", "at most 500"),
    ("illegal explanation missing", {**ILLEGAL, "illegal_content_explanation": DROP},
     "illegal_content_explanation", "required"),
    ("illegal explanation too long", {**ILLEGAL, "illegal_content_explanation": "x" * 2001},
     "illegal_content_explanation", "at most 2000"),
    ("terms ground missing", {"incompatible_content_ground": ""}, "incompatible_content_ground",
     "required"),
    ("terms ground too long", {"incompatible_content_ground": "x" * 501},
     "incompatible_content_ground", "at most 500"),
    ("terms explanation too long", {"incompatible_content_explanation": "x" * 2001},
     "incompatible_content_explanation", "at most 2000"),
    ("also-illegal sent as null", {"incompatible_content_illegal": None},
     "incompatible_content_illegal", "may not be null"),
    ("also-illegal not Yes or No", {"incompatible_content_illegal": "yes"},
     "incompatible_content_illegal", "not one of"),
    ("reference not a URL", {"decision_ground_reference_url": "our terms"},
     "decision_ground_reference_url", "not a URL"),
    ("reference too long", {"decision_ground_reference_url": "https://e.com/" + "x" * 490},
     "decision_ground_reference_url", "at most 500"),
    ("facts blank after trimming", {"decision_facts": "   "}, "decision_facts", "required"),
    ("facts too long", {"decision_facts": "x" * 5001}, "decision_facts", "at most 5000"),
    ("no content type", {"content_type": DROP}, "content_type", "required"),
    ("empty content type", {"content_type": []}, "content_type", "at least one"),
    ("unknown content type", {"content_type": ["CONTENT_TYPE_MEME"]}, "content_type", "not one of"),
    ("content type other without text", {"content_type": ["CONTENT_TYPE_OTHER"]},
     "content_type_other", "required"),
    ("content type other too long", {"content_type": ["CONTENT_TYPE_OTHER"],
     "content_type_other": "x" * 501}, "content_type_other", "at most 500"),
    ("no category", {"category": DROP}, "category", "required"),
    ("v1 category", {"category": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"},
     "category", "not one of"),
    ("category addition null", {"category_addition": None}, "category_addition", "may not be null"),
    ("unknown category addition", {"category_addition": ["STATEMENT_CATEGORY_SPAM"]},
     "category_addition", "not one of"),
    ("unknown keyword", {"category_specification": ["KEYWORD_GENDER_BASED_VIOLENCE"]},
     "category_specification", "not one of"),
    ("keyword other too long", {"category_specification_other": "x" * 501},
     "category_specification_other", "at most 500"),
    ("no territorial scope", {"territorial_scope": DROP}, "territorial_scope", "required"),
    ("not an EEA country", {"territorial_scope": ["DE", "CH"]}, "territorial_scope", "not one of"),
    ("Greece as EL", {"territorial_scope": ["EL"]}, "territorial_scope", "not one of"),
    ("lower-case language", {"content_language": "en"}, "content_language", "not one of"),
    ("unknown language", {"content_language": "XX"}, "content_language", "not one of"),
    ("no content date", {"content_date": DROP}, "content_date", "required"),
    ("content date not a real day", {"content_date": "2026-02-30"}, "content_date", "real"),
    ("content date badly written", {"content_date": "01/03/2026"}, "content_date", "YYYY-MM-DD"),
    ("content date too early", {"content_date": "1999-12-31"}, "content_date", "before 2000-01-01"),
    ("no application date", {"application_date": DROP}, "application_date", "required"),
    ("application date too early", {"application_date": "2019-12-31"}, "application_date",
     "before 2020-01-01"),
    ("application date too late", {"application_date": "2038-01-02", "content_date": "2026-01-01"},
     "application_date", "after 2038-01-01"),
    ("end date before application", {"end_date_account_restriction": "2026-03-01"},
     "end_date_account_restriction", "before the application date"),
    ("end date too late", {"end_date_visibility_restriction": "2038-01-02"},
     "end_date_visibility_restriction", "after 2038-01-01"),
    ("end date not a real day", {"end_date_service_restriction": "2026-13-01"},
     "end_date_service_restriction", "real"),
    ("no source type", {"source_type": DROP}, "source_type", "required"),
    ("unknown source type", {"source_type": "SOURCE_USER"}, "source_type", "not one of"),
    ("source identity too long", {"source_identity": "x" * 501}, "source_identity", "at most 500"),
    ("detection not Yes or No", {"automated_detection": "yes"}, "automated_detection", "not one"),
    ("no automated decision", {"automated_decision": DROP}, "automated_decision", "required"),
    ("v1 automated decision", {"automated_decision": "No"}, "automated_decision", "not one of"),
    ("no puid", {"puid": DROP}, "puid", "required"),
    ("puid with spaces", {"puid": "case 123"}, "puid", "letters"),
    ("puid too long", {"puid": "x" * 501}, "puid", "at most 500"),
    ("EAN-13 too short", {"content_id": {"EAN-13": "123"}}, "content_id", "13 digits"),
    ("EAN-13 as a number", {"content_id": {"EAN-13": 1234567890123}}, "content_id", "13 digits"),
    ("unknown content id key", {"content_id": {"ISBN": "123"}}, "content_id", "only 'EAN-13'"),
    ("content id not an object", {"content_id": "0123456789123"}, "content_id", "object"),
    ("unknown field", {"url": "https://example.com/p/1"}, "url", "not a field"),
    ("number for text", {"decision_facts": 12}, "decision_facts", "must be a string"),
    ("string for a list", {"content_type": "CONTENT_TYPE_TEXT"}, "content_type", "list of"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_each_broken_rule_names_its_field(changes: dict[str, Any], field: str, words: str) -> None:
    statement = valid()
    for name, value in changes.items():
        if value is DROP:
            statement.pop(name, None)
        else:
            statement[name] = value
    problems = validate_statement(statement)
    named = [p for p in problems if p.field == field]
    assert named, f"no problem names {field}: {problems}"
    assert any(words in p.rule for p in named), named


def test_a_valid_statement_with_every_optional_field_has_no_problem() -> None:
    statement = valid() | {
        "decision_visibility": [
            "DECISION_VISIBILITY_OTHER",
            "DECISION_VISIBILITY_CONTENT_LABELLED",
        ],
        "decision_visibility_other": "Reply threads closed",
        "decision_monetary": "DECISION_MONETARY_OTHER",
        "decision_monetary_other": "Tips withheld",
        "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "account_type": "ACCOUNT_TYPE_BUSINESS",
        "incompatible_content_illegal": "Yes",
        "decision_ground_reference_url": "https://example.com/terms#hate",
        "content_type": ["CONTENT_TYPE_PRODUCT", "CONTENT_TYPE_OTHER"],
        "content_type_other": "Live stream",
        "category_addition": ["STATEMENT_CATEGORY_VIOLENCE"],
        "category_specification": ["KEYWORD_HATE_SPEECH", "KEYWORD_OTHER"],
        "category_specification_other": "Slur in a username",
        "territorial_scope": ["GR", "IS", "LI", "NO"],
        "content_language": "GA",
        "content_date": "2000-01-01",
        "application_date": "2038-01-01",
        "end_date_account_restriction": "2038-01-01",
        "source_identity": "Example Trusted Flagger",
        "content_id": {"EAN-13": "0123456789123"},
        "puid": "  wf-CASE_000123-42  ",  # trimmed before the checks, as the API does
    }
    assert validate_statement(statement) == []


def test_fields_of_the_other_ground_are_ignored_as_the_api_ignores_them() -> None:
    statement = valid() | ILLEGAL
    statement.pop("incompatible_content_ground")
    statement["incompatible_content_illegal"] = None
    assert validate_statement(statement) == []


# ---- batches ---------------------------------------------------------------------------------


def test_a_batch_of_valid_statements_has_no_problem() -> None:
    batch = [valid() | {"puid": f"wf-{i}"} for i in range(100)]
    assert validate_batch(batch) == {}


@pytest.mark.parametrize("size", [0, 101])
def test_a_batch_holds_one_to_a_hundred_statements(size: int) -> None:
    errors = validate_batch([valid() | {"puid": f"wf-{i}"} for i in range(size)])
    assert "1 to 100" in errors["statements"][0].rule


def test_batch_problems_are_keyed_by_position_like_the_api() -> None:
    batch = [valid(), valid(), valid() | {"puid": "wf-2", "category": "FRAUD"}]
    errors = validate_batch(batch)
    assert set(errors) == {"statement_1", "statement_2"}
    assert [str(p) for p in errors["statement_1"]] == [
        "puid: repeats the puid of statement_0 in this batch"
    ]
    assert errors["statement_2"][0].field == "category"


# ---- what the user reads ---------------------------------------------------------------------


def test_the_user_is_told_what_why_how_and_how_to_object(mapping: TransparencyConfig) -> None:
    made = decision(actions=("remove_content", "suspend_account"),
                    end_dates={"suspend_account": date(2026, 4, 1)})  # fmt: skip
    text = user_statement(made, build_statement(made, mapping), redress=mapping.redress)
    assert "We removed your content." in text
    assert "We suspended your account until 2026-04-01." in text
    assert "whole European Economic Area" in text
    assert "breaks our terms: Community guidelines, Hate" in text
    assert made.facts in text
    assert "after someone sent us a notice" in text
    assert "The decision was taken by a person." in text
    assert "within 6 months" in text and "DSA Art. 20" in text
    assert mapping.redress.complaint_url in text
    assert "out-of-court dispute settlement" in text and "DSA Art. 21" in text
    assert "courts of your country" in text


def test_an_automated_illegal_content_decision_says_so(mapping: TransparencyConfig) -> None:
    made = replace(CSEM, automated_decision="fully")
    text = user_statement(made, build_statement(made, mapping))
    assert "illegal under: Directive 2011/93/EU" in text
    assert "We closed your account." in text
    assert "detected by automated means" in text
    assert "taken by automated means, without a person" in text
    assert "on our own initiative" in text
