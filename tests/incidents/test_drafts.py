"""Drafts of stakeholder updates and review summaries: the template, and a model on a real local
chat-completions server, falling back to the template on any failure (no database)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.incidents.test_review_docs import DECLARED, detail, entry, review_of
from tests.llm_server import ChatServer, chat_server
from watchfloor.incidents import drafts
from watchfloor.incidents.config import TEMPLATE_FIELDS, IncidentConfig
from watchfloor.settings import Settings

NOW = DECLARED + timedelta(hours=1)  # 10:05 UTC on the day of the incident
EVERY_FIELD = " ".join(f"{name}={{{name}}}" for name in sorted(TEMPLATE_FIELDS))
ROLES = ("commander", "scribe", "legal", "communications")


def config(**templates: str) -> IncidentConfig:
    sev = {"meaning": "m", "required_roles": ["commander"], "page_severity": "P1"}
    return IncidentConfig.model_validate(
        {
            "version": 1,
            "roles": {name: {"title": name.title()} for name in ROLES},
            "severities": {
                s: sev | {"update_every": "1h"} for s in ("SEV1", "SEV2", "SEV3", "SEV4")
            },
            "update_templates": {"default": "{key} is {status}. Next by {next_update}."}
            | templates,
        }
    )


def live(server: ChatServer, **fields: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "llm_enabled": True,
        "llm_base_url": server.base_url,
        "llm_model": "m",
        "llm_api_key": "sk-test",
        # Generous, so a loaded machine never turns a good answer into a timeout.
        "llm_timeout_seconds": 30.0,
    }
    return Settings(**(values | fields))


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with chat_server() as s:
        yield s


def sent(server: ChatServer) -> tuple[str, str]:
    """(system, user) of the one request the server got."""
    [request] = server.requests
    system, user = request["json"]["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    return system["content"], user["content"]


def test_facts_give_every_placeholder_and_each_roles_holder() -> None:
    facts = drafts.update_facts(
        detail(next_update_due_at=DECLARED + timedelta(hours=1, minutes=30)),
        since_last="Accounts suspended.",
        now=NOW,
    )
    assert set(TEMPLATE_FIELDS) <= set(facts)
    assert facts["commander"] == "alice" and facts["communications"] == "dave"
    assert facts["legal"] == "unassigned"
    assert facts["next_update"] == "10:35 UTC"
    assert facts["cases"] == "12" and facts["open_cases"] == "2"
    assert facts["tasks_overdue"] == "1" and facts["since_last"] == "Accounts suspended."


def test_times_on_another_day_carry_their_date() -> None:
    tomorrow = drafts.update_facts(
        detail(next_update_due_at=datetime(2024, 5, 4, 9, 0, tzinfo=UTC)), since_last="", now=NOW
    )
    assert tomorrow["next_update"] == "04 May 09:00 UTC"
    assert tomorrow["since_last"] == "no change"
    resolved = drafts.update_facts(detail(next_update_due_at=None), since_last="x", now=NOW)
    assert resolved["next_update"].startswith("none due")


def test_the_severitys_template_is_filled_with_every_placeholder() -> None:
    cfg = config(SEV1=EVERY_FIELD + " legal={legal} scribe={scribe} comms={communications}")
    out = drafts.template_update(cfg, detail(), since_last="Police called.", now=NOW)
    assert out.draft is True and out.source == "template" and out.note is None
    assert "{" not in out.text and "}" not in out.text
    assert "key=INC-0042 " in out.text and "title=Threats against Springfield High" in out.text
    assert "since_last=Police called." in out.text
    # A role the incident does not list at all is unassigned too.
    assert "legal=unassigned scribe=unassigned comms=dave" in out.text


def test_a_severity_without_its_own_template_uses_the_default() -> None:
    out = drafts.template_update(
        config(SEV1="not this"), detail(severity="SEV2"), since_last="", now=NOW
    )
    assert out.text == "INC-0042 is resolved. Next by none due (no update is owed now)."


def test_a_template_that_cannot_be_filled_still_gives_a_draft_saying_why() -> None:
    out = drafts.template_update(config(SEV1="{key} {}"), detail(), since_last="s", now=NOW)
    assert out.source == "template" and "{" not in out.text
    assert out.text.startswith("INC-0042 (SEV1) Threats against Springfield High is resolved.")
    assert out.note is not None and "update_templates.SEV1 could not be filled" in out.note


def test_template_summary_tells_what_happened_from_the_data() -> None:
    out = drafts.template_summary(review_of())
    assert out.draft and out.source == "template"
    text = out.text
    assert text.startswith(
        "INC-0042 (SEV1), Threats against Springfield High, was declared on 03 May 2024 at "
        "09:05 UTC by alice, 15m after the harm was detected; it is resolved."
    )
    assert "12 cases (2 still open) from 41 reports about 3 subjects, made by 37 people." in text
    assert "It was mitigated 50m and resolved 3h 20m after it was declared." in text
    assert "09:15 UTC contact with Springfield Police: Called the local police" in text
    assert "09:50 UTC decision (18 U.S.C. 2703(f)): Preserve the accounts' data" in text
    assert "; 10:05 UTC Case decided. 3 action items came out of it (3 open)." in text
    assert "review.;" not in text


def test_template_summary_of_a_young_incident() -> None:
    young = detail(
        status="active",
        mitigated_at=None,
        resolved_at=None,
        metrics={
            "time_to_declare_seconds": 60,
            "time_to_mitigate_seconds": None,
            "time_to_resolve_seconds": None,
            "time_to_close_seconds": None,
        },
        impact={"cases": 1, "open_cases": 1, "reports": 1, "subjects": 1, "users_affected": 1},
    )
    text = drafts.template_summary(review_of(young, key_timeline=[], action_items=[])).text
    assert "1 case (1 still open) from 1 report about 1 subject, made by 1 person." in text
    assert "It has not been mitigated or resolved yet." in text
    assert "No timeline entries were flagged as key." in text
    many = [entry(n, n, f"Step {n}.") for n in range(12)]
    assert (
        "Step 7; and 4 more key entries."
        in drafts.template_summary(review_of(key_timeline=many)).text
    )


def test_the_model_drafts_the_update_from_the_facts_and_newest_entries(
    server: ChatServer,
) -> None:
    server.answer("  INC-0042: the threat is contained. Next update at 10:35 UTC.\n")
    timeline = [entry(n, n * 5, f"Entry number {n}.") for n in range(1, 4)]
    out = drafts.llm_update(
        live(server),
        config(),
        detail(next_update_due_at=DECLARED + timedelta(hours=1, minutes=30)),
        timeline,
        since_last="Accounts suspended.",
        now=NOW,
    )
    assert out.draft is True and out.source == "llm" and out.model == server.model
    assert out.text == "INC-0042: the threat is contained. Next update at 10:35 UTC."
    assert out.note is None
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer sk-test"
    assert request["json"]["model"] == "m" and "response_format" not in request["json"]
    system, user = sent(server)
    assert "draft" in system and "never invent" in system
    for fact in (
        "INC-0042",
        "Threats against Springfield High",
        "Accounts suspended.",
        "communications: dave",
        "legal: unassigned",
        "next_update: 10:35 UTC",
        "open_cases: 2",
    ):
        assert fact in user
    # Newest first, with the marker the system message names.
    assert user.index("Entry number 3.") < user.index("Entry number 1.")
    nonce = user.split(">>>", 1)[0].removeprefix("<<<DATA ")
    assert f"<<<END DATA {nonce}>>>" in user and f"<<<DATA {nonce}>>>" in system


def test_the_prompt_keeps_to_the_input_limit_dropping_the_oldest_entries(
    server: ChatServer,
) -> None:
    server.answer("Draft.")
    timeline = [entry(n, n, f"Entry {n:03d} " + "x" * 300) for n in range(60)]
    out = drafts.llm_update(
        live(server, llm_max_input_chars=3000),
        config(),
        detail(),
        timeline,
        since_last="s",
        now=NOW,
    )
    assert out.source == "llm"
    _, user = sent(server)
    assert len(user) <= 3000
    assert "INC-0042" in user and "Entry 059" in user and "Entry 000" not in user


def test_at_the_smallest_limit_the_facts_are_cut_not_the_limit(server: ChatServer) -> None:
    server.answer("Draft.")
    drafts.llm_update(
        live(server, llm_max_input_chars=500),
        config(),
        detail(title="T" * 200),
        [entry(1, 1, "y" * 5000)],
        since_last="z" * 5000,
        now=NOW,
    )
    _, user = sent(server)
    assert len(user) <= 500 and "INC-0042" in user and "yyy" not in user


def test_off_means_the_template_and_no_request(server: ChatServer) -> None:
    off = live(server).model_copy(update={"llm_enabled": False})
    out = drafts.llm_update(off, config(), detail(), [], since_last="", now=NOW)
    assert out.source == "template" and out.model is None
    assert out.note == "LLM assistance is off; this is the template draft"
    assert out.text == "INC-0042 is resolved. Next by none due (no update is owed now)."
    assert drafts.llm_summary(off, review_of()).note == out.note
    assert server.requests == []


def test_a_slow_model_gives_the_template_draft_saying_it_timed_out(server: ChatServer) -> None:
    server.delay = 5.0
    out = drafts.llm_update(
        live(server, llm_timeout_seconds=0.5), config(), detail(), [], since_last="", now=NOW
    )
    assert out.source == "template" and out.model is None
    assert out.note == "LLM timed out after 0.5s; this is the template draft"
    assert "{" not in out.text and out.text.startswith("INC-0042 is resolved.")


@pytest.mark.parametrize(
    ("setup", "note"),
    [
        ({"status": 503}, "LLM server answered HTTP 503: model overloaded; this is the template"),
        ({"content": "   "}, "LLM answer was empty; this is the template draft"),
        ({"raw_body": b"<html>gateway</html>"}, "LLM server's response was not a chat completion"),
    ],
)
def test_a_failing_model_gives_the_template_draft_saying_why(
    server: ChatServer, setup: dict[str, Any], note: str
) -> None:
    for name, value in setup.items():
        setattr(server, name, value)
    update = drafts.llm_update(live(server), config(), detail(), [], since_last="", now=NOW)
    summary = drafts.llm_summary(live(server), review_of())
    for out in (update, summary):
        assert out.source == "template" and out.draft and out.model is None
        assert out.note is not None and out.note.startswith(note)
    assert summary.text == drafts.template_summary(review_of()).text


def test_an_unreachable_server_gives_the_template_draft() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free, and nobody listens once it is closed
    settings = Settings(
        environment="test",
        llm_enabled=True,
        llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_model="m",
    )
    out = drafts.llm_summary(settings, review_of())
    assert out.source == "template"
    assert out.note is not None and out.note.startswith("LLM server unreachable")


def test_the_model_drafts_the_review_summary_from_its_facts_and_key_timeline(
    server: ChatServer,
) -> None:
    server.answer("A credible threat against a school was contained within an hour.")
    out = drafts.llm_summary(live(server), review_of())
    assert out.source == "llm" and out.model == server.model and out.draft
    assert out.text == "A credible threat against a school was contained within an hour."
    system, user = sent(server)
    assert "post-incident review" in system and "never invent" in system
    for fact in (
        "INC-0042 (SEV1): Threats against Springfield High",
        "users_affected: 37",
        "time_to_resolve: 3h 20m",
        "Add legal to the SEV1 rotation",
        "(party: Springfield Police)",
        "(basis: 18 U.S.C. 2703(f))",
    ):
        assert fact in user
    assert user.index("Accounts suspended") < user.index("Called the local police")


def test_a_runaway_answer_is_cut_to_what_an_update_may_hold(server: ChatServer) -> None:
    server.answer("w" * (drafts.MAX_DRAFT_CHARS + 500))
    out = drafts.llm_summary(live(server), review_of())
    assert out.source == "llm" and len(out.text) == drafts.MAX_DRAFT_CHARS
    assert out.note == f"The model's draft was cut to {drafts.MAX_DRAFT_CHARS} characters"
