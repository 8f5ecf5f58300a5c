"""Stakeholder updates delivered for real: a Slack-format receiver on the incident's channel gets
a chat message, a receiver that is not on it gets nothing, and the email reaches a real SMTP
server; the channels can be changed while the incident runs."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.oncall.test_paging import register, smtp_server
from tests.receiver import webhook_receiver
from watchfloor.runtime import Runtime
from watchfloor.worker import run_once


def test_an_update_reaches_the_incidents_channels_and_nobody_else(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    admin, ana = make_user("admin"), make_user("analyst", "emea.ana")
    with smtp_server() as (inbox, port), webhook_receiver() as chat, webhook_receiver() as other:
        runtime.settings.smtp_host, runtime.settings.smtp_port = "127.0.0.1", port
        chat.secret = register(client, admin, "incident-chat", chat.url, "slack")
        other.secret = register(client, admin, "everything", other.url, "standard")
        r = client.post(
            "/api/v1/incidents",
            json={
                "severity": "SEV2",
                "title": "Scam wave",
                "channels": {"webhooks": ["incident-chat"]},
            },
            headers=ana.headers,
        )
        key = r.json()["incident"]["key"]
        base = f"/api/v1/incidents/{key}"
        # Email added while it runs; a receiver that does not exist is refused.
        bad = client.put(f"{base}/channels", json={"webhooks": ["ghost"]}, headers=ana.headers)
        assert bad.status_code == 422 and "ghost" in bad.json()["detail"]
        channels = {"webhooks": ["incident-chat"], "emails": ["execs@example.org"]}
        assert client.put(f"{base}/channels", json=channels, headers=ana.headers).status_code == 200
        sent = client.post(
            f"{base}/updates",
            json={"text": "Blocked the scam domain; 40 accounts suspended."},
            headers=ana.headers,
        )
        assert sent.status_code == 201, sent.text
        run_once(runtime)
        updates = [m for m in chat.received if "Blocked the scam domain" in m.get("text", "")]
        assert len(updates) == 1 and key in updates[0]["text"]
        assert updates[0]["blocks"][0]["type"] == "section"
        # The catch-all receiver hears that an incident was declared, but not the update.
        kinds = [m["type"] for m in other.received]
        assert "incident.declared" in kinds and "incident.update" not in kinds
        mail = [m for m in inbox.messages if m["To"] == "execs@example.org"]
        assert len(mail) == 1 and key in mail[0]["Subject"]
        assert "Blocked the scam domain" in mail[0].get_payload(decode=True).decode()  # type: ignore[union-attr]
