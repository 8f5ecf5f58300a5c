"""The console's insights page, on both databases: an emerging campaign with links to its cases,
and the plain-language empty states."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.insights.test_insights_api import LURE, send
from tests.web.console_client import PASSWORD, sign_in
from watchfloor.clock import SettableClock


def test_the_page_shows_a_campaign_with_links_to_its_cases(
    client: TestClient, make_user: Callable[..., Person], clock: SettableClock
) -> None:
    intake = make_user("intake")
    make_user("qa", "quinn", PASSWORD)
    cases = set()
    for i in range(6):
        clock.advance(timedelta(minutes=15))
        answer = send(
            client,
            intake,
            i + 1,
            text=LURE.format(fee=f"${3 + i}.49"),
            subject={"kind": "account", "id": f"sender-{i}"},
        )
        cases.add(str(answer["case"]))
    sign_in(client, "quinn")

    page = client.get("/insights")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<a href="/insights" aria-current="page">Insights</a>' in html
    for heading in ("Volume spikes", "Emerging clusters", "Automation opportunities"):
        assert f">{heading}</h2>" in html
    # Too little history to compare with, and no decisions yet: said so, not an empty table.
    assert "No spike" in html and "No policy was decided the same way" in html
    assert "6 similar reports in 48 h" in html and "depot" in html
    linked = set(re.findall(r'<a href="/cases/(CASE-\d+)">', html))
    assert linked and linked <= cases
    assert '<th scope="col">Example cases</th>' in html and '<th scope="row">' in html
    assert LURE[:40] not in html  # words, never the reports' text


def test_without_the_right_there_is_no_link(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    make_user("analyst", "ana", PASSWORD)
    sign_in(client, "ana")
    assert 'href="/insights"' not in client.get("/floor").text
    assert client.get("/insights").status_code == 403
