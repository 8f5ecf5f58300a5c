"""The background worker (``watchfloor worker``): named jobs run in a loop, outside web processes."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from watchfloor import logs
from watchfloor.audit import service as audit
from watchfloor.auth import login_sessions
from watchfloor.compliance.clocks import service as legal_clocks
from watchfloor.compliance.requests import mail as legal_inbox
from watchfloor.compliance.retention import service as retention
from watchfloor.compliance.statements import service as statements
from watchfloor.compliance.triggers import service as legal_triggers
from watchfloor.db import session_scope
from watchfloor.incidents import updates as incident_updates
from watchfloor.insights import rollup as insights_rollup
from watchfloor.intake import backlog
from watchfloor.notify.delivery import deliver_due
from watchfloor.notify.email import send_due_emails
from watchfloor.oncall.coverage_gaps import page_gaps
from watchfloor.oncall.paging import advance_due
from watchfloor.quality import golden
from watchfloor.quality import service as quality
from watchfloor.runtime import Runtime
from watchfloor.sla import flows as sla_flows
from watchfloor.triage.linking import similar
from watchfloor.triage.second_look.job import SecondLookJob

log = logging.getLogger("watchfloor.worker")


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[Runtime], int]  # returns how much work it did; 0 means idle


JOBS: list[Job] = [
    Job(
        "triage-backlog",
        "Triage reports accepted with Prefer: respond-async and put them on their cases.",
        lambda rt: backlog.triage_waiting(
            rt.sessions,
            rt.clock,
            config=rt.config,
            link_window=rt.settings.link_window,
        ),
    ),
    Job(
        "second-look",
        "Read again, with the second-stage model, reports the first stage was unsure about; make "
        "their cases more urgent when it places them more urgently (WATCHFLOOR_SECOND_LOOK).",
        SecondLookJob(),
    ),
    Job(
        "deliver-webhooks",
        "Send due outbox events to webhook endpoints, with retries and backoff.",
        lambda rt: deliver_due(rt.sessions, rt.clock, rt.settings),
    ),
    Job(
        "advance-pages",
        "Escalate pages nobody acknowledged in time to the next level of their policy.",
        lambda rt: advance_due(rt.sessions, rt.clock, rt.pager),
    ),
    Job(
        "send-email",
        "Send queued email (pages) over SMTP, with retries and backoff.",
        lambda rt: send_due_emails(rt.sessions, rt.clock, rt.settings),
    ),
    Job(
        "index-texts",
        "Give new reports' text its near-duplicate signature, so campaigns can be found.",
        lambda rt: similar.index_pending(rt.sessions, rt.clock),
    ),
    Job(
        "sla-sweep",
        "Record SLA warnings and breaches; mark breached cases escalated, notify the lead, page "
        "on-call for P0/P1.",
        lambda rt: sla_flows.sweep_once(rt.sessions, rt.clock, rt.pager, sla=rt.config.sla),
    ),
    Job(
        "legal-clocks",
        "Record legal obligations' warnings and breaches (config/obligations.yaml), each once, "
        "with an outbox event; holds and windows that ran out are marked expired.",
        lambda rt: legal_clocks.sweep_once(rt.sessions, rt.clock, rt.config.obligations),
    ),
    Job(
        "legal-inbox",
        "Take in legal request mails from WATCHFLOOR_LEGAL_INBOX_MAILDIR and/or the IMAP mailbox "
        "(WATCHFLOOR_LEGAL_INBOX_IMAP_*); a mail whose form cannot be read becomes a request "
        "that needs classification. Does nothing when no inbox is configured.",
        legal_inbox.run,
    ),
    Job(
        "legal-triggers",
        "About once a minute, start the obligations new reports and decisions attract (a DSA "
        "notice, a restriction, apparent CSAM, a threat to life...), once per case, and carry out "
        "follow-ups left waiting (priority, incident).",
        lambda rt: legal_triggers.run(rt.sessions, rt.clock, legal_triggers.inputs_of(rt.config)),
    ),
    Job(
        "statements-of-reasons",
        "Build the DSA statement of reasons of each new restricting decision, check it against the "
        "Transparency Database's rules, and send those that pass in batches (with the token named "
        "in config/transparency.yaml; without it they wait).",
        lambda rt: statements.work(
            rt.sessions,
            rt.clock,
            mapping=rt.config.transparency,
            token=os.environ.get(rt.config.transparency.database.token_env),
        ),
    ),
    Job(
        "retention",
        "Once a day, delete or redact what is past its period in config/retention.yaml, on "
        "resolved cases not under legal hold; logs counts per data type (never the content).",
        lambda rt: retention.run(rt.sessions, rt.clock, rt.config.retention),
    ),
    Job(
        "coverage-gaps",
        "Page the lead on shift, once per case, about each waiting P0/P1 case whose skill or "
        "language nobody on shift has, before its first action is due (escalation.yaml coverage).",
        lambda rt: page_gaps(rt.sessions, rt.clock, rt.pager),
    ),
    Job(
        "incident-updates",
        "Remind an incident's commander, once per missed update, when its stakeholder update is "
        "overdue by its severity's cadence (config/incidents.yaml update_every).",
        lambda rt: incident_updates.remind_overdue(rt.sessions, rt.clock, rt.config.oncall),
    ),
    Job(
        "qa-sample",
        "Weigh each new decision once against config/quality.yaml's sampling rules and put those "
        "picked in the QA queue, with the reasons.",
        lambda rt: quality.sample_new(rt.sessions, rt.clock, rt.config.quality),
    ),
    Job(
        "qa-golden",
        "Open copies of golden cases in their queues, unannounced (config/quality.yaml golden), "
        "to score whoever decides them against the agreed verdict.",
        lambda rt: golden.inject(
            rt.sessions,
            rt.clock,
            rt.config.quality.golden,
            taxonomy=rt.config.taxonomy,
            sla=rt.config.sla,
        ),
    ),
    Job(
        "insights-rollup",
        "Count cases changed and QA verdicts given since the last run into the metrics' summary "
        "tables (at most once a minute); the metrics page says how fresh they are.",
        lambda rt: insights_rollup.run(rt.sessions, rt.clock),
    ),
    Job(
        "audit-checkpoint",
        "Append a signed checkpoint of every audit chain's head to WATCHFLOOR_AUDIT_CHECKPOINT_FILE "
        "every WATCHFLOOR_AUDIT_CHECKPOINT_MINUTES.",
        lambda rt: audit.checkpoint_due(
            rt.engine,
            rt.clock,
            path=rt.settings.audit_checkpoint_file,
            every=timedelta(minutes=rt.settings.audit_checkpoint_minutes),
            key=rt.settings.audit_seal_key,
        ),
    ),
    Job(
        "purge-sessions",
        "Delete console sign-ins that expired or went idle (their cookies already stopped working).",
        lambda rt: _purge_sessions(rt),
    ),
]


def _purge_sessions(runtime: Runtime) -> int:
    with session_scope(runtime.sessions) as session:
        return login_sessions.purge_expired(session, runtime.clock)


def run_once(runtime: Runtime) -> int:
    """Run every job once; how much work was done in total."""
    done = 0
    for job in JOBS:
        try:
            # Every line a job logs names the job, beside the case or page it is about.
            with logs.bind(job=job.name):
                done += job.run(runtime)
        except Exception:  # a failing job must not stop the others; it is retried next round
            log.exception("job %s failed", job.name)
    return done


def run_forever(runtime: Runtime, stop: threading.Event | None = None) -> None:
    """Loop until SIGTERM/SIGINT (or ``stop``); sleeps only when a round found nothing to do."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    log.info("worker started: %s", ", ".join(j.name for j in JOBS))
    while not stop.is_set():
        if run_once(runtime) == 0:
            stop.wait(runtime.settings.worker_poll_seconds)
    log.info("worker stopped")
