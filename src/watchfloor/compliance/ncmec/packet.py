"""The CyberTipline packet, assembled from plain data (pure: no database, no clock).

The sections the CyberTipline report form asks for carry NCMEC's own field names (its reporting
API documentation, report.cybertip.org/ispws/documentation: ``incidentSummary``,
``personOrUserReported``, file details with ``originalFileHash``, ``fileViewedByEsp``,
``publiclyAvailable``, ``ipCaptureEvent``; ``reporter``), so the person filing copies value to
field. Watchfloor's own sections (the case, decisions, timeline, checklist) use its snake_case.

What never goes in: evidence bytes or text, images, ``data:`` URLs anywhere, and the text of a
report whose evidence is marked graphic (a summary of what was withheld stands in its place).
The packet is for filing a report about the content, not for passing the content around.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FORMAT = "watchfloor.cybertip-packet"
VERSION = 1
CHILD_SAFETY = "child_safety"
REPORT_ACTION = "report_to_ncmec"
# NCMEC's incident types (the report's incidentSummary.incidentType values) for the taxonomy's
# child-safety policies; a policy not listed leaves the type to the filer (on the checklist).
INCIDENT_TYPES = {
    "CS-CSEM": "Child Pornography (possession, manufacture, and distribution)",
    "CS-GROOMING": "Online Enticement of Children for Sexual Act",
}
# Keys of a report's source metadata that describe the upload or the people, and nothing of the
# content; any other key (a source may send anything) stays out of the packet.
UPLOAD_KEYS = ("uploaded_at", "upload_ip", "upload_ip_at", "upload_port", "publicly_available")
REPORTER_KEYS = ("reporter_email", "reporter_phone", "reporter_name")
PERSON_KEYS = ("screen_name", "profile_url", "esp_service")
_MAX_VALUE = 300
# A data: URL carries content inline (an image, a file): never copied, wherever it appears.
_DATA_URL = re.compile(r"\bdata:[^\s\"'<>)]*", re.IGNORECASE)
DATA_URL_REMOVED = "[inline data URL removed]"


@dataclass(frozen=True)
class FileFact:
    """One evidence item as stored: its description and hashes, never its bytes or text."""

    evidence_id: int
    report_id: int
    kind: str  # file | text
    filename: str | None
    media_type: str | None
    size: int
    sha256: str
    md5: str
    sensitivity: str
    matches: tuple[str, ...] = ()  # hash lists it matches, one line each
    revealed: tuple[tuple[datetime, str], ...] = ()  # (when, who) it was revealed in Watchfloor


@dataclass(frozen=True)
class ReportFact:
    id: int
    source: str
    external_id: str
    received_at: datetime
    reported_at: datetime
    reporter_kind: str
    reporter_id: str | None
    text: str
    category: str | None
    hash_reasons: tuple[str, ...] = ()  # triage's hash-match reasons (they name lists only)
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionFact:
    at: datetime
    policy_id: str
    violation: bool
    actions: tuple[str, ...]


@dataclass(frozen=True)
class CaseData:
    """Everything the packet is made from, gathered by service.gather."""

    key: str
    harm_area: str
    priority: str
    status: str
    created_at: datetime
    summary: str
    subject_kind: str
    subject_id: str
    subject_name: str | None
    identifiers: tuple[tuple[str, str], ...]
    reports: tuple[ReportFact, ...]
    files: tuple[FileFact, ...]
    decisions: tuple[DecisionFact, ...]
    latest_rationale: str | None
    decided_by: str | None
    timeline: tuple[tuple[datetime, str, str], ...]  # (when, who, what), oldest first


def reasons_to_report(data: CaseData, *, child_policies: frozenset[str]) -> list[str]:
    """Why the case shows apparent child sexual exploitation; empty when it does not."""
    why = []
    if data.harm_area == CHILD_SAFETY:
        why.append(f"harm area {CHILD_SAFETY}")
    for d in data.decisions:
        if d.violation and d.policy_id in child_policies:
            why.append(f"decided a violation of {d.policy_id}")
        if REPORT_ACTION in d.actions:
            why.append(f"a decision ordered {REPORT_ACTION}")
    return list(dict.fromkeys(why))


def scrub(text: str | None) -> str | None:
    """``text`` with every data: URL taken out."""
    return None if text is None else _DATA_URL.sub(DATA_URL_REMOVED, text)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _plain(meta: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The listed keys of ``meta`` that hold a short scalar (a string loses any data: URL)."""
    out: dict[str, Any] = {}
    for k in keys:
        v = meta.get(k)
        if isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) <= _MAX_VALUE):
            out[k] = scrub(v) if isinstance(v, str) else v
    return out


def _graphic_reports(data: CaseData) -> set[int]:
    return {f.report_id for f in data.files if f.sensitivity == "graphic"}


def _report(r: ReportFact, *, graphic: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "report_id": r.id,
        "source": r.source,
        "external_id": r.external_id,
        "received_at": _iso(r.received_at),
        "reported_at": _iso(r.reported_at),
        "reporter": {"kind": r.reporter_kind, "id": r.reporter_id}
        | _plain(r.metadata, REPORTER_KEYS),
        "category": r.category,
    }
    if graphic:
        out["text"] = None
        out["text_withheld"] = (
            f"evidence marked graphic: the report's text ({len(r.text)} characters) is not "
            "copied; read it in Watchfloor if the filing needs it"
        )
    else:
        out["text"] = scrub(r.text)
    out["hash_match_reasons"] = list(r.hash_reasons)
    return out


def _person(data: CaseData, uploads: list[dict[str, Any]]) -> dict[str, Any]:
    by_kind: dict[str, list[str]] = {}
    for kind, value in data.identifiers:
        by_kind.setdefault(kind, []).append(value)
    extra = {k: v for r in data.reports for k, v in _plain(r.metadata, PERSON_KEYS).items()}
    known = {"email", "phone", "ip", "device_id", "screen_name", "username"}
    captures = [
        {"ipAddress": ip, "eventName": "Unknown", "dateTime": None} for ip in by_kind.get("ip", [])
    ]
    captures += [
        {
            "ipAddress": u["upload_ip"],
            "eventName": "Upload",
            "dateTime": u.get("upload_ip_at") or u.get("uploaded_at"),
        }
        for u in uploads
        if u.get("upload_ip")
    ]
    return {
        "espIdentifier": data.subject_id if data.subject_kind == "account" else None,
        "espService": extra.get("esp_service"),
        "screenName": extra.get("screen_name")
        or next(iter(by_kind.get("screen_name", []) + by_kind.get("username", [])), None),
        "displayName": [data.subject_name] if data.subject_name else [],
        "profileUrl": [extra["profile_url"]] if extra.get("profile_url") else [],
        "email": by_kind.get("email", []),
        "phone": by_kind.get("phone", []),
        "ipCaptureEvent": captures,
        "deviceId": by_kind.get("device_id", []),
        "additionalInfo": [f"{k}: {v}" for k, v in data.identifiers if k not in known]
        + ([] if data.subject_kind == "account" else [f"{data.subject_kind}: {data.subject_id}"]),
    }


def _file(f: FileFact, upload: Mapping[str, Any]) -> dict[str, Any]:
    hashes = [{"hashType": "MD5", "value": f.md5}, {"hashType": "SHA256", "value": f.sha256}]
    return {
        "evidence_id": f.evidence_id,
        "report_id": f.report_id,
        "kind": f.kind,
        "originalFileName": scrub(f.filename),
        "media_type": f.media_type,
        "size_bytes": f.size,
        "sensitivity": f.sensitivity,
        "originalFileHash": hashes,
        "hash_list_matches": list(f.matches),
        "uploaded_at": upload.get("uploaded_at"),
        "ipCaptureEvent": {
            "ipAddress": upload["upload_ip"],
            "eventName": "Upload",
            "dateTime": upload.get("upload_ip_at") or upload.get("uploaded_at"),
            "port": upload.get("upload_port"),
        }
        if upload.get("upload_ip")
        else None,
        # Only what Watchfloor recorded: a reveal in the console is a view by the provider.
        "fileViewedByEsp": True if f.revealed else None,
        "viewed_in_watchfloor": [{"at": _iso(at), "by": who} for at, who in f.revealed],
        "publiclyAvailable": upload.get("publicly_available"),
    }


def build(
    data: CaseData,
    *,
    generated_at: datetime,
    generated_by: str,
    reasons: Sequence[str],
    preservation: Mapping[str, Any],
) -> dict[str, Any]:
    """The packet of a case, as plain JSON-ready data."""
    graphic = _graphic_reports(data)
    uploads = {r.id: _plain(r.metadata, UPLOAD_KEYS) for r in data.reports}
    policies = [d.policy_id for d in data.decisions if d.violation]
    incident_type = next(
        (INCIDENT_TYPES[p] for p in reversed(policies) if p in INCIDENT_TYPES), None
    )
    first = min(data.reports, key=lambda r: (r.reported_at, r.id), default=None)
    files = [_file(f, uploads.get(f.report_id, {})) for f in data.files]
    person = _person(data, list(uploads.values()))
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "case": data.key,
        "generated_at": _iso(generated_at),
        "generated_by": generated_by,
        "why_reportable": list(reasons),
        "incidentSummary": {
            "incidentType": incident_type,
            "incidentDateTime": _iso(first.reported_at) if first else _iso(data.created_at),
            "incidentDateTimeDescription": "the time of the first report to us; the incident "
            "itself may be earlier",
            "summary": None if graphic else scrub(data.summary),
            "priority": data.priority,
            "harm_area": data.harm_area,
            "status": data.status,
        },
        "personOrUserReported": person,
        "files": files,
        "reported_to_us_by": [_report(r, graphic=r.id in graphic) for r in data.reports],
        "decisions": [
            {
                "at": _iso(d.at),
                "policy_id": d.policy_id,
                "violation": d.violation,
                "actions": list(d.actions),
            }
            for d in data.decisions
        ],
        "latest_decision": {"by": data.decided_by, "rationale": scrub(data.latest_rationale)}
        if data.decisions
        else None,
        "preservation": dict(preservation),
        "timeline": [{"at": _iso(at), "by": who, "event": what} for at, who, what in data.timeline],
    }
    out["checklist"] = checklist(out)
    return out


def checklist(p: Mapping[str, Any]) -> list[str]:
    """What the filer must still add or confirm: fields the report asks for that we do not hold."""
    todo = [
        "reporter.reportingPerson: your name, e-mail and phone as the person filing, and a "
        "law-enforcement contact person if it is someone else",
        "Upload each file through the CyberTipline from Watchfloor's evidence store; this "
        "packet carries hashes only",
    ]
    summary = p["incidentSummary"]
    if summary["incidentType"] is None:
        todo.append("incidentSummary.incidentType: choose the type (no decision names one)")
    todo.append(
        "incidentSummary.incidentDateTime: confirm when the incident happened (we hold when "
        f"it was reported: {summary['incidentDateTime']})"
    )
    if summary["priority"] == "P0":
        todo.append("incidentSummary.escalateToHighPriority: say why if a child is at risk now")
    person = p["personOrUserReported"]
    if not (person["espIdentifier"] or person["screenName"] or person["email"]):
        todo.append("personOrUserReported: no account, screen name or e-mail held; add them")
    elif person["screenName"] is None:
        todo.append("personOrUserReported.screenName: add the user's screen name")
    for c in person["ipCaptureEvent"]:
        if not c["dateTime"]:
            todo.append(f"personOrUserReported.ipCaptureEvent: when {c['ipAddress']} was seen")
    if not person["ipCaptureEvent"]:
        todo.append("personOrUserReported.ipCaptureEvent: no IP address held; add login/upload IPs")
    for f in p["files"]:
        name = f"file {f['evidence_id']} (sha256 {f['originalFileHash'][1]['value'][:12]}...)"
        if f["uploaded_at"] is None:
            todo.append(f"{name}: upload time")
        if f["ipCaptureEvent"] is None:
            todo.append(f"{name}: upload IP address and its time")
        if f["fileViewedByEsp"] is None:
            todo.append(f"{name}: fileViewedByEsp (no view recorded in Watchfloor)")
        if f["publiclyAvailable"] is None:
            todo.append(f"{name}: publiclyAvailable")
        if f["kind"] == "file":
            todo.append(f"{name}: PhotoDNA hash, if your systems hold one (Watchfloor does not)")
    if not p["files"]:
        todo.append("files: none held in Watchfloor; list any the report concerns")
    todo.append("Victim information, if known (Watchfloor holds none)")
    return todo


def canonical(packet: Mapping[str, Any]) -> bytes:
    """The packet as canonical JSON: the bytes its digest is taken of."""
    return json.dumps(packet, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def digest(packet: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(packet)).hexdigest()
