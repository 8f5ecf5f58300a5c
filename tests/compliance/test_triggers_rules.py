"""Which starting events a case event means (compliance/triggers/rules.py), without a database,
and what those events attract under the shipped config/obligations.yaml."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from watchfloor.compliance.clocks.obligations import ObligationsConfig, load_obligations
from watchfloor.compliance.triggers.rules import (
    Arrival,
    DecisionMade,
    Start,
    decision_starts,
    report_starts,
    request_type_of,
)

CONFIG = Path(__file__).resolve().parents[2] / "config"
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
RESTRICTING = frozenset({"remove_content", "suspend_account", "warn_user"})
ARRIVAL = Arrival(1, 10, "in_app", "user", AT, None)
DECISION = DecisionMade(
    decision_id=7,
    case_id=10,
    decided_at=AT,
    harm_area="harassment",
    policy_id="HR-TARGETED",
    violation=True,
    rationale="Repeated insults aimed at one person.",
    actions=("remove_content",),
    reporter_kind="user",
    request_type=None,
)


@pytest.fixture(scope="module")
def config() -> ObligationsConfig:
    return load_obligations(CONFIG)


def attracted(config: ObligationsConfig, starts: list[Start]) -> set[str]:
    return {o.id for s in starts for o in config.attracted(s.event, s.at, s.facts)}


def test_a_users_report_is_not_a_notice_but_a_trusted_flaggers_is() -> None:
    assert report_starts(ARRIVAL, harm_area="harassment", policy=None) == []
    [start] = report_starts(
        replace(ARRIVAL, reporter_kind="trusted_flagger"), harm_area="hate", policy=None
    )
    assert start.event == "notice_received" and start.facts.request_type == "dsa_notice"
    assert report_starts(replace(ARRIVAL, source="dsa_notice:form"), harm_area=None, policy=None)
    assert report_starts(replace(ARRIVAL, request_type="dsa_notice"), harm_area=None, policy=None)


def test_a_decision_on_a_notice_owes_the_notifier_the_decision(config: ObligationsConfig) -> None:
    notice = replace(DECISION, request_type=request_type_of(replace(ARRIVAL, source="dsa_notice")))
    assert "dsa_16_notify_decision" in attracted(
        config, decision_starts(notice, restricting=RESTRICTING)
    )
    assert "dsa_16_notify_decision" not in attracted(
        config, decision_starts(DECISION, restricting=RESTRICTING)
    )


def test_golden_copies_start_nothing() -> None:
    golden = replace(ARRIVAL, reporter_kind="trusted_flagger", golden=True)
    assert report_starts(golden, harm_area=None, policy=None) == []
    assert decision_starts(replace(DECISION, golden=True), restricting=RESTRICTING) == []


def test_a_trusted_flaggers_notice_replaces_the_ordinary_decision_target(
    config: ObligationsConfig,
) -> None:
    tf = report_starts(
        replace(ARRIVAL, reporter_kind="trusted_flagger"), harm_area=None, policy=None
    )
    assert attracted(config, tf) == {"dsa_16_acknowledge", "dsa_22_trusted_flagger_decide"}
    plain = report_starts(replace(ARRIVAL, request_type="dsa_notice"), harm_area=None, policy=None)
    assert attracted(config, plain) == {"dsa_16_acknowledge", "dsa_16_decide"}


def test_a_restriction_starts_the_statement_and_the_appeal_window(
    config: ObligationsConfig,
) -> None:
    events = {s.event for s in decision_starts(DECISION, restricting=RESTRICTING)}
    assert events == {"decision_made", "restriction_applied", "decision_notified"}
    assert attracted(config, decision_starts(DECISION, restricting=RESTRICTING)) == {
        "dsa_17_statement_of_reasons",
        "dsa_24_5_transparency_database",
        "dsa_20_appeal_window",
    }
    none = replace(DECISION, violation=False, actions=("no_action",))
    assert {s.event for s in decision_starts(none, restricting=RESTRICTING)} == {"decision_made"}


def test_ncmec_and_threat_rules(config: ObligationsConfig) -> None:
    ncmec = replace(DECISION, harm_area="fraud_scams", actions=("report_to_ncmec",))
    assert "us_2258a_report" in attracted(config, decision_starts(ncmec, restricting=RESTRICTING))
    cs = replace(DECISION, harm_area="child_safety", actions=("ban_account",))
    assert "us_2258a_report" in attracted(config, decision_starts(cs, restricting=RESTRICTING))
    refer = replace(DECISION, actions=("refer_to_law_enforcement",))
    events = {s.event for s in decision_starts(refer, restricting=RESTRICTING)}
    assert "threat_to_life_suspected" not in events  # harassment, and no threat named
    said = replace(refer, rationale="A credible threat to life: he named the place and time.")
    in_area = replace(refer, harm_area="self_harm")
    for decision in (said, in_area):
        starts = decision_starts(decision, restricting=RESTRICTING)
        assert "dsa_18_threat_to_life" in attracted(config, starts)


def test_an_ncii_request_before_the_act_applied_starts_nothing(config: ObligationsConfig) -> None:
    ncii = replace(ARRIVAL, request_type="ncii_removal")
    [start] = report_starts(ncii, harm_area="sexual_content", policy=None)
    assert attracted(config, [start]) == {"us_take_it_down_removal"}
    early = replace(ncii, received_at=datetime(2026, 5, 18, 23, 0, tzinfo=UTC))
    assert attracted(config, report_starts(early, harm_area=None, policy=None)) == set()
