"""Emerging clusters: a campaign's similar reports with shared links are one fast-growing cluster."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from watchfloor.insights.clusters import (
    ClusterSettings,
    ReportRecord,
    emerging_clusters,
)
from watchfloor.insights.evidence import identifiers, text_needle

NOW = datetime(2025, 3, 4, 12, tzinfo=UTC)
LURE = (
    "got this message: your ParcelPoint parcel could not be delivered, pay the {fee} redelivery "
    "fee within 24 hours at {url} to book a new slot"
)
VOCABULARY = (  # noqa: SIM905 - a word list reads as prose
    "account post comment video photo group friend message profile review seller buyer order "
    "refund login page channel stream follower ticket sticker music garden recipe weather train "
    "holiday football kitten guitar painting bicycle museum coffee library mountain river"
).split()


def background(count: int, seed: int = 1) -> list[ReportRecord]:
    """Unrelated reports spread over the last two days, each about its own subject."""
    rng = random.Random(seed)
    return [
        ReportRecord(
            id=10_000 + i,
            at=NOW - timedelta(minutes=rng.randrange(1, 48 * 60)),
            text=" ".join(rng.choice(VOCABULARY) for _ in range(14)),
            subjects=(f"account:acct_bg{i}",),
            harm_area="harassment",
            case_key=f"CASE-{10_000 + i}",
        )
        for i in range(count)
    ]


def campaign(count: int) -> list[ReportRecord]:
    """``count`` reports of one lure over the last 5 hours: fees vary, two links, five cases."""
    return [
        ReportRecord(
            id=i + 1,
            at=NOW - timedelta(minutes=300 - i * 10),
            text=LURE.format(
                fee=f"${2 + i % 7}.{i % 10}9",
                url="https://parcelpoint-track.test/" + ("pay" if i % 2 else "fee"),
            ),
            # Every third reporter's subject names the sender account the link came from.
            subjects=("domain:parcelpoint-track.test",) if i % 3 else (f"account:acct_s{i}",),
            harm_area="fraud_scams",
            case_key=f"CASE-{i % 5 + 1:06d}",
        )
        for i in range(count)
    ]


def test_a_campaign_with_shared_links_is_one_emerging_cluster() -> None:
    found = emerging_clusters(campaign(30) + background(400), now=NOW)

    assert len(found) == 1
    cluster = found[0]
    assert cluster.id == 1
    assert sorted(cluster.report_ids) == list(range(1, 31))
    assert (cluster.size, cluster.recent) == (30, 30)
    # 30 reports in 6 h against none in the 42 h before: (30 / 6) / (1 / 42).
    assert cluster.growth == pytest.approx(210.0)
    # Every top term is the lure's own (all equally distinctive here), none a stop word.
    assert len(cluster.top_terms) == 8
    assert set(cluster.top_terms) <= set(LURE.replace(",", "").split()) | {"parcelpoint"}
    assert not {"the", "your", "https", "got", "this"} & set(cluster.top_terms)
    assert cluster.example_cases == tuple(f"CASE-{n:06d}" for n in (1, 2, 3, 4, 5))
    assert cluster.subjects[0] == ("domain:parcelpoint-track.test", 20)
    assert cluster.harm_areas == (("fraud_scams", 30),)
    assert cluster.first_seen == NOW - timedelta(minutes=300)
    assert "30 similar reports" in cluster.reason


def test_a_paraphrase_sharing_the_link_joins_the_campaign() -> None:
    paraphrase = ReportRecord(
        id=99,
        at=NOW - timedelta(minutes=5),
        text="scam!! link parcelpoint-track",
        subjects=("domain:parcelpoint-track.test",),
    )

    (cluster,) = emerging_clusters([*campaign(30), paraphrase, *background(200)], now=NOW)

    assert 99 in cluster.report_ids and cluster.size == 31


def test_unrelated_reports_are_not_clustered() -> None:
    assert emerging_clusters(background(1000), now=NOW) == []


def test_a_steady_family_of_similar_reports_is_not_emerging() -> None:
    # The same complaint every hour for two days: similar, but not growing.
    steady = [
        ReportRecord(
            id=i + 1,
            at=NOW - timedelta(minutes=30 + 60 * i),
            text=f"this account keeps posting the same spam link under every post number {i}",
        )
        for i in range(47)
    ]

    assert emerging_clusters(steady + background(200), now=NOW) == []


def test_a_small_campaign_waits_until_it_is_big_enough() -> None:
    settings = ClusterSettings(min_recent=8)

    assert emerging_clusters(campaign(7), now=NOW, settings=settings) == []
    assert len(emerging_clusters(campaign(8), now=NOW, settings=settings)) == 1


def template_family(count: int) -> list[ReportRecord]:
    """``count`` reports in the last 5 hours worded alike by a form's template, each about its
    own account, with no link or phone in common: a common complaint, not a campaign."""
    return [
        ReportRecord(
            id=i + 1,
            at=NOW - timedelta(minutes=300 - i * 10),
            text=f"my ex is stalking me through fake accounts, @user_{i:03d} is the newest one",
            subjects=(f"account:acct_t{i}",),
            harm_area="harassment",
        )
        for i in range(count)
    ]


def test_similar_wording_about_unrelated_subjects_is_not_a_campaign() -> None:
    assert emerging_clusters(template_family(30) + background(300), now=NOW) == []


def test_a_link_quoted_in_the_text_is_shared_evidence_without_subjects() -> None:
    quoted = [replace(r, subjects=(f"account:acct_r{r.id}",)) for r in campaign(12)]

    (cluster,) = emerging_clusters(quoted + background(300), now=NOW)

    assert cluster.size == 12


def test_a_standing_ring_shared_mostly_outside_the_group_is_no_evidence() -> None:
    ring = "payment_fingerprint:pf_ring"
    family = [replace(r, subjects=(*r.subjects, ring)) for r in template_family(30)]
    # The ring's fingerprint turns up all over the window, not only in the new group.
    rest = [replace(r, subjects=(*r.subjects, ring)) for r in background(300)]

    assert emerging_clusters(family + rest, now=NOW) == []
    # Were the fingerprint the group's own, it would be the campaign's infrastructure.
    assert len(emerging_clusters(family + background(300), now=NOW)) == 1


def test_two_campaigns_quoting_one_lure_from_their_own_infrastructure_stay_two() -> None:
    first = campaign(12)
    second = [
        replace(
            r,
            id=r.id + 500,
            text=r.text.replace("parcelpoint-track.test", "parcel-redo.test"),
            # Its own links and its own sender accounts.
            subjects=tuple(
                s.replace("parcelpoint-track.test", "parcel-redo.test").replace("acct_s", "acct_r")
                for s in r.subjects
            ),
        )
        for r in campaign(12)
    ]
    found = emerging_clusters(first + second + background(300), now=NOW)
    assert len(found) == 2
    assert {frozenset(c.report_ids) for c in found} == {
        frozenset(r.id for r in first),
        frozenset(r.id for r in second),
    }


def new_link(count: int, *, link: str = "https://lumen-bonus.test/claim") -> list[ReportRecord]:
    """``count`` reports in the last two hours, from different accounts, naming one link."""
    return [
        ReportRecord(
            id=900 + i,
            at=NOW - timedelta(minutes=110 - 30 * i),
            text=f"this account sent me {link} saying I won a prize, scam",
            subjects=(f"account:acct_n{i}",),
            harm_area="fraud_scams",
            case_key=f"CASE-{900 + i}",
        )
        for i in range(count)
    ]


def test_a_link_nobody_named_before_is_an_alarm_from_its_second_sender() -> None:
    asked: list[set[str]] = []

    def nothing_seen(candidates: set[str]) -> set[str]:
        asked.append(candidates)
        return set()

    records = new_link(2) + background(300)
    [found] = emerging_clusters(records, now=NOW, known=nothing_seen)
    assert set(found.report_ids) == {900, 901} and found.recent == 2
    assert "never seen before: domain:lumen-bonus.test" in found.reason
    # Only what both senders share was asked about, not every report's identifiers.
    assert asked and all("domain:lumen-bonus.test" in c for c in asked)
    assert all(not any(i.startswith("account:") for i in c) for c in asked)

    # Without a history to ask, or with the link named before the window, two are not enough.
    assert emerging_clusters(records, now=NOW) == []
    assert emerging_clusters(records, now=NOW, known=lambda c: set(c)) == []
    # Nor are two reports about one subject: the same account reported twice is not a campaign.
    same = [replace(r, subjects=("account:acct_n0",)) for r in new_link(2)]
    assert emerging_clusters(same + background(300), now=NOW, known=nothing_seen) == []


def test_a_domain_in_a_text_and_a_subject_domain_are_one_identifier() -> None:
    held = identifiers("pay at https://Parcel-Redo.test/pay now", ("domain:parcel-redo.test",))
    assert held == {"domain:parcel-redo.test", "link:parcel-redo.test/pay"}


@pytest.mark.parametrize(
    ("identifier", "needle"),
    [
        ("link:parcel-redo.test/pay", "parcel-redo.test/pay"),
        ("domain:parcel-redo.test", "parcel-redo.test"),
        ("phone:+442079460123", "0123"),
        ("phone:+12", None),
        ("account:acct_1", None),
        ("payment_fingerprint:pf_1", None),
    ],
)
def test_what_text_finds_an_identifier_named_before(identifier: str, needle: str | None) -> None:
    assert text_needle(identifier) == needle
