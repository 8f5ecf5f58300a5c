"""The names config/obligations.yaml may use: jurisdictions, starting events, audiences,
request types, pause reasons and follow-up actions. One vocabulary each; obligations.py checks
the file against them."""

from __future__ import annotations

from typing import Literal, get_args

from watchfloor.intake.schemas import ReporterKind

# The names the YAML may use, one vocabulary each (kept compact: one name per line says less).
# fmt: off
JurisdictionName = Literal["EU", "US", "UK"]
StartEventName = Literal[
    "notice_received", "decision_made", "decision_notified", "restriction_applied",
    "appeal_received", "threat_to_life_suspected", "request_received", "breach_aware",
    "csam_apparent", "cybertip_reported", "preservation_requested", "emergency_request_received",
    "legal_process_served", "ncii_removal_requested", "production_order_received",
    "preservation_order_received", "order_received",
]
AudienceName = Literal[
    "notifier", "affected_user", "complainant", "requester", "authority",
    "supervisory_authority", "ncmec", "commission_database",
]
RequestTypeName = Literal[
    "dsa_notice", "gdpr_access", "gdpr_erasure", "gdpr_rectification", "gdpr_restriction",
    "gdpr_portability", "gdpr_objection", "us_preservation", "us_emergency_disclosure",
    "us_subpoena", "us_court_order", "us_warrant", "ncii_removal", "eu_epoc",
    "eu_epoc_emergency", "eu_epoc_pr", "dsa_9_order", "dsa_10_order",
]
# fmt: on
PauseReasonName = Literal["awaiting_requester_identity"]
FollowUpAction = Literal["open_incident", "start_obligation", "remove_hash_matches", "legal_hold"]
Kind = Literal["deadline", "hold", "window"]

JURISDICTIONS: tuple[str, ...] = get_args(JurisdictionName)
START_EVENTS: tuple[str, ...] = get_args(StartEventName)
AUDIENCES: tuple[str, ...] = get_args(AudienceName)
REQUEST_TYPES: tuple[str, ...] = get_args(RequestTypeName)
PAUSE_REASONS: tuple[str, ...] = get_args(PauseReasonName)
REPORTER_KINDS: tuple[str, ...] = get_args(ReporterKind)
