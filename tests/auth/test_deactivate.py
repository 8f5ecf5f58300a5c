"""Deactivating someone stops everything they hold at once: API tokens, console sessions and the
signed links in their pages and calendar feeds. Audited; the last admin stays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.web.console_client import PASSWORD, sign_in
from watchfloor.app import create_app
from watchfloor.clock import SettableClock
from watchfloor.oncall import links
from watchfloor.runtime import Runtime


def test_a_deactivated_users_tokens_sessions_and_links_stop_at_once(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    admin, lead = make_user("admin"), make_user("lead")
    ana = make_user("analyst", username="ana", password=PASSWORD)
    page = client.post("/api/v1/pages", json={"summary": "P0 waiting"}, headers=lead.headers)
    page_id = page.json()["id"]
    ack = links.sign(
        runtime.settings.secret_key,
        purpose="page-ack",
        subject=str(page_id),
        who="ana",
        expires=clock.now() + timedelta(hours=24),
    )
    feed = client.post("/api/v1/oncall/safety-primary/feed", headers=ana.headers).json()["url"]
    feed_path = feed.split("127.0.0.1:8000", 1)[1]
    with TestClient(create_app(runtime), raise_server_exceptions=False) as console:
        sign_in(console, "ana")
        assert console.get("/floor").status_code == 200
        assert client.get(f"/api/v1/pages/{page_id}/ack?token={ack}").status_code == 200
        assert client.get(feed_path).status_code == 200

        r = client.post("/api/v1/users/ana/deactivate", headers=admin.headers)
        assert r.status_code == 200 and r.json()["is_active"] is False

        assert client.get("/api/v1/auth/me", headers=ana.headers).status_code == 401
        gone = console.get("/floor", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
        refused = client.post(f"/api/v1/pages/{page_id}/ack?token={ack}")
        assert refused.status_code == 403 and "ana is no longer active" in refused.json()["detail"]
        assert client.get(f"/api/v1/pages/{page_id}/ack?token={ack}").status_code == 403
        assert client.get(feed_path).status_code == 403
        page_now = client.get(f"/api/v1/pages/{page_id}", headers=lead.headers).json()
        assert page_now["state"] != "acknowledged"
        signin = client.post("/api/v1/auth/token", json={"username": "ana", "password": PASSWORD})
        assert signin.status_code == 401

    trail = client.get("/api/v1/audit?object_id=ana", headers=admin.headers).json()
    event = next(e for e in trail if e["action"] == "user.deactivated")
    assert event["actor"] == f"user:{admin.username}"
    assert event["after"]["tokens_revoked"] == 1 and event["after"]["sessions_ended"] == 1

    r = client.post("/api/v1/users/ana/reactivate", headers=admin.headers)
    assert r.status_code == 200 and r.json()["is_active"] is True
    fresh = client.post("/api/v1/auth/token", json={"username": "ana", "password": PASSWORD})
    assert fresh.status_code == 201
    # The old token stays revoked: reactivating gives back the account, not what leaked.
    assert client.get("/api/v1/auth/me", headers=ana.headers).status_code == 401
    assert client.post(f"/api/v1/pages/{page_id}/ack?token={ack}").status_code == 200
    trail = client.get("/api/v1/audit?object_id=ana", headers=admin.headers).json()
    assert "user.reactivated" in [e["action"] for e in trail]
    assert client.post("/api/v1/users/nobody/deactivate", headers=admin.headers).status_code == 404


def test_the_last_active_admin_cannot_be_deactivated(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    root = make_user("admin", username="root")
    r = client.post("/api/v1/users/root/deactivate", headers=root.headers)
    assert r.status_code == 409
    assert "root is the last active admin" in r.json()["detail"]
    assert client.get("/api/v1/auth/me", headers=root.headers).status_code == 200
    second = make_user("admin", username="second")
    assert client.post("/api/v1/users/root/deactivate", headers=root.headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=root.headers).status_code == 401
    r = client.post("/api/v1/users/second/deactivate", headers=second.headers)
    assert r.status_code == 409


def test_the_cli_deactivates_and_reactivates(
    db_url: str, client: TestClient, make_user: Callable[..., Person]
) -> None:
    ana = make_user("analyst", username="ana")
    done = run_cli(db_url, "users", "deactivate", "ANA")
    assert done.returncode == 0 and done.stdout.strip() == "ana is deactivated", done.stderr
    assert client.get("/api/v1/auth/me", headers=ana.headers).status_code == 401
    again = run_cli(db_url, "users", "deactivate", "ana")
    assert again.stdout.strip() == "ana was already deactivated"
    back = run_cli(db_url, "users", "reactivate", "ana")
    assert back.returncode == 0 and back.stdout.strip() == "ana is active"
    missing = run_cli(db_url, "users", "deactivate", "ghost")
    assert missing.returncode == 1 and missing.stderr.strip() == "error: no user named 'ghost'"
    make_user("admin", username="root")
    last = run_cli(db_url, "users", "deactivate", "root")
    assert last.returncode == 1 and "root is the last active admin" in last.stderr
    assert "Traceback" not in last.stderr
