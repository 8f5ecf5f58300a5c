"""config/transparency.yaml: complete for the taxonomy, and its mistakes named by file, line
and field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from watchfloor.cases.schemas import ActionKind
from watchfloor.compliance.statements.config import (
    TransparencyConfig,
    load_transparency_config,
)
from watchfloor.compliance.statements.vocabulary import CATEGORIES
from watchfloor.errors import ConfigError
from watchfloor.triage.taxonomy import Taxonomy, load_taxonomy

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
TEXT = (CONFIG_DIR / "transparency.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(CONFIG_DIR)


@pytest.fixture(scope="module")
def mapping(taxonomy: Taxonomy) -> TransparencyConfig:
    return load_transparency_config(CONFIG_DIR / "transparency.yaml", taxonomy)


def test_every_harm_area_of_the_taxonomy_is_mapped(
    mapping: TransparencyConfig, taxonomy: Taxonomy
) -> None:
    assert sorted(mapping.harm_areas) == sorted(taxonomy.area_ids)
    for area in taxonomy.harm_areas:
        for policy in area.policies:
            rule = mapping.ground_for(area.id, policy.id)
            assert rule.category in CATEGORIES
            assert rule.legal_ground if rule.ground == "illegal" else rule.terms_ground


def test_every_action_kind_is_either_a_restriction_or_not(mapping: TransparencyConfig) -> None:
    kinds = set(mapping.actions.no_statement) | set(mapping.actions.restrictions)
    assert kinds == set(get_args(ActionKind))
    assert set(mapping.actions.no_statement) == {
        "no_action", "notify_reporter", "preserve_data", "refer_to_law_enforcement",
        "report_to_ncmec",
    }  # fmt: skip


def test_sources_map_to_the_databases_source_types(mapping: TransparencyConfig) -> None:
    sources = mapping.sources
    assert sources.source_type("email", "trusted_flagger") == "SOURCE_TRUSTED_FLAGGER"
    assert sources.source_type("in_app", "user") == "SOURCE_ARTICLE_16"
    assert sources.source_type("detector:pdq", None) == "SOURCE_VOLUNTARY"
    assert sources.source_type("stream", None) == "SOURCE_VOLUNTARY"


def test_the_endpoint_settings_respect_the_batch_limit(mapping: TransparencyConfig) -> None:
    assert 1 <= mapping.database.batch_size <= 100
    assert mapping.database.base_url.startswith("https://")


def load_changed(tmp_path: Path, old: str, new: str, taxonomy: Taxonomy | None = None) -> str:
    """Load a copy of the file with one change; the error message it gives."""
    assert old in TEXT, old
    path = tmp_path / "transparency.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_transparency_config(path, taxonomy)
    return str(caught.value)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("category: STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
         "category: STATEMENT_CATEGORY_HATE", "harm_areas.hate.category", "unknown category"),
        ("keywords: [KEYWORD_PHISHING]", "keywords: [KEYWORD_FISHING]",
         "harm_areas.fraud_scams.policies.FR-PHISHING.keywords.0", "unknown category_specification"),
        ("    suspend_account:\n", "    suspend_acount:\n", "actions.restrictions.suspend_acount.[key]",
         "Input should be"),
        ("decision_account: DECISION_ACCOUNT_TERMINATED", "decision_account: TERMINATED",
         "actions.restrictions.ban_account.decision_account", "unknown decision_account"),
        ("batch_size: 100", "batch_size: 500", "database.batch_size", "less than or equal to 100"),
        ("MT, NL, \"NO\", PL", "MT, NL, NO, PL", "platform.default_territorial_scope.23",
         'write "NO" in quotes'),
        ("puid_prefix: wf", "puid_prefix: wf/eu", "platform.puid_prefix", "may hold"),
        ("in_app: SOURCE_ARTICLE_16", "in_app: SOURCE_NOTICE", "sources.by_source.in_app",
         "unknown source_type"),
        ("complaint_window_months: 6", "complaint_window_months: 3",
         "redress.complaint_window_months", "greater than or equal to 6"),
    ],
)  # fmt: skip
def test_a_wrong_value_is_named_by_file_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    message = load_changed(tmp_path, old, new)
    changed = TEXT.replace(old, new, 1)
    match = re.search(rf"transparency\.yaml:(\d+): {re.escape(field)}: (.*)", message)
    assert match, message
    assert words in match.group(2), message
    assert int(match.group(1)) == line_of(changed, new.strip().split(":")[0]) or (
        int(match.group(1)) == line_of(changed, new.strip())
    ), message


def test_an_illegal_ground_without_its_law_is_refused(tmp_path: Path) -> None:
    message = load_changed(
        tmp_path,
        "        legal_ground: Directive 2011/93/EU Art. 6 (solicitation of children for sexual "
        "purposes), as transposed in national law\n",
        "",
    )
    assert "harm_areas.child_safety" in message
    assert "policy CS-GROOMING: an illegal-content ground needs legal_ground" in message


def test_an_action_kind_left_out_is_named(tmp_path: Path) -> None:
    message = load_changed(tmp_path, " report_to_ncmec]", "]")
    assert "actions:" in message and "report_to_ncmec are not mapped" in message


def test_a_harm_area_left_out_is_named(tmp_path: Path, taxonomy: Taxonomy) -> None:
    start = TEXT.index("  regulated_goods:\n")
    end = TEXT.index("  unclassified:\n")
    message = load_changed(tmp_path, TEXT[start:end], "", taxonomy)
    assert "harm_areas: " in message and "harm area 'regulated_goods' is not mapped" in message


def test_a_policy_of_another_harm_area_is_named(tmp_path: Path, taxonomy: Taxonomy) -> None:
    message = load_changed(tmp_path, "      SH-EATING:", "      FR-PRIZE:", taxonomy)
    assert "self_harm.policies: 'FR-PRIZE' is not a policy of it" in message
