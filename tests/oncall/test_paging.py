"""Pages end to end: a real SMTP server and a real webhook receiver, escalation on clock time."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.receiver import webhook_receiver
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.oncall import service
from watchfloor.runtime import Runtime
from watchfloor.settings import DEFAULT_CONFIG_DIR, Settings
from watchfloor.worker import run_once


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def outbox_types(runtime: Runtime) -> list[str]:
    from sqlalchemy import select

    from watchfloor.notify.models import OutboxEvent

    with session_scope(runtime.sessions) as s:
        return list(s.scalars(select(OutboxEvent.event_type).order_by(OutboxEvent.id)))


def to_of(inbox: Inbox) -> list[str]:
    return [m["To"] for m in inbox.messages]


@pytest.fixture
def at_monday_nine(clock: SettableClock) -> SettableClock:
    # Tuesday 13 January 2026, 09:00 UTC: emea.ana is on call, safety-secondary is lead.noah.
    clock.set(datetime(2026, 1, 13, 9, 0, tzinfo=UTC))
    return clock


def register(client: TestClient, admin: Person, name: str, url: str, fmt: str) -> str:
    r = client.post(
        "/api/v1/webhooks",
        json={"name": name, "url": url, "format": fmt},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])


def test_a_page_escalates_to_level_two_after_ten_minutes_and_stops_on_ack(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    # The clock stays near real time: the receiver checks webhook timestamps against it.
    admin, lead = make_user("admin"), make_user("lead")
    config = runtime.config.oncall
    first = service.on_call(None, config, "safety-primary", clock.now())[0]
    second = service.on_call(None, config, "safety-secondary", clock.now() + timedelta(minutes=10))[
        0
    ]
    mail1, mail2 = config.people[first].email, config.people[second].email
    with smtp_server() as (inbox, port), webhook_receiver() as chat, webhook_receiver() as hook:
        runtime.settings.smtp_host, runtime.settings.smtp_port = "127.0.0.1", port
        chat.secret = register(client, admin, "chat", chat.url, "slack")
        hook.secret = register(client, admin, "tools", hook.url, "standard")

        r = client.post(
            "/api/v1/pages",
            json={
                "schedule": "safety-primary",
                "summary": "CSAM report breached",
                "severity": "P0",
            },
            headers=lead.headers,
        )
        assert r.status_code == 201, r.text
        page = r.json()
        assert page["state"] == "triggered" and page["paged"] == [first]
        run_once(runtime)
        assert to_of(inbox) == [mail1]
        assert "CSAM report breached" in inbox.messages[0]["Subject"]
        slack = chat.received[0]
        assert first in slack["text"] and slack["blocks"][0]["type"] == "section"
        # The chat message carries the paged person's own links: whoever presses one is named.
        buttons = [
            b for block in slack["blocks"] if block["type"] == "actions" for b in block["elements"]
        ]
        assert [b["text"]["text"] for b in buttons] == [
            f"Acknowledge ({first})",
            f"Resolve ({first})",
        ]
        assert hook.received[0]["type"] == "page.triggered"
        assert hook.received[0]["data"]["users"] == [first]

        # Nine minutes: nothing more. Ten: level 2 (the second line).
        clock.advance(timedelta(minutes=9))
        run_once(runtime)
        assert to_of(inbox) == [mail1]
        clock.advance(timedelta(minutes=1))
        run_once(runtime)
        run_once(runtime)
        assert to_of(inbox) == [mail1, mail2]
        # (Received webhooks are checked at trigger time only: the receiver refuses signatures
        # timestamped ten minutes into its future, so later events are checked in the outbox.)
        assert outbox_types(runtime) == ["page.triggered", "page.escalated"]

        # The second line acknowledges from the link in their email, without logging in.
        body = inbox.messages[1].get_payload(decode=True).decode()  # type: ignore[union-attr]
        link = next(
            line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("Acknowledge:")
        )
        path = urlsplit(link).path + "?" + urlsplit(link).query
        form = client.get(path)
        assert form.status_code == 200 and "<form" in form.text
        assert (
            client.get(f"/api/v1/pages/{page['id']}", headers=lead.headers).json()["state"]
            == "triggered"
        )
        r = client.post(path)
        assert r.status_code == 200, r.text
        assert (
            r.json()["state"] == "acknowledged" and r.json()["acknowledged_by"] == f"link:{second}"
        )

        clock.advance(timedelta(hours=2))
        run_once(runtime)
        run_once(runtime)
        # No level 3; the first level is told that the second line has it.
        assert to_of(inbox) == [mail1, mail2, mail1]
        assert f"acknowledged by {second}" in inbox.messages[2]["Subject"]
        assert outbox_types(runtime)[-1] == "page.acknowledged"

        r = client.post(f"/api/v1/pages/{page['id']}/resolve", headers=lead.headers)
        assert r.json()["state"] == "resolved"
        kinds = [e["kind"] for e in r.json()["events"]]
        assert kinds == ["triggered", "notified", "notified", "acknowledged", "resolved"]
        trail = client.get(f"/api/v1/audit?object_id={page['key']}", headers=lead.headers).json()
        assert [e["action"] for e in trail] == [
            "page.resolved",
            "page.acknowledged",
            "page.escalated",
            "page.triggered",
        ]
        assert trail[1]["actor"] == f"link:{second}"


def test_unacknowledged_pages_run_the_policy_again_then_stop(
    runtime: Runtime, at_monday_nine: SettableClock
) -> None:
    clock = at_monday_nine
    with session_scope(runtime.sessions) as s:
        page_id = service.page(
            s,
            clock,
            runtime.pager,
            schedule=None,
            summary="stuck",
            severity="P1",
            case_key="CASE-000001",
            dedup_key="sla:CASE-000001",
            actor="system:sla",
        ).id
    levels = []
    for _ in range(12):
        clock.advance(timedelta(minutes=15))
        run_once(runtime)
        with session_scope(runtime.sessions) as s:
            from watchfloor.oncall.paging import get_or_404

            p = get_or_404(s, page_id)
            levels.append((p.cycle, p.step, p.next_escalation_at is None))
    # safety: 3 steps, repeated once, then exhausted.
    assert levels[:6] == [
        (0, 1, False),
        (0, 2, False),
        (1, 0, False),
        (1, 1, False),
        (1, 2, False),
        (1, 2, True),
    ]
    assert levels[-1] == (1, 2, True)


def test_one_open_page_per_dedup_key(runtime: Runtime, at_monday_nine: SettableClock) -> None:
    clock = at_monday_nine
    args: dict[str, Any] = dict(
        schedule="safety-primary",
        summary="x",
        severity="P0",
        case_key=None,
        dedup_key="breach:CASE-1",
        actor="system:sla",
    )
    with session_scope(runtime.sessions) as s:
        first = service.page(s, clock, runtime.pager, **args).id
    with session_scope(runtime.sessions) as s:
        assert service.page(s, clock, runtime.pager, **args).id == first
        from watchfloor.oncall.paging import resolve

        resolve(s, clock, page_id=first, actor="user:x")
    with session_scope(runtime.sessions) as s:
        assert service.page(s, clock, runtime.pager, **args).id != first


def test_bad_page_input_and_forged_links(
    client: TestClient, at_monday_nine: SettableClock, make_user: Callable[..., Person]
) -> None:
    lead = make_user("lead")
    r = client.post(
        "/api/v1/pages", json={"schedule": "nope", "summary": "x"}, headers=lead.headers
    )
    assert r.status_code == 404 and "safety-primary" in r.json()["detail"]
    r = client.post("/api/v1/pages", json={"summary": "x", "severity": "P9"}, headers=lead.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "severity"]
    page = client.post("/api/v1/pages", json={"summary": "x"}, headers=lead.headers).json()
    r = client.post(f"/api/v1/pages/{page['id']}/ack?token=bW9sbHk.9999999999.forged")
    assert r.status_code == 401
    assert client.get(f"/api/v1/pages/{page['id']}/ack").status_code == 422
    assert client.get("/api/v1/pages/999", headers=lead.headers).status_code == 404


def _page(runtime: Runtime, clock: SettableClock, key: str = "CASE-000009") -> int:
    with session_scope(runtime.sessions) as s:
        return service.page(
            s,
            clock,
            runtime.pager,
            schedule=None,
            summary="a P1 case breached",
            severity="P1",
            case_key=key,
            dedup_key=f"sla:{key}",
            actor="system:sla",
        ).id


def _sent(runtime: Runtime) -> list[tuple[str, list[str]]]:
    """Each page notification in the outbox: its type and the people it paged."""
    from sqlalchemy import select

    from watchfloor.notify.models import OutboxEvent

    with session_scope(runtime.sessions) as s:
        rows = s.execute(
            select(OutboxEvent.event_type, OutboxEvent.payload).order_by(OutboxEvent.id)
        ).all()
    return [(t, list(p.get("users") or [])) for t, p in rows if t.startswith("page.")]


def test_a_users_only_step_pages_only_its_users(
    runtime: Runtime, at_monday_nine: SettableClock
) -> None:
    clock = at_monday_nine
    _page(runtime, clock)
    for _ in range(2):  # level 2 (the second line), then level 3 (the manager)
        clock.advance(timedelta(minutes=10))
        run_once(runtime)
    assert _sent(runtime) == [
        ("page.triggered", ["emea.ana"]),  # level 1: safety-primary's on-call
        ("page.escalated", ["lead.noah"]),  # level 2: safety-secondary's
        ("page.escalated", ["head.of.safety"]),  # level 3 names only a user: only them
    ]


def test_an_exhausted_page_goes_to_the_lead_on_shift_and_the_catch_all(
    runtime: Runtime, at_monday_nine: SettableClock
) -> None:
    clock = at_monday_nine
    page_id = _page(runtime, clock)
    for _ in range(8):  # three levels, run twice (repeat: 1), then nothing left
        clock.advance(timedelta(minutes=15))
        run_once(runtime)
    sent = _sent(runtime)
    assert sent[-1] == ("page.exhausted", ["lead.noah", "head.of.safety"])
    assert [t for t, _ in sent].count("page.exhausted") == 1  # once, not on every round
    with session_scope(runtime.sessions) as s:
        from watchfloor.oncall.paging import events_of, get_or_404

        page = get_or_404(s, page_id)
        assert page.state == "triggered" and page.next_escalation_at is None  # still open
        [exhausted] = [e for e in events_of(s, page_id) if e.kind == "exhausted"]
        assert exhausted.users == ["lead.noah", "head.of.safety"]


@pytest.fixture
def gap_runtime(tmp_path: Path, db_url: str, clock: SettableClock) -> Iterator[Runtime]:
    """The shipped configuration with safety-primary's Americas and APAC layers removed: from
    16:00 to 07:00 Dublin time nobody is on call for it."""
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    doc = yaml.safe_load((config / "oncall.yaml").read_text())
    primary = doc["schedules"]["safety-primary"]
    primary["layers"] = [layer for layer in primary["layers"] if layer["name"] == "emea"]
    (config / "oncall.yaml").write_text(yaml.safe_dump(doc))
    settings = Settings(
        database_url=db_url,
        environment="test",
        triage_model_dir=tmp_path / "models",
        config_dir=config,
    )
    rt = Runtime.create(settings, clock=clock)
    yield rt
    rt.engine.dispose()


def test_a_level_that_finds_nobody_on_call_pages_the_catch_all(
    gap_runtime: Runtime, clock: SettableClock
) -> None:
    clock.set(datetime(2026, 1, 13, 20, 0, tzinfo=UTC))  # 20:00 in Dublin: the gap
    with session_scope(gap_runtime.sessions) as s:
        assert service.on_call(s, gap_runtime.config.oncall, "safety-primary", clock.now()) == []
    page_id = _page(gap_runtime, clock)
    # Level 1 found nobody: the catch-all is paged, as a page.triggered, and not skipped.
    assert _sent(gap_runtime) == [("page.triggered", ["head.of.safety"])]
    with session_scope(gap_runtime.sessions) as s:
        from watchfloor.oncall.paging import events_of, get_or_404

        kinds = [(e.kind, e.detail) for e in events_of(s, page_id)]
        assert ("nobody", "level 1: nobody on call; paging the catch-all") in kinds
        # It waits level 1's ten minutes for the catch-all to acknowledge, like any level.
        page = get_or_404(s, page_id)
        assert page.next_escalation_at == clock.now() + timedelta(minutes=10)


def test_a_fallback_naming_an_unknown_schedule_or_person_is_refused_on_its_line(
    tmp_path: Path, db_url: str
) -> None:
    from tests.cli_runner import run_cli

    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "escalation.yaml"
    text = path.read_text()
    text = text.replace("lead_schedule: safety-secondary", "lead_schedule: night-desk")
    text = text.replace("catch_all: [head.of.safety]", "catch_all: [head.of.safety, nobody.known]")
    path.write_text(text)
    lines = text.splitlines()
    lead = next(i for i, row in enumerate(lines, 1) if "night-desk" in row)
    catch = next(i for i, row in enumerate(lines, 1) if "nobody.known" in row)
    done = run_cli(db_url, "config", "check", WATCHFLOOR_CONFIG_DIR=str(config))
    assert done.returncode == 2, done.stdout
    assert f"{path}:{lead}: fallback.lead_schedule: unknown schedule 'night-desk'" in done.stderr
    assert f"{path}:{catch}: fallback.catch_all.1: unknown person 'nobody.known'" in done.stderr
    assert "Traceback" not in done.stderr
