"""The DSA transparency report on both databases: counts a person can work out by hand, through
the API, the CLI and the console page, with decisions outside the period, a golden copy (an
exercise, never counted) and an empty period."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report
from tests.web.console_client import PASSWORD, sign_in
from watchfloor.cases import golden as golden_copies
from watchfloor.cases import service as cases
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

THREAT = "He keeps posting that someone should beat me up after school"
NEUTRAL = "Please review the item named in the attached order."
PERIOD = {"from": "2026-01-01", "to": "2026-07-01"}
VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"
NOTICE = "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def decision(policy: str, *kinds: str, violation: bool = True) -> dict[str, Any]:
    return {
        "policy_id": policy,
        "violation": violation,
        "rationale": "Checked against the policy.",
        "actions": [{"kind": k} for k in kinds],
    }


class Floor:
    """Reports arrive and are decided at the times a test sets on the clock."""

    def __init__(self, client: TestClient, clock: SettableClock, people: dict[str, Person]):
        self.client, self.clock, self.people = client, clock, people
        self.n = 0

    def case(self, received: str, text: str = THREAT, **over: Any) -> str:
        self.n += 1
        self.clock.set(at(received))
        body = report(self.n, text=text, subject={"kind": "account", "id": f"acct-{self.n}"})
        body.update(over)
        r = self.client.post("/api/v1/reports", json=body, headers=self.people["intake"].headers)
        assert r.status_code == 201, r.text
        return str(r.json()["case"])

    def decide(self, key: str, when: str, body: dict[str, Any]) -> None:
        self.clock.set(at(when))
        r = self.client.post(
            f"/api/v1/cases/{key}/decision", json=body, headers=self.people["ana"].headers
        )
        assert r.status_code == 201, r.text


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        "intake": make_user("intake"),
        "ana": make_user("analyst", "ana"),
        "legal": make_user("legal", "lena", PASSWORD),
    }


@pytest.fixture
def floor(
    client: TestClient, clock: SettableClock, people: dict[str, Person], runtime: Runtime
) -> Floor:
    """Six decisions in the first half of 2026, one after it, one on a golden copy; five
    notices and one detector find arriving in it, one notice the year before."""
    f = Floor(client, clock, people)
    remove = decision("VT-THREAT", "remove_content", "notify_reporter")
    a = f.case("2026-02-01T10:00")  # a user's notice: 2 h to decision
    f.decide(a, "2026-02-01T12:00", remove)
    b = f.case("2026-02-02T10:00", reporter={"kind": "trusted_flagger", "id": "tf-1"})
    f.decide(b, "2026-02-02T14:00", decision("VT-THREAT", "suspend_account"))  # 4 h
    c = f.case("2026-02-03T10:00", source="detector:classifier",
               reporter={"kind": "detector", "id": "clf"})  # fmt: skip
    f.decide(c, "2026-02-03T11:00", decision("VT-THREAT", "ban_account"))  # own initiative
    d = f.case("2026-02-04T10:00")
    f.decide(d, "2026-02-04T16:00", decision("VT-THREAT", "no_action", violation=False))  # 6 h
    e = f.case("2026-06-30T20:00")  # a notice in the period, decided after it
    f.decide(e, "2026-07-01T02:00", remove)
    g = f.case("2025-12-31T12:00")  # a notice before the period, decided in it: 48 h
    f.decide(g, "2026-01-02T12:00", decision("VT-THREAT", "remove_content"))
    h = f.case("2026-03-01T10:00", text=NEUTRAL, source="email", category="legal_regulatory",
               reporter={"kind": "regulator", "id": "dsc-ie"})  # fmt: skip
    f.decide(h, "2026-03-01T20:00", decision("LG-DSA-NOTICE", "remove_content"))  # 10 h
    # A golden copy of the first case, decided: an exercise, never counted.
    clock.set(at("2026-03-05T09:00"))
    with session_scope(runtime.sessions) as s:
        original = cases.get_or_raise(s, key=a)
        copy = golden_copies.open_copy(
            s, clock, of_case_id=original.id, taxonomy=runtime.config.taxonomy,
            sla=runtime.config.sla,
        )  # fmt: skip
        copy_key = copy.key
    f.decide(copy_key, "2026-03-05T10:00", remove)
    return f


def tables(body: dict[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """table name -> first cell of each row -> the row."""
    return {t["name"]: {str(r[0]): r for r in t["rows"]} for t in body["tables"]}


def get_report(client: TestClient, person: Person, **period: str) -> dict[str, Any]:
    r = client.get("/api/v1/compliance/transparency", params=period, headers=person.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_api_counts_what_a_person_counts_by_hand(
    client: TestClient, floor: Floor, people: dict[str, Person]
) -> None:
    body = get_report(client, people["legal"], **PERIOD)
    assert body["from"].startswith("2026-01-01T00:00:00") and body["to"].startswith("2026-07-01")
    t = tables(body)
    notices = t["notices"]
    # category: Art. 16, trusted flaggers, other notifications, total
    assert notices[VIOLENCE][1:] == [3, 1, 0, 4]  # a, d, e (users); b (trusted flagger)
    assert notices[NOTICE][1:] == [0, 0, 1, 1]  # h (a regulator)
    assert notices["TOTAL"][1:] == [3, 1, 1, 5]  # not c (a detector) nor g (2025) nor the copy
    assert sum(row[4] for key, row in notices.items() if key != "TOTAL") == 5

    basis = t["decisions_by_basis"]
    # decisions, illegal, terms, no violation, detected, decided by machine, median hours
    assert basis["SOURCE_ARTICLE_16"][2:] == [3, 0, 2, 1, 0, 0, 6.0]  # a 2 h, d 6 h, g 48 h
    assert basis["SOURCE_TRUSTED_FLAGGER"][2:] == [1, 0, 1, 0, 0, 0, 4.0]
    assert basis["SOURCE_TYPE_OTHER_NOTIFICATION"][2:] == [1, 1, 0, 0, 0, 0, 10.0]
    assert basis["ALL_NOTICES"][2:] == [5, 1, 3, 1, 0, 0, 6.0]  # 2, 4, 6, 10, 48
    assert basis["SOURCE_VOLUNTARY"][2:] == [1, 0, 1, 0, 1, 0, None]
    assert basis["TOTAL"][2:8] == [6, 1, 4, 1, 1, 0]  # not e (July) nor the copy

    category = t["decisions_by_category"]
    # notice, own initiative, illegal, terms, no violation, total
    assert category[VIOLENCE][1:] == [4, 1, 0, 4, 1, 5]
    assert category[NOTICE][1:] == [1, 0, 1, 0, 0, 1]
    assert category["TOTAL"][1:] == [5, 1, 1, 4, 1, 6]

    [rows] = [table["rows"] for table in body["tables"] if table["name"] == "actions"]
    actions = {row[1] if row[0] != "TOTAL" else "TOTAL": row[2:] for row in rows}
    # illegal, terms, no violation, notice, own initiative, total
    assert actions["DECISION_VISIBILITY_CONTENT_REMOVED"] == [1, 2, 0, 3, 0, 3]  # a, g, h
    assert actions["DECISION_ACCOUNT_SUSPENDED"] == [0, 1, 0, 1, 0, 1]
    assert actions["DECISION_ACCOUNT_TERMINATED"] == [0, 1, 0, 0, 1, 1]
    assert actions["notify_reporter"] == [0, 1, 0, 1, 0, 1]
    assert actions["no_action"] == [0, 0, 1, 1, 0, 1]
    assert actions["DECISION_VISIBILITY_OTHER"] == [0, 0, 0, 0, 0, 0]
    assert actions["TOTAL"] == [1, 5, 1, 6, 1, 7]

    summary = {k: row[2] for k, row in t["summary"].items()}
    assert summary["notices_received"] == 5 and summary["decisions"] == 6
    assert summary["decisions_on_notices"] == 5 and summary["decisions_own_initiative"] == 1
    assert summary["actions"] == 7 and summary["automated_detection_percent"] == 16.67
    assert summary["automated_decision_percent"] == 0.0
    assert summary["median_hours_notice_to_decision"] == 6.0
    assert t["appeals"]["0"] == [0, 0, 0, 0, 0, None]
    assert t["orders"]["TOTAL"][2:4] == [0, 0]

    # July alone: e's notice arrived in June, its decision (6 h after) is July's.
    july = tables(get_report(client, people["legal"], **{"from": "2026-07-01", "to": "2026-08-01"}))
    assert july["notices"]["TOTAL"][1:] == [0, 0, 0, 0]
    assert july["decisions_by_basis"]["SOURCE_ARTICLE_16"][2:] == [1, 0, 1, 0, 0, 0, 6.0]


def test_an_empty_period_has_zeros_and_no_medians(
    client: TestClient, people: dict[str, Person]
) -> None:
    t = tables(get_report(client, people["legal"], **{"from": "2030-01-01", "to": "2030-07-01"}))
    assert t["notices"]["TOTAL"][1:] == [0, 0, 0, 0]
    assert t["decisions_by_basis"]["ALL_NOTICES"][2:] == [0, 0, 0, 0, 0, 0, None]
    assert t["actions"]["TOTAL"][2:] == [0, 0, 0, 0, 0, 0]
    summary = {k: row[2] for k, row in t["summary"].items()}
    assert summary["decisions"] == 0 and summary["automated_detection_percent"] is None


@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"from": "2026-13-01", "to": "2026-07-01"}, "from"),
        ({"from": "2026-07-01", "to": "2026-01-01"}, "from"),
        ({"from": "2026-01-01", "to": "2026-07-01T00:00:00"}, "to"),
    ],
)
def test_a_bad_period_is_a_422_naming_the_field(
    client: TestClient, people: dict[str, Person], period: dict[str, str], field: str
) -> None:
    r = client.get(
        "/api/v1/compliance/transparency", params=period, headers=people["legal"].headers
    )
    assert r.status_code == 422, r.text
    assert field in r.text and "2026" in r.text


def test_the_cli_writes_the_same_counts_as_csv_and_html(
    floor: Floor, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    done = run_cli(db_url, "report", "transparency", "--from", "2026-01-01", "--to", "2026-07-01",
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in out.iterdir())
    assert "transparency-report.html" in written and "transparency-notices.csv" in written
    assert set(done.stdout.split()) == {str(out / name) for name in written}
    with (out / "transparency-notices.csv").open(newline="") as fh:
        rows = {r["category"]: r for r in csv.DictReader(fh)}
    assert rows[VIOLENCE] == {"category": VIOLENCE, "article_16": "3", "trusted_flagger": "1",
                              "other_notification": "0", "total": "4"}  # fmt: skip
    with (out / "transparency-decisions_by_basis.csv").open(newline="") as fh:
        basis = {r["basis"]: r for r in csv.DictReader(fh)}
    assert basis["ALL_NOTICES"]["median_hours_to_decision"] == "6.00"
    assert basis["SOURCE_VOLUNTARY"]["median_hours_to_decision"] == ""
    page = (out / "transparency-report.html").read_text()
    assert "<caption>Notices received" in page and "2026-01-01" in page
    assert "http" not in page.replace("https://eur-lex", "")  # nothing fetched from anywhere


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-02-30", "--to", "2026-07-01"], "--from: '2026-02-30' is not a date"),
        (["--from", "2026-07-01", "--to", "2026-07-01"], "must be before"),
        (["--from", "2026-01-01", "--to", "soon"], "--to: 'soon' is not a date"),
    ],
)
def test_the_cli_refuses_bad_dates_in_one_line(
    db_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    done = run_cli(db_url, "report", "transparency", *args, "--out", str(tmp_path))
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_the_cli_refuses_an_unwritable_out(db_url: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for out in (blocker, blocker / "below"):
        done = run_cli(db_url, "report", "transparency", "--from", "2026-01-01",
                       "--to", "2026-07-01", "--out", str(out))  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: --out:") and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_the_page_shows_the_tables_and_serves_their_csv(
    client: TestClient, floor: Floor, people: dict[str, Person]
) -> None:
    sign_in(client, "lena")
    page = client.get("/legal/transparency", params=PERIOD)
    assert page.status_code == 200
    text = page.text
    assert 'id="table-notices"' in text and "Notices received" in text
    assert f'<th scope="row">{VIOLENCE}</th><td class="num">3</td><td class="num">1</td>' in text
    assert "/legal/transparency/notices.csv?from=2026-01-01&amp;to=2026-07-01" in text
    got = client.get("/legal/transparency/actions.csv", params=PERIOD)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "decision_account,DECISION_ACCOUNT_TERMINATED,0,1,0,0,1,1" in got.text
    assert client.get("/legal/transparency/nothing.csv", params=PERIOD).status_code == 404
    bad = client.get("/legal/transparency", params={"from": "2026-07-01", "to": "2026-01-01"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text


def test_the_default_page_is_the_current_half_year(
    client: TestClient, clock: SettableClock, people: dict[str, Person]
) -> None:
    clock.set(at("2026-09-15T08:00"))
    sign_in(client, "lena")
    page = client.get("/legal/transparency")
    assert page.status_code == 200
    assert 'value="2026-07-01"' in page.text and 'value="2027-01-01"' in page.text
    clock.set(at("2027-01-01T00:00"))  # the first half of 2027 starts
    sign_in(client, "lena")
    page = client.get("/legal/transparency")
    assert 'value="2027-01-01"' in page.text and 'value="2027-07-01"' in page.text


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_viewers_and_analysts_are_refused(
    client: TestClient, make_user: Callable[..., Person], role: str
) -> None:
    person = make_user(role, f"some-{role}", PASSWORD)
    r = client.get("/api/v1/compliance/transparency", params=PERIOD, headers=person.headers)
    assert r.status_code == 403
    sign_in(client, f"some-{role}")
    assert client.get("/legal/transparency", params=PERIOD).status_code == 403
    assert client.get("/legal/transparency/notices.csv", params=PERIOD).status_code == 403


def test_the_databases_notice_type_is_the_statements_source_type() -> None:
    """The SQL that groups decisions by notice type agrees with the Python mapping the
    statements of reasons use, for every rule of config/transparency.yaml."""
    from sqlalchemy import create_engine, literal, select

    from watchfloor.compliance.statements.config import load_transparency_config
    from watchfloor.compliance.transparency import report as shape
    from watchfloor.compliance.transparency.service import notice_type

    mapping = load_transparency_config(
        Path(__file__).resolve().parents[2] / "config/transparency.yaml"
    )
    pairs = [(s, k) for s in ("in_app", "api", "email", "csv", "detector:hash", "detector", "x_1",
                              None) for k in ("user", "trusted_flagger", "regulator", "detector",
                                              "anonymous", None)]  # fmt: skip
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        for source, kind in pairs:
            got = conn.scalar(select(notice_type(mapping.sources, literal(source), literal(kind))))
            want = shape.source_type(mapping, source, kind)
            assert got == (want if want in shape.NOTICE_TYPES else None), (source, kind)


def test_appeals_and_orders_reach_their_tables_as_counted() -> None:
    """The appeals and orders tallies (their rooms' own tests count them) land in the report
    unchanged, with a total row for orders and medians rounded to two decimals."""
    from watchfloor.compliance.appeals.service import AppealTally
    from watchfloor.compliance.requests.service import OrderTally
    from watchfloor.compliance.statements.config import load_transparency_config
    from watchfloor.compliance.transparency import report as shape

    mapping = load_transparency_config(
        Path(__file__).resolve().parents[2] / "config/transparency.yaml"
    )
    found = shape.assemble(
        mapping, start=at("2026-01-01T00:00"), end=at("2026-07-01T00:00"),
        generated_at=at("2026-07-02T00:00"), arrivals=[], decisions=[], actions=[], medians={},
        appeals=AppealTally(received=5, decided=4, upheld=3, overturned=1, pending=1,
                            median_hours_to_decide=30.123),
        orders=[OrderTally("court_order", "IE", 2, 1, 3.0, 50.5),
                OrderTally("preservation", None, 1, 0, None, None)],
    )  # fmt: skip
    assert found.table("appeals").rows == ((5, 4, 3, 1, 1, 30.12),)
    assert found.table("orders").rows == (
        ("court_order", "IE", 2, 1, 3.0, 50.5),
        ("preservation", "unknown", 1, 0, None, None),
        ("TOTAL", "all", 3, 1, None, None),
    )
    summary = {row[0]: row[2] for row in found.table("summary").rows}
    assert summary["appeals_received"] == 5 and summary["appeals_overturned"] == 1
    assert summary["orders_received"] == 3 and summary["decisions"] == 0
