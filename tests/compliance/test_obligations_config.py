"""config/obligations.yaml: every obligation loads, attracts the cases it should, and a bad value
is an error naming the file, the line and the field."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from watchfloor.compliance.clocks.obligations import CaseFacts, ObligationsConfig, load_obligations
from watchfloor.errors import ConfigError
from watchfloor.triage.taxonomy import Priority, Taxonomy, load_taxonomy

ROOT_CONFIG = Path(__file__).resolve().parents[2] / "config"
AT = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)

# The obligations issue #24 asks for, by the id the YAML gives each.
REQUIRED = {
    "dsa_16_acknowledge",
    "dsa_16_decide",
    "dsa_16_notify_decision",
    "dsa_22_trusted_flagger_decide",
    "dsa_17_statement_of_reasons",
    "dsa_24_5_transparency_database",
    "dsa_20_appeal_window",
    "dsa_20_decide_appeal",
    "dsa_18_threat_to_life",
    "gdpr_12_3_request",
    "gdpr_33_breach",
    "us_2258a_report",
    "us_2258a_preserve",
    "us_2703f_preservation",
    "us_2702_emergency_disclosure",
    "us_legal_process",
    "us_take_it_down_removal",
    "eu_epoc_production",
    "eu_epoc_emergency",
    "eu_epoc_pr_preservation",
}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(ROOT_CONFIG)


@pytest.fixture(scope="module")
def config(taxonomy: Taxonomy) -> ObligationsConfig:
    return load_obligations(ROOT_CONFIG, taxonomy)


def test_every_required_obligation_loads_with_its_law_and_audience(
    config: ObligationsConfig,
) -> None:
    ids = {o.id for o in config.obligations}
    assert ids >= REQUIRED, sorted(REQUIRED - ids)
    for o in config.obligations:
        assert o.law.url.startswith("https://"), o.id
        assert o.law.citation, o.id
        if o.due.set_by == "internal":
            # A target the law does not set says so, quoting the law's own words.
            assert o.due.law_says, o.id


def test_the_durations_are_the_laws(config: ObligationsConfig) -> None:
    def within(obligation_id: str) -> str:
        return str(config.get(obligation_id).due.within)

    assert within("gdpr_12_3_request") == "1 month"
    assert str(config.get("gdpr_12_3_request").extension.by) == "2 months"  # type: ignore[union-attr]
    assert within("gdpr_33_breach") == "72h"
    assert within("us_take_it_down_removal") == "48h"
    assert within("eu_epoc_production") == "10d"
    assert within("eu_epoc_emergency") == "8h"
    assert within("eu_epoc_pr_preservation") == "60d"
    assert within("us_2703f_preservation") == "90d"
    assert within("us_2258a_preserve") == "12 months"
    assert within("dsa_20_appeal_window") == "6 months"
    assert config.get("us_legal_process").due.set_by == "request"
    for internal in ("dsa_18_threat_to_life", "us_2258a_report", "dsa_24_5_transparency_database"):
        assert config.get(internal).due.set_by == "internal"


def test_life_threatening_duties_make_the_case_p0_and_open_what_follows(
    config: ObligationsConfig,
) -> None:
    for p0 in ("dsa_18_threat_to_life", "us_2258a_report", "us_2702_emergency_disclosure"):
        assert config.get(p0).priority is Priority.P0
    assert [f.action for f in config.get("dsa_18_threat_to_life").follow_ups] == ["open_incident"]
    (preserve,) = config.get("us_2258a_report").follow_ups
    assert (preserve.action, preserve.obligation, preserve.when) == (
        "start_obligation",
        "us_2258a_preserve",
        "met",
    )
    assert [f.action for f in config.get("us_take_it_down_removal").follow_ups] == [
        "remove_hash_matches"
    ]
    emergency = config.get("us_2702_emergency_disclosure")
    assert "good_faith_basis" in emergency.records
    appeal = config.get("dsa_20_decide_appeal")
    assert appeal.decided_by_human and appeal.outcomes == ["upheld", "overturned"]


def test_a_trusted_flaggers_notice_replaces_the_ordinary_decision_target(
    config: ObligationsConfig,
) -> None:
    ordinary = config.attracted("notice_received", AT, CaseFacts(request_type="dsa_notice"))
    assert {o.id for o in ordinary} == {"dsa_16_acknowledge", "dsa_16_decide"}
    flagged = config.attracted(
        "notice_received", AT, CaseFacts(request_type="dsa_notice", reporter="trusted_flagger")
    )
    assert {o.id for o in flagged} == {"dsa_16_acknowledge", "dsa_22_trusted_flagger_decide"}


def test_a_case_attracts_obligations_by_policy_request_type_or_harm_area(
    config: ObligationsConfig,
) -> None:
    by_policy = config.attracted("request_received", AT, CaseFacts(policy="PV-GDPR-ERASURE"))
    by_type = config.attracted("request_received", AT, CaseFacts(request_type="gdpr_access"))
    assert [o.id for o in by_policy] == [o.id for o in by_type] == ["gdpr_12_3_request"]
    assert config.attracted("request_received", AT, CaseFacts(policy="FR-PHISHING")) == []
    csam = config.attracted("csam_apparent", AT, CaseFacts(harm_area="child_safety"))
    assert [o.id for o in csam] == ["us_2258a_report"]
    # A restriction in any harm area owes the statement of reasons and its submission.
    restricted = config.attracted(
        "restriction_applied", AT, CaseFacts(harm_area="spam_manipulation")
    )
    assert {o.id for o in restricted} == {
        "dsa_17_statement_of_reasons",
        "dsa_24_5_transparency_database",
    }


def test_duties_not_yet_in_force_start_no_clock(config: ObligationsConfig) -> None:
    ncii = CaseFacts(request_type="ncii_removal")
    before = datetime(2026, 5, 18, 23, 59, tzinfo=UTC)
    assert config.attracted("ncii_removal_requested", before, ncii) == []
    on_the_day = datetime(2026, 5, 19, 0, 0, tzinfo=UTC)
    assert [o.id for o in config.attracted("ncii_removal_requested", on_the_day, ncii)] == [
        "us_take_it_down_removal"
    ]
    urgent = CaseFacts(request_type="eu_epoc_emergency")
    assert (
        config.attracted("production_order_received", datetime(2026, 8, 1, tzinfo=UTC), urgent)
        == []
    )
    assert [o.id for o in config.attracted("production_order_received", AT, urgent)] == [
        "eu_epoc_emergency"
    ]


def test_an_unknown_starting_event_is_refused_by_name(config: ObligationsConfig) -> None:
    with pytest.raises(ValueError, match="unknown starting event 'notice_arrived'"):
        config.attracted("notice_arrived", AT, CaseFacts())


@pytest.fixture
def bad_config(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    conf.mkdir()
    for name in ("obligations.yaml", "taxonomy.yaml"):
        shutil.copy(ROOT_CONFIG / name, conf / name)
    return conf


# (obligation whose block is edited, text replaced, by, expected "field: message", text on the
# line the error must name)
BAD = [
    (
        "dsa_16_acknowledge",
        "jurisdiction: EU",
        "jurisdiction: FR",
        "obligations.0.jurisdiction: Value error, unknown jurisdiction 'FR'; known: EU, US, UK",
        "jurisdiction: FR",
    ),
    (
        "dsa_16_acknowledge",
        "starts_on: notice_received",
        "starts_on: notice_arrived",
        "obligations.0.starts_on: Value error, unknown starting event 'notice_arrived'",
        "starts_on: notice_arrived",
    ),
    (
        "dsa_16_acknowledge",
        "notify: [notifier]",
        "notify: [the_press]",
        "obligations.0.notify.0: Value error, unknown audience 'the_press'",
        "notify: [the_press]",
    ),
    (
        "gdpr_33_breach",
        "within: 72h",
        "within: -72h",
        "obligations.10.due.within: Value error, '-72h': a duration cannot be negative",
        "within: -72h",
    ),
    (
        "gdpr_33_breach",
        "within: 72h",
        "within: 72",
        "obligations.10.due.within: Value error, 72 is not a duration; write it like 72h",
        "within: 72,",
    ),
    (
        "gdpr_12_3_request",
        "due: {set_by: law, within: 1 month}",
        "due: {set_by: law}",
        "obligations.9.due: Value error, a due time set by law needs `within`",
        "due: {set_by: law}",
    ),
    (
        "gdpr_12_3_request",
        "      notice_within: 1 month\n",
        "",
        "obligations.9.extension.notice_within: Value error, an extension needs `notice_within`",
        "    extension:",
    ),
    (
        "gdpr_12_3_request",
        "reason: awaiting_requester_identity",
        "reason: requester_on_holiday",
        "obligations.9.pauses.0.reason: Value error, unknown pause reason 'requester_on_holiday'",
        "reason: requester_on_holiday",
    ),
    (
        "dsa_18_threat_to_life",
        "priority: P0",
        "priority: P7",
        "obligations.8.priority: Value error, 'P7' is not a priority",
        "priority: P7",
    ),
    (
        "us_2258a_report",
        "harm_areas: [child_safety]",
        "harm_areas: [child_safty]",
        "obligations.11.applies_to.0.harm_areas: Value error, unknown harm area 'child_safty'",
        "harm_areas: [child_safty]",
    ),
    (
        "us_take_it_down_removal",
        "request_types: [ncii_removal]",
        "request_types: [revenge_removal]",
        "obligations.16.applies_to.0.request_types.0: Value error, unknown request type "
        "'revenge_removal'",
        "request_types: [revenge_removal]",
    ),
    (
        "gdpr_33_breach",
        "warn_before: 24h",
        "warn_before: 80h",
        "obligations.10: Value error, warn_before 80h is not shorter than the 72h clock",
        "- id: gdpr_33_breach",
    ),
]


@pytest.mark.parametrize(("block", "replace", "by", "expected", "line_text"), BAD)
def test_a_bad_value_names_the_file_line_and_field(
    bad_config: Path, block: str, replace: str, by: str, expected: str, line_text: str
) -> None:
    path = bad_config / "obligations.yaml"
    text = path.read_text()
    at = text.index(f"- id: {block}\n")
    assert replace in text[at:], replace
    edited = text[:at] + text[at:].replace(replace, by, 1)
    path.write_text(edited)
    rows = edited.splitlines()
    line = next(
        i for i, row in enumerate(rows, 1) if i > edited[:at].count("\n") and line_text in row
    )
    with pytest.raises(ConfigError) as caught:
        load_obligations(bad_config, load_taxonomy(bad_config))
    assert f"{path}:{line}: {expected}" in str(caught.value)


def test_a_replaced_or_started_obligation_must_exist(bad_config: Path) -> None:
    path = bad_config / "obligations.yaml"
    path.write_text(
        path.read_text().replace("replaces: [dsa_16_decide]", "replaces: [dsa_16_decidee]")
    )
    with pytest.raises(ConfigError, match="names unknown obligation\\(s\\) dsa_16_decidee"):
        load_obligations(bad_config)
