"""The DSA transparency report (Regulation (EU) 2022/2065 Arts. 15 and 24, in the shape of the
harmonised templates of Implementing Regulation (EU) 2024/2835): its tables, made from counts
the rooms aggregated in the database.

Pure: no database, no clock. The categories, grounds, source types and restriction kinds are
the DSA Transparency Database's keys, mapped from Watchfloor's harm areas, policies, sources and
actions by config/transparency.yaml, so the report and the statements of reasons agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import cast

from watchfloor.compliance.statements import vocabulary
from watchfloor.compliance.statements.config import GroundRule, Restriction, TransparencyConfig
from watchfloor.compliance.transparency.counts import (
    ActionCount,
    Appeals,
    Arrival,
    DecisionCount,
    Orders,
)
from watchfloor.errors import Invalid

Cell = str | int | float | None
ARTICLE_16, TRUSTED, OTHER_NOTICE, VOLUNTARY = (
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
)
NOTICE_TYPES = (ARTICLE_16, TRUSTED, OTHER_NOTICE)
ALL_NOTICES = "ALL_NOTICES"
FALLBACK_CATEGORY = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
RESTRICTION_FIELDS = {
    "decision_visibility": vocabulary.DECISION_VISIBILITIES,
    "decision_monetary": vocabulary.DECISION_MONETARIES,
    "decision_provision": vocabulary.DECISION_PROVISIONS,
    "decision_account": vocabulary.DECISION_ACCOUNTS,
}
NOTES = (
    "Period [from, to) in UTC: notices are counted by when they arrived, decisions and the "
    "actions they ordered by when they were decided, appeals and orders by when they were "
    "received.",
    "Golden copies (the quality team's unannounced test cases) are exercises and never counted.",
    "Medians are exact (the middle value, or the mean of the middle two), in hours, rounded to "
    "two decimals for display. Time to decision runs from the case's first report to each "
    "decision on it.",
    "Automated detection: the case's first report came from a detector. Automated decision: "
    "none, since every decision in Watchfloor is taken by a person (triage only suggests).",
    "Categories, grounds and restriction kinds are those of the DSA Transparency Database, "
    "mapped by config/transparency.yaml.",
)


@dataclass(frozen=True)
class Table:
    """One table of the report; ``name`` is its CSV file's stem, ``columns`` the CSV header."""

    name: str
    caption: str
    columns: tuple[str, ...]
    headers: tuple[str, ...]  # what a person reads above each column
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class TransparencyReport:
    start: datetime
    end: datetime
    generated_at: datetime
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = NOTES

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def parse_instant(text: str, name: str) -> datetime:
    """A day (YYYY-MM-DD: its start, UTC) or an instant with a UTC offset; Invalid naming
    ``name`` otherwise."""
    value = text.strip()
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        pass
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"{name}: {text!r} is not a date; use YYYY-MM-DD, e.g. 2026-01-01",
            fields=[{"loc": ["query", name], "msg": "not a date"}],
        ) from None
    if instant.tzinfo is None:
        raise Invalid(
            f"{name}: {text!r} needs a UTC offset, e.g. 2026-01-01T00:00:00Z, or give a date",
            fields=[{"loc": ["query", name], "msg": "needs a UTC offset"}],
        )
    return instant.astimezone(UTC)


def parse_period(start: str, end: str) -> tuple[datetime, datetime]:
    """[from, to) from two dates or instants; Invalid when either is bad or from >= to."""
    since, until = parse_instant(start, "from"), parse_instant(end, "to")
    if since >= until:
        raise Invalid(
            f"from ({start}) must be before to ({end}); the period is [from, to)",
            fields=[{"loc": ["query", "from"], "msg": "not before to"}],
        )
    return since, until


def source_type(mapping: TransparencyConfig, source: str | None, kind: str | None) -> str:
    """The Database's source type of a case whose first report came from ``source``."""
    return mapping.sources.source_type(source or "", kind)


def automated_detection(source: str | None, kind: str | None) -> bool:
    """The rule statements/service.py applies to each statement of reasons."""
    return (source or "").startswith("detector") or kind == "detector"


def _rule(mapping: TransparencyConfig, harm_area: str, policy_id: str) -> GroundRule | None:
    try:
        return mapping.ground_for(harm_area, policy_id)
    except KeyError:  # a harm area no longer in the taxonomy: still counted, as "other"
        return None


def _category(mapping: TransparencyConfig, harm_area: str, policy_id: str = "") -> str:
    rule = _rule(mapping, harm_area, policy_id)
    return (rule.category if rule else None) or FALLBACK_CATEGORY


def _ground(mapping: TransparencyConfig, harm_area: str, policy_id: str, violation: bool) -> str:
    if not violation:
        return "no_violation"
    rule = _rule(mapping, harm_area, policy_id)
    return "illegal_content" if rule is not None and rule.ground == "illegal" else "terms"


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def notices_table(mapping: TransparencyConfig, arrivals: Iterable[Arrival]) -> Table:
    counts: Counter[tuple[str, str]] = Counter()
    for a in arrivals:
        kind = source_type(mapping, a.source, a.reporter_kind)
        if kind in NOTICE_TYPES:
            counts[(_category(mapping, a.harm_area), kind)] += a.reports
    rows: list[tuple[Cell, ...]] = []
    for category in (*vocabulary.CATEGORIES, "TOTAL"):
        cells = [
            sum(n for (c, k), n in counts.items() if k == kind and category in (c, "TOTAL"))
            for kind in NOTICE_TYPES
        ]
        rows.append((category, *cells, sum(cells)))
    return Table(
        "notices",
        "Notices received (DSA Art. 16 and 22), by category of the content and by who sent them",
        ("category", "article_16", "trusted_flagger", "other_notification", "total"),
        ("Category", "Art. 16 notices (users and others)", "Trusted flaggers (Art. 22)",
         "Other notifications", "Total"),
        tuple(rows),
    )  # fmt: skip


def decisions_tables(
    mapping: TransparencyConfig,
    groups: Iterable[DecisionCount],
    medians: Mapping[str, float],
) -> tuple[Table, Table]:
    """Decisions by basis (notice or own initiative) and by category."""
    basis: dict[str, Counter[str]] = {}
    category: dict[str, Counter[str]] = {}
    for g in groups:
        kind = source_type(mapping, g.source, g.reporter_kind)
        ground = _ground(mapping, g.harm_area, g.policy_id, g.violation)
        notice = "notice" if kind in NOTICE_TYPES else "own_initiative"
        detected = g.decisions if automated_detection(g.source, g.reporter_kind) else 0
        for key in (kind, ALL_NOTICES if kind in NOTICE_TYPES else None, "TOTAL"):
            if key is not None:
                basis.setdefault(key, Counter()).update(
                    {"decisions": g.decisions, ground: g.decisions, "detected": detected}
                )
        for key in (_category(mapping, g.harm_area, g.policy_id), "TOTAL"):
            category.setdefault(key, Counter()).update(
                {notice: g.decisions, ground: g.decisions, "total": g.decisions}
            )
    labels = {
        ARTICLE_16: "Notices under Art. 16 (users and others)",
        TRUSTED: "Notices from trusted flaggers (Art. 22)",
        OTHER_NOTICE: "Other notifications",
        ALL_NOTICES: "All notices",
        VOLUNTARY: "Own initiative",
        "TOTAL": "Total",
    }
    by_basis = []
    for key, label in labels.items():
        c = basis.get(key, Counter())
        by_basis.append(
            (key, label, c["decisions"], c["illegal_content"], c["terms"], c["no_violation"],
             c["detected"], 0, _hours(medians.get(key)))
        )  # fmt: skip
    by_category = []
    for key in (*vocabulary.CATEGORIES, "TOTAL"):
        c = category.get(key, Counter())
        by_category.append(
            (key, c["notice"], c["own_initiative"], c["illegal_content"], c["terms"],
             c["no_violation"], c["total"])
        )  # fmt: skip
    return (
        Table(
            "decisions_by_basis",
            "Decisions taken, on notices and on the team's own initiative, by ground, with "
            "automation and the median time from notice to decision",
            ("basis", "label", "decisions", "illegal_content", "terms_of_service",
             "no_violation", "automated_detection", "automated_decision",
             "median_hours_to_decision"),
            ("Basis", "What started it", "Decisions", "Illegal content", "Terms of service",
             "No violation found", "Detected by automated means", "Decided by automated means",
             "Median hours from notice to decision"),
            tuple(by_basis),
        ),
        Table(
            "decisions_by_category",
            "Decisions taken, by category of the content, basis and ground",
            ("category", "notice", "own_initiative", "illegal_content", "terms_of_service",
             "no_violation", "total"),
            ("Category", "On a notice", "Own initiative", "Illegal content", "Terms of service",
             "No violation found", "Total"),
            tuple(by_category),
        ),
    )  # fmt: skip


def actions_table(mapping: TransparencyConfig, groups: Iterable[ActionCount]) -> Table:
    """Actions by the Database's restriction kind; an action that restricts nothing under its
    own kind. One action counts once in each restriction field it fills."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    total: Counter[str] = Counter()
    for g in groups:
        kind = source_type(mapping, g.source, g.reporter_kind)
        facts = {
            _ground(mapping, g.harm_area, g.policy_id, g.violation): g.actions,
            "notice" if kind in NOTICE_TYPES else "own_initiative": g.actions,
            "total": g.actions,
        }
        total.update(facts)
        for key in _restriction_keys(mapping, g.kind):
            counts.setdefault(key, Counter()).update(facts)
    keys = [(f, v) for f, values in RESTRICTION_FIELDS.items() for v in values]
    keys += [("none", k) for k in mapping.actions.no_statement]
    keys += sorted(k for k in counts if k not in keys)
    rows: list[tuple[Cell, ...]] = []
    for field, value in [*keys, ("TOTAL", "all actions")]:
        c = total if field == "TOTAL" else counts.get((field, value), Counter())
        rows.append(
            (field, value, c["illegal_content"], c["terms"], c["no_violation"], c["notice"],
             c["own_initiative"], c["total"])
        )  # fmt: skip
    return Table(
        "actions",
        "Actions ordered by the decisions, by kind of restriction (as the DSA Transparency "
        "Database names them), ground and basis",
        ("restriction_type", "restriction", "illegal_content", "terms_of_service",
         "no_violation", "notice", "own_initiative", "total"),
        ("Restriction type", "Restriction", "Illegal content", "Terms of service",
         "No violation found", "On a notice", "Own initiative", "Total"),
        tuple(rows),
    )  # fmt: skip


def _restriction_keys(mapping: TransparencyConfig, kind: str) -> list[tuple[str, str]]:
    restriction = cast(Mapping[str, Restriction], mapping.actions.restrictions).get(kind)
    if restriction is None:
        return [("none", kind)]
    keys = [("decision_visibility", v) for v in restriction.decision_visibility]
    for field in ("decision_monetary", "decision_provision", "decision_account"):
        value = getattr(restriction, field)
        if value is not None:
            keys.append((field, value))
    return keys


def appeals_table(appeals: Appeals) -> Table:
    return Table(
        "appeals",
        "Complaints against decisions (DSA Art. 20): received in the period and their outcomes",
        ("received", "decided", "upheld", "overturned", "pending", "median_hours_to_decide"),
        ("Received", "Decided", "Decision upheld", "Decision overturned", "Not yet decided",
         "Median hours to decide"),
        ((appeals.received, appeals.decided, appeals.upheld, appeals.overturned,
          appeals.pending, _hours(appeals.median_hours_to_decide)),),
    )  # fmt: skip


def orders_table(orders: Sequence[Orders]) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (o.request_type, o.member_state or "unknown", o.received, o.answered,
         _hours(o.median_hours_to_acknowledge), _hours(o.median_hours_to_answer))
        for o in orders
    ]  # fmt: skip
    rows.append(
        ("TOTAL", "all", sum(o.received for o in orders), sum(o.answered for o in orders),
         None, None)
    )  # fmt: skip
    return Table(
        "orders",
        "Orders and requests from authorities (DSA Arts. 9 and 10), by type and member state, "
        "with the median time to acknowledge and to answer",
        ("request_type", "member_state", "received", "answered", "median_hours_to_acknowledge",
         "median_hours_to_answer"),
        ("Type", "Member state", "Received", "Answered", "Median hours to acknowledge",
         "Median hours to answer"),
        tuple(rows),
    )  # fmt: skip


def summary_table(tables: Sequence[Table]) -> Table:
    """The headline figures, read back from the other tables so they always agree."""
    by = {t.name: t for t in tables}
    notices = by["notices"].rows[-1][-1]
    basis = {row[0]: row for row in by["decisions_by_basis"].rows}
    decisions, detected = basis["TOTAL"][2], basis["TOTAL"][6]
    share = None
    if isinstance(decisions, int) and isinstance(detected, int) and decisions:
        share = round(100 * detected / decisions, 2)
    appeals = by["appeals"].rows[0]
    orders = by["orders"].rows[-1]
    figures: list[tuple[Cell, ...]] = [
        ("notices_received", "Notices received", notices),
        ("decisions", "Decisions taken", decisions),
        ("decisions_on_notices", "Decisions on notices", basis[ALL_NOTICES][2]),
        ("decisions_own_initiative", "Decisions on the team's own initiative",
         basis[VOLUNTARY][2]),
        ("actions", "Actions ordered", by["actions"].rows[-1][-1]),
        ("automated_detection_percent", "Share of decisions detected by automated means (%)",
         share),
        ("automated_decision_percent", "Share of decisions taken by automated means (%)",
         0.0 if decisions else None),
        ("median_hours_notice_to_decision", "Median hours from notice to decision",
         basis[ALL_NOTICES][8]),
        ("appeals_received", "Complaints received (Art. 20)", appeals[0]),
        ("appeals_overturned", "Complaints that overturned the decision", appeals[3]),
        ("orders_received", "Orders from authorities received", orders[2]),
    ]  # fmt: skip
    return Table(
        "summary",
        "The period at a glance",
        ("figure", "label", "value"),
        ("Figure", "What it counts", "Value"),
        tuple(figures),
    )


def assemble(
    mapping: TransparencyConfig,
    *,
    start: datetime,
    end: datetime,
    generated_at: datetime,
    arrivals: Iterable[Arrival],
    decisions: Iterable[DecisionCount],
    actions: Iterable[ActionCount],
    medians: Mapping[str, float],
    appeals: Appeals,
    orders: Sequence[Orders],
) -> TransparencyReport:
    """The report from the rooms' counts; ``medians`` maps a source type or ALL_NOTICES to the
    median hours from notice to decision."""
    tables = [
        notices_table(mapping, arrivals),
        *decisions_tables(mapping, decisions, medians),
        actions_table(mapping, actions),
        appeals_table(appeals),
        orders_table(orders),
    ]
    return TransparencyReport(
        start=start,
        end=end,
        generated_at=generated_at,
        tables=(summary_table(tables), *tables),
    )
