"""Roles and what each may do (pure). Every API route names the permission it needs."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ANALYST = "analyst"  # works cases from the queues
    LEAD = "lead"  # shift lead: everything an analyst does, plus reassigning and oversight
    QA = "qa"  # reviews decisions
    LEGAL = "legal"  # legal and regulatory interpretation
    ADMIN = "admin"  # configuration, users, integrations
    VIEWER = "viewer"  # read-only: sees cases, never evidence
    INTAKE = "intake"  # a system that submits reports (detector, form backend, mail gateway)


class Permission(StrEnum):
    REPORTS_CREATE = "reports:create"
    REPORTS_READ = "reports:read"
    CASES_READ = "cases:read"
    CASES_WORK = "cases:work"  # claim, transition
    CASES_DECIDE = "cases:decide"
    CASES_ASSIGN_ANY = "cases:assign_any"  # act on a case someone else holds
    EVIDENCE_READ = "evidence:read"
    QUEUES_READ = "queues:read"
    AUDIT_READ = "audit:read"
    WEBHOOKS_MANAGE = "webhooks:manage"
    USERS_MANAGE = "users:manage"
    PROFILES_MANAGE = "profiles:manage"  # analysts' skills, languages and limits
    HASH_LISTS_READ = "hash_lists:read"  # which lists exist and their sizes, never their hashes
    HASH_LISTS_MANAGE = "hash_lists:manage"  # create, import into, delete
    ONCALL_READ = "oncall:read"  # who is on call, calendar feeds, pages
    ONCALL_MANAGE = "oncall:manage"  # overrides
    PAGES_RESPOND = "pages:respond"  # page on-call, acknowledge, resolve
    LEGAL_HOLDS = "legal_holds:manage"  # see, place and release legal holds on cases
    EXPOSURE_TEAM = "exposure:team"  # see the whole team's exposure to graphic material today
    CONFIG_READ = "config:read"  # the configuration pages: taxonomy, queues, SLAs, rotations, users
    INCIDENTS_READ = "incidents:read"  # incidents, their rooms, timelines and reviews
    # Declare, and work in an incident (notes, tasks, updates).
    INCIDENTS_MANAGE = "incidents:manage"
    QUALITY_REVIEW = "quality:review"  # the QA queue, blind reviews and agreement tables
    QUALITY_MANAGE = "quality:manage"  # adjudicate disagreements, settle disputed feedback
    INSIGHTS_READ = "insights:read"  # trends, spikes, clusters and automation opportunities
    LEGAL_CLOCKS_READ = "legal_clocks:read"  # a case's legal obligations and their clocks
    LEGAL_CLOCKS = "legal_clocks:manage"  # every open legal clock; start them, record their steps
    STATEMENTS_READ = "statements:read"  # DSA statements of reasons, as sent and as refused
    LEGAL_REQUESTS_CREATE = "legal_requests:create"  # file a request from an authority (a portal)
    LEGAL_REQUESTS = "legal_requests:manage"  # read requests' contents, record response packages
    APPEALS_CREATE = "appeals:create"  # lodge a user's appeal (DSA Art. 20) against a decision
    TRANSPARENCY_READ = "transparency:read"  # the DSA transparency report's counts
    NCMEC_PACKET = "ncmec:packet"  # assemble the CyberTipline packet of a case
    PII_READ = "pii:read"  # exports with personal data left in (otherwise it is redacted)
    RETENTION_READ = "retention:read"  # what the retention job deleted or redacted, and when


P = Permission
_READ = {P.CASES_READ, P.QUEUES_READ, P.REPORTS_READ}
_WORK = _READ | {P.CASES_WORK, P.CASES_DECIDE, P.EVIDENCE_READ, P.REPORTS_CREATE}
# Those who work or review cases may see which hash list a match came from; leads keep the lists.
_WORK |= {P.HASH_LISTS_READ}
# Everyone on the floor may see who is on call; those who work cases may page and respond to pages;
# leads (and admins) arrange cover.
_READ |= {P.ONCALL_READ}
_WORK |= {P.ONCALL_READ, P.PAGES_RESPOND}
# Everyone on the floor sees the incidents; an analyst on shift declares one and may command it.
_READ |= {P.INCIDENTS_READ}
_WORK |= {P.INCIDENTS_READ, P.INCIDENTS_MANAGE}
# Those who work a case see the legal clocks it carries; legal and leads keep them.
_WORK |= {P.LEGAL_CLOCKS_READ}
# Users' appeals reach the floor through a system or through an analyst taking them by phone.
_WORK |= {P.APPEALS_CREATE}
# Requests from authorities are read by legal alone: a viewer, an analyst or a lead sees the case
# exists, never what the authority asked for.
_LEGAL = {P.LEGAL_REQUESTS_CREATE, P.LEGAL_REQUESTS, P.TRANSPARENCY_READ, P.NCMEC_PACKET}
_LEGAL |= {P.PII_READ, P.RETENTION_READ}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ANALYST: frozenset(_WORK),
    Role.LEAD: frozenset(
        _WORK
        | {
            P.CASES_ASSIGN_ANY,
            P.AUDIT_READ,
            P.HASH_LISTS_MANAGE,
            P.PROFILES_MANAGE,
            P.ONCALL_MANAGE,
            P.EXPOSURE_TEAM,
            P.QUALITY_REVIEW,
            P.QUALITY_MANAGE,
            P.INSIGHTS_READ,
            P.LEGAL_CLOCKS,
            P.STATEMENTS_READ,
            P.TRANSPARENCY_READ,
            P.NCMEC_PACKET,
        }
    ),
    Role.QA: frozenset(
        _READ
        | {P.EVIDENCE_READ, P.AUDIT_READ, P.HASH_LISTS_READ, P.QUALITY_REVIEW, P.INSIGHTS_READ}
    ),
    Role.LEGAL: frozenset(
        _WORK | _LEGAL | {P.AUDIT_READ, P.LEGAL_HOLDS, P.LEGAL_CLOCKS, P.STATEMENTS_READ}
    ),
    Role.ADMIN: frozenset(set(Permission)),
    Role.VIEWER: frozenset(_READ),
    Role.INTAKE: frozenset({P.REPORTS_CREATE, P.LEGAL_REQUESTS_CREATE, P.APPEALS_CREATE}),
}


def can(role: str, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission``; an unknown role holds nothing."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False


def roles_with(permission: Permission) -> list[str]:
    return [r.value for r, grants in GRANTS.items() if permission in grants]
