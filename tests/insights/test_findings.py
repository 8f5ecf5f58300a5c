"""The weekly report's plain-language findings (pure): what changed, said plainly, and never a
conclusion from a handful of cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from watchfloor.insights.clusters import Cluster
from watchfloor.insights.findings import (
    Targets,
    findings,
    kappa_words,
    poisson_z,
    proportions_z,
    volume_change,
)
from watchfloor.insights.measures import (
    Attainment,
    Backlog,
    Durations,
    MetricFilter,
    Metrics,
    Rate,
)
from watchfloor.insights.spikes import Spike
from watchfloor.quality.agreement import Estimate

START = datetime(2026, 11, 23, tzinfo=UTC)
NO_RATE = Rate(0, 0, None, None)


def metrics(
    *,
    opened: int = 500,
    harm: dict[str, int] | None = None,
    first_action: Durations = Durations(400, 1200, 5400, 9000),
    sla: Attainment = Attainment(380, 20),
    backlog: Backlog | None = None,
    reopened: Rate = NO_RATE,
) -> Metrics:
    return Metrics(
        start=START,
        end=START + timedelta(days=7),
        filter=MetricFilter(),
        fresh_as_of=START + timedelta(days=7),
        opened=opened,
        volume={"harm_area": harm or {}},
        first_action=first_action,
        resolution=Durations(0, None, None, None),
        sla_first_action=sla,
        sla_resolution=Attainment(0, 0),
        backlog=backlog or Backlog(40, Durations(40, 3600, 7200, 9000), {"< 1 h": 40}),
        decisions={},
        violations=NO_RATE,
        actions={},
        reopened=reopened,
        overturned=NO_RATE,
        qa_accuracy=NO_RATE,
    )


def texts(this: Metrics, last: Metrics | None = None, **kw: object) -> list[str]:
    return [f.text for f in findings(this, last, **kw)]  # type: ignore[arg-type]


def test_a_clear_rise_in_a_harm_area_is_said_with_both_counts() -> None:
    said = texts(
        metrics(opened=2000, harm={"fraud_scams": 1204, "spam": 796}),
        metrics(opened=1648, harm={"fraud_scams": 848, "spam": 800}),
    )
    assert "Volume of fraud_scams rose 42 % on last week (1,204 vs 848)." in said
    assert not any("spam" in t for t in said)  # 796 vs 800: no change worth a word
    assert said[0] == "2,000 cases opened, up 21 % on last week (1,648)."


@pytest.mark.parametrize(
    ("now", "before"),
    [(12, 5), (105, 100), (3, 0), (20, 9)],  # too few; within chance; too few; too few
)
def test_no_rise_is_read_into_small_or_chance_differences(now: int, before: int) -> None:
    assert volume_change("x", now, before) is None


def test_a_fall_and_a_new_area() -> None:
    assert volume_change("hate", 40, 100) == "Volume of hate fell 60 % on last week (40 vs 100)"
    assert volume_change("csam", 45, 0) == "Volume of csam: 45, none last week"


def test_a_p90_over_its_target_says_so_and_a_small_sample_says_too_few() -> None:
    slow = Durations(400, 1200, 11400, 20000)
    said = texts(
        metrics(first_action=slow),
        metrics(first_action=Durations(380, 1100, 6600, 9000)),
        targets=Targets(first_action_p90=7200),
    )
    assert "First action p90 was 3 h 10 min (1 h 50 min last week), over the 2 h target." in said
    few = texts(metrics(first_action=Durations(12, 60, 600, 900)))
    assert "First action p90 rests on 12 cases: too few to read." in few


def test_sla_attainment_fall_is_a_fall_only_when_more_than_chance() -> None:
    said = texts(metrics(sla=Attainment(364, 36)), metrics(sla=Attainment(388, 12)))
    assert (
        "First-action SLA attainment fell from 97 % to 91 % (n = 400), under the 95 % target."
        in said
    )
    steady = texts(metrics(sla=Attainment(386, 14)), metrics(sla=Attainment(388, 12)))
    assert "First-action SLA attainment was 96 % (97 % last week) (n = 400)." in steady
    few = texts(metrics(sla=Attainment(10, 5)))
    assert "First-action SLA attainment rests on 15 clocks: too few to read." in few


def test_kappa_is_worded_with_its_sample_and_small_samples_are_named() -> None:
    kappas = [
        ("hate_harassment", Estimate(0.41, 0.2, 0.62, 38)),
        ("fraud_scams", Estimate(0.83, 0.7, 0.9, 120)),
        ("privacy", Estimate(0.1, -0.4, 0.6, 9)),
    ]
    said = texts(metrics(), kappas=kappas)
    i = said.index("Kappa for hate_harassment is 0.41 (n = 38): moderate agreement.")
    assert said[i + 1] == "Kappa for fraud_scams is 0.83 (n = 120): almost perfect agreement."
    assert "Too few QA reviews to read agreement for privacy (n = 9)." in said
    assert [kappa_words(k) for k in (-0.1, 0.2, 0.4, 0.6, 0.8, 0.81)] == [
        "poor agreement",
        "slight agreement",
        "fair agreement",
        "moderate agreement",
        "substantial agreement",
        "almost perfect agreement",
    ]


def cluster(i: int, size: int, area: str, terms: tuple[str, ...]) -> Cluster:
    return Cluster(
        id=i,
        size=size,
        recent=size,
        growth=9.0,
        first_seen=START,
        last_seen=START,
        top_terms=terms,
        example_cases=(f"CASE-00000{i}",),
        subjects=(),
        harm_areas=((area, size),),
        report_ids=tuple(range(size)),
        reason="",
    )


def test_spikes_clusters_and_withheld_words() -> None:
    spike = Spike(
        "fraud_scams", "hour", START + timedelta(hours=14), START + timedelta(hours=15),
        48, 12.0, 4.0, 22.0, "above", "",
    )  # fmt: skip
    clusters = [
        cluster(1, 7, "fraud_scams", ("parcel", "depot")),
        cluster(2, 37, "violent_extremism", ("gore",)),
    ]
    said = texts(metrics(), spikes=[spike], clusters=clusters)
    assert (
        "1 volume spike: fraud_scams Mon 23 Nov 14:00 UTC (hour: 48 reports, about 12 expected)."
        in said
    )
    assert (
        "2 emerging clusters of similar reports; the largest (about gore) had 37 reports, "
        "e.g. CASE-000002." in said
    )
    hidden = texts(metrics(), clusters=clusters, withheld=frozenset({"violent_extremism"}))
    assert any("(words withheld)" in t for t in hidden) and not any("gore" in t for t in hidden)
    quiet = texts(metrics())
    assert "No volume spike this week." in quiet
    assert "No emerging cluster of similar reports this week." in quiet


def test_backlog_rates_and_an_empty_week() -> None:
    old = Backlog(120, Durations(120, 3600, 9e5, 1e6), {"< 1 h": 100, "> 7 d": 14})
    said = texts(metrics(backlog=old, reopened=Rate(16, 410, 0.025, 0.063)))
    assert "120 cases open at the end of the week; 14 waiting over 7 days." in said
    assert "Reopened: 4 % of 410 resolved cases (95 % CI 2 %\u20136 %)." in said
    empty = replace(metrics(opened=0), first_action=Durations(0, None, None, None))
    said = texts(empty, replace(empty))
    assert said[0] == "No case was opened this week or last."
    assert not any("p90" in t for t in said)


def test_the_statistics() -> None:
    assert poisson_z(0, 0) == 0.0 and poisson_z(1204, 848) > 7
    assert proportions_z(364, 400, 388, 400) < -3
    assert proportions_z(1, 0, 1, 1) == 0.0
