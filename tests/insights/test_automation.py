"""Automation opportunities: the pure rule on generated outcomes, and the API over real
decisions on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.quality.test_quality_api import PHISHING, decide
from watchfloor.cases.decided import Outcome
from watchfloor.clock import SettableClock
from watchfloor.insights.automation import opportunities


def outcome(
    suggested: str,
    policy: str,
    actions: tuple[str, ...] = ("remove_content",),
    minutes: float = 4.0,
) -> Outcome:
    return Outcome(suggested, policy, True, actions, minutes * 60)


def test_a_policy_decided_the_same_way_nearly_always_is_an_opportunity() -> None:
    data = [outcome("FR-PHISHING", "FR-PHISHING") for _ in range(198)]
    data += [
        outcome("FR-PHISHING", "SP-SPAM"),
        outcome("FR-PHISHING", "FR-PHISHING", ("suspend_account",)),
    ]
    data += [outcome("HS-SLUR", "HS-SLUR") for _ in range(60)] + [
        outcome("HS-SLUR", "HA-BULLY") for _ in range(40)
    ]
    data += [outcome("SP-SPAM", "SP-SPAM") for _ in range(20)]  # too few to say
    found = opportunities(data)
    assert [o.suggested_policy for o in found] == ["FR-PHISHING"]
    best = found[0]
    assert best.decisions == 200 and best.wrong_would_be == 2
    assert best.outcome == "FR-PHISHING, violation: remove_content"
    assert best.same.value == 0.99 and best.same.low is not None and 0.96 < best.same.low < 0.99
    assert best.median_handling_minutes == 4.0 and best.hours_saved == 200 * 4 / 60
    assert best.error_risk == 1 - best.same.low  # the worst rate the data allows, not 1 %


def test_the_api_reads_real_decisions(
    client: TestClient, make_user: Callable[..., Person], clock: SettableClock
) -> None:
    people = {"intake": make_user("intake"), "ana": make_user("analyst", "ana")}
    for n in range(1, 7):
        decide(client, people, "ana", n, PHISHING)
    lead = make_user("lead")
    clock.advance(timedelta(minutes=1))
    r = client.get("/api/v1/insights/automation", params={"min_decisions": 5}, headers=lead.headers)
    assert r.status_code == 200, r.text
    [row] = r.json()
    assert row["suggested_policy"] == "FR-PHISHING" and row["decisions"] == 6
    assert row["outcome"] == "FR-PHISHING, violation: remove_content"
    assert row["same"]["small"] is True and "too few" in row["same"]["text"]
    assert (
        client.get("/api/v1/insights/automation", headers=people["ana"].headers).status_code == 403
    )
    bad = client.get(
        "/api/v1/insights/automation", params={"from": "2026-01-01T00:00:00"}, headers=lead.headers
    )
    assert bad.status_code == 422 and "UTC offset" in bad.text
