"""`watchfloor incident report` and `incident list`, run as a user runs them, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report


def test_the_review_prints_as_markdown_and_html_and_bad_keys_say_so(
    client: TestClient, db_url: str, make_user: Callable[..., Person], tmp_path: Path
) -> None:
    intake, ana = make_user("intake"), make_user("analyst", "emea.ana")
    case = client.post(
        "/api/v1/reports",
        json=report(1, text="Leak: a dump of our users' emails and passwords is being sold"),
        headers=intake.headers,
    ).json()["case"]
    r = client.post(
        "/api/v1/incidents",
        json={"severity": "SEV2", "title": "User data leak", "cases": [case]},
        headers=ana.headers,
    )
    key = r.json()["incident"]["key"]
    base = f"/api/v1/incidents/{key}"
    entry = {"kind": "contact", "text": "Notified the DPC", "party": "Irish DPC", "key": True}
    assert client.post(f"{base}/timeline", json=entry, headers=ana.headers).status_code == 201
    review = {"went_well": "Declared within minutes", "went_badly": "No runbook for leaks"}
    assert client.patch(f"{base}/review", json=review, headers=ana.headers).status_code == 200
    item = {"title": "Write a data-leak runbook", "owner": "emea.ana", "action_item": True}
    assert client.post(f"{base}/tasks", json=item, headers=ana.headers).status_code == 201

    md = run_cli(db_url, "incident", "report", key)
    assert md.returncode == 0, md.stderr
    for text in (
        key,
        "User data leak",
        "Notified the DPC",
        "Irish DPC",
        "Declared within minutes",
        "No runbook for leaks",
        "Write a data-leak runbook",
    ):
        assert text in md.stdout, text
    out = tmp_path / "review.html"
    html = run_cli(db_url, "incident", "report", key, "--format", "html", "--out", str(out))
    assert html.returncode == 0, html.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert "Write a data-leak runbook" in page

    listed = run_cli(db_url, "incident", "list")
    assert listed.returncode == 0 and key in listed.stdout and "SEV2" in listed.stdout

    for bad in ("INC-0999", "CASE-000001"):
        missing = run_cli(db_url, "incident", "report", bad)
        assert missing.returncode == 1
        assert missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr
        assert len(missing.stderr.strip().splitlines()) == 1
    nowhere = run_cli(db_url, "incident", "report", key, "--out", str(tmp_path / "no" / "x.md"))
    assert nowhere.returncode == 1 and "cannot write" in nowhere.stderr
