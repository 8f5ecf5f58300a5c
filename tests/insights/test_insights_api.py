"""Spikes and emerging clusters over reports received through the API, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor.clock import SettableClock
from watchfloor.insights.clusters import Cluster
from watchfloor.insights.schemas import ClusterOut

SPAM = "This account keeps posting spam links to a fake giveaway."
LURE = (
    "got a text saying my ParcelPoint parcel is held at the depot, pay the {fee} redelivery fee "
    "within 24 hours at https://parcelpoint-redeliver.test/pay to book a new slot or it goes back"
)


def send(client: TestClient, intake: Person, n: int, **overrides: object) -> dict[str, object]:
    r = client.post("/api/v1/reports", json=report(n, **overrides), headers=intake.headers)
    assert r.status_code == 201, r.text
    answer: dict[str, object] = r.json()
    return answer


def test_a_jump_over_the_same_hour_of_earlier_weeks_is_a_spike(
    client: TestClient, make_user: Callable[..., Person], clock: SettableClock
) -> None:
    # Three quiet weeks: 2 reports in the same hour of the week, then 16 in that hour.
    start = clock.now().replace(minute=0, second=0) - timedelta(weeks=3)
    clock.set(start)
    intake, lead = make_user("intake"), make_user("lead")
    n = 0
    area = ""
    for week in range(3):
        for minute in (10, 40):
            n += 1
            clock.set(start + timedelta(weeks=week, minutes=minute))
            area = str(send(client, intake, n, text=SPAM)["harm_area"])
    for minute in range(16):
        n += 1
        clock.set(start + timedelta(weeks=3, minutes=2 + minute * 3))
        send(client, intake, n, text=SPAM)
    clock.set(start + timedelta(weeks=3, hours=1, minutes=5))

    r = client.get("/api/v1/insights/spikes", headers=lead.headers)
    assert r.status_code == 200, r.text
    hourly = {s["key"]: s for s in r.json() if s["check"] == "hour"}
    assert set(hourly) == {area, "source in_app"}
    spike = hourly[area]
    assert spike["observed"] == 16 and spike["expected"] == 2
    assert spike["low"] <= 2 <= spike["high"] < 16 and spike["direction"] == "above"
    assert spike["start"].startswith((start + timedelta(weeks=3)).strftime("%Y-%m-%dT%H:00"))
    assert f"{area}: 16 reports" in spike["reason"] and "expected" in spike["reason"]

    # The same hour a week earlier was as usual: nothing to flag then.
    week_before = (start + timedelta(weeks=2, hours=1, minutes=5)).isoformat()
    r = client.get("/api/v1/insights/spikes", params={"at": week_before}, headers=lead.headers)
    assert r.status_code == 200 and r.json() == []


def test_a_campaign_sharing_a_link_is_an_emerging_cluster(
    client: TestClient, make_user: Callable[..., Person], clock: SettableClock
) -> None:
    intake, lead = make_user("intake"), make_user("lead")
    begin = clock.now()
    for n in range(1, 4):  # unrelated reports the day before
        clock.set(begin + timedelta(hours=n))
        send(client, intake, n)
    cases = set()
    for i in range(7):
        clock.set(begin + timedelta(hours=30, minutes=20 * i))
        answer = send(
            client,
            intake,
            100 + i,
            text=LURE.format(fee=f"${2 + i}.99"),
            subject={"kind": "account", "id": f"sender-{i}"},
        )
        cases.add(answer["case"])
    clock.advance(timedelta(minutes=10))

    r = client.get("/api/v1/insights/clusters", headers=lead.headers)
    assert r.status_code == 200, r.text
    [cluster] = r.json()
    assert cluster["size"] == 7 and cluster["recent"] == 7 and cluster["growth"] > 4
    assert cluster["example_cases"] and set(cluster["example_cases"]) <= cases
    assert len(cluster["example_cases"]) <= 5
    assert "depot" in cluster["top_terms"] and not cluster["terms_withheld"]
    assert "7 similar reports" in cluster["reason"]
    assert LURE[:40] not in r.text  # the report text itself is never sent

    # Before the campaign there was nothing emerging.
    before = (begin + timedelta(hours=29)).isoformat()
    r = client.get("/api/v1/insights/clusters", params={"at": before}, headers=lead.headers)
    assert r.status_code == 200 and r.json() == []


def test_a_cluster_in_a_withheld_area_shows_no_words() -> None:
    at = datetime(2026, 3, 4, 12, tzinfo=UTC)
    cluster = Cluster(
        id=1,
        size=6,
        recent=6,
        growth=40.0,
        first_seen=at,
        last_seen=at,
        top_terms=("gore", "video"),
        example_cases=("CASE-000001",),
        subjects=(("url:https://x.test/v", 6),),
        harm_areas=(("violent_extremism", 6),),
        report_ids=(1, 2, 3, 4, 5, 6),
        reason="6 similar reports in 48 h, 6 in the last 6 h (40.0x its earlier rate); "
        "about: gore, video; shared: url:https://x.test/v",
    )
    shown = ClusterOut.of(cluster, withheld=frozenset({"violent_extremism"}))
    assert shown.top_terms == [] and shown.terms_withheld
    assert "gore" not in shown.reason and "shared: url:https://x.test/v" in shown.reason
    assert ClusterOut.of(cluster, withheld=frozenset()).top_terms == ["gore", "video"]


def test_insights_need_the_right_and_an_instant_with_an_offset(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    analyst, lead = make_user("analyst"), make_user("lead")
    for path in ("/api/v1/insights/spikes", "/api/v1/insights/clusters"):
        r = client.get(path, headers=analyst.headers)
        assert r.status_code == 403 and "insights:read" in r.text
        r = client.get(path, params={"at": "2026-03-01T09:00:00"}, headers=lead.headers)
        assert r.status_code == 422 and "UTC offset" in r.text
        r = client.get(path, params={"at": "yesterday"}, headers=lead.headers)
        assert r.status_code == 422
        r = client.get(path, headers=lead.headers)
        assert r.status_code == 200 and r.json() == []


NEW_LINK = "this account sent me https://{site}.test/claim saying I won a phone, scam"


def two_senders(
    client: TestClient, intake: Person, clock: SettableClock, *, at: datetime, site: str, n: int
) -> None:
    """Two accounts send the same link 40 minutes apart from ``at``; the clock ends 10 min on."""
    for i in range(2):
        clock.set(at + timedelta(minutes=40 * i))
        send(client, intake, n + i, text=NEW_LINK.format(site=site),
             subject={"kind": "account", "id": f"{site}-sender-{i}"})  # fmt: skip
    clock.advance(timedelta(minutes=10))


def test_a_link_two_accounts_send_that_nobody_named_before_is_a_cluster(
    client: TestClient, make_user: Callable[..., Person], clock: SettableClock
) -> None:
    intake, lead = make_user("intake"), make_user("lead")
    begin = clock.now()
    send(client, intake, 1)  # the platform's first report, long before
    two_senders(client, intake, clock, at=begin + timedelta(days=20), site="lumen-prize", n=10)

    r = client.get("/api/v1/insights/clusters", headers=lead.headers)
    assert r.status_code == 200, r.text
    [cluster] = r.json()
    assert cluster["size"] == 2 and cluster["recent"] == 2
    assert "never seen before: domain:lumen-prize.test" in cluster["reason"]


def test_a_link_named_before_the_window_is_not_new(
    client: TestClient, make_user: Callable[..., Person], clock: SettableClock
) -> None:
    intake, lead = make_user("intake"), make_user("lead")
    begin = clock.now()
    # Ten days before, somebody named the same site in a report of their own (another page).
    send(client, intake, 1, text="is https://LUMEN-PRIZE.test/about legit? they want my card")
    two_senders(client, intake, clock, at=begin + timedelta(days=10), site="lumen-prize", n=10)
    r = client.get("/api/v1/insights/clusters", headers=lead.headers)
    assert r.status_code == 200 and r.json() == []

    # Held as a subject's identifier counts as named before too.
    clock.set(begin + timedelta(days=30))
    send(client, intake, 20, subject={"kind": "account", "id": "old-holder",
         "identifiers": [{"kind": "domain", "value": "lumen-offer.test"}]})  # fmt: skip
    two_senders(client, intake, clock, at=begin + timedelta(days=40), site="lumen-offer", n=30)
    r = client.get("/api/v1/insights/clusters", headers=lead.headers)
    assert r.status_code == 200 and r.json() == []
